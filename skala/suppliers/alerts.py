"""Subscriptions meet what is published: alerts in Skala, and e-mail digests with an unsubscribe link.

A subscription names any of: CPV codes or their first digits, keywords, regions (counties) and
buyers. Every kind it names must match (a code AND a keyword, if both are given); within a kind,
any one is enough. A keyword matches by its stem in any of our languages, so "alarm" finds
"alarmer", "larm" finds "larmet", and, because Nordic languages write compounds as one word, a
stem of four letters or more also matches inside a word ("alarm" in "trygghetsalarmer").
"""

import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from skala.matching.analysis import analyse, words
from skala.matching.languages import MULTILINGUAL, detect_language
from skala.suppliers.models import Alert, Subscription
from skala.suppliers.notify import absolute

logger = logging.getLogger(__name__)

COMPOUND_MINIMUM = 4
SEND_ATTEMPTS = 3


@dataclass
class Published:
    """Something newly published, as subscriptions see it."""

    kind: str
    key: str
    title: str
    text: str
    url: str
    cpv: list[str] = field(default_factory=list)
    county_id: int | None = None
    buyer_ids: set[int] = field(default_factory=set)
    language: str | None = None
    need_id: int | None = None

    def __post_init__(self) -> None:
        full = f"{self.title}\n{self.text}"
        language = self.language or detect_language(full)
        # Both the text's own language and every stemmer: a keyword typed in Swedish meets Norwegian text.
        self.stems = set(analyse(full, language)) | set(analyse(full, MULTILINGUAL))
        self.words = set(words(full))


def keyword_list(text: str) -> list[str]:
    return [keyword.strip() for keyword in text.replace(";", ",").split(",") if keyword.strip()]


def keyword_matches(keyword: str, item: Published) -> bool:
    """Every word of the keyword is in the item, by stem or inside a compound."""
    for word in words(keyword):
        stems = set(analyse(word, MULTILINGUAL)) | {word}
        if stems & item.stems:
            continue
        if any(
            len(stem) >= COMPOUND_MINIMUM and any(stem in other for other in item.words) for stem in stems
        ):
            continue
        return False
    return bool(words(keyword))


def why_it_matches(subscription: Subscription, item: Published) -> str | None:
    """A short reason when the subscription matches the item, or None."""
    prefixes = [str(prefix) for prefix in subscription.cpv_prefixes]
    keywords = keyword_list(subscription.keywords)
    regions = {county.pk for county in subscription.regions.all()}
    buyers = {buyer.pk for buyer in subscription.buyers.all()}
    if not (prefixes or keywords or regions or buyers):
        return None
    reasons = []
    if prefixes:
        hits = sorted({prefix for prefix in prefixes for code in item.cpv if code.startswith(prefix)})
        if not hits:
            return None
        reasons.append(_("CPV %(codes)s") % {"codes": ", ".join(hits)})
    if keywords:
        hits = [keyword for keyword in keywords if keyword_matches(keyword, item)]
        if not hits:
            return None
        reasons.append(_("words: %(words)s") % {"words": ", ".join(hits)})
    if regions:
        if item.county_id not in regions:
            return None
        reasons.append(_("your region"))
    if buyers:
        if not item.buyer_ids & buyers:
            return None
        reasons.append(_("a buyer you follow"))
    return "; ".join(reasons)


def alert(subscription: Subscription, item: Published) -> bool:
    """An alert for the subscription if the item matches it; an item alerts a subscription once."""
    why = why_it_matches(subscription, item)
    if why is None:
        return False
    try:
        with transaction.atomic():
            Alert.objects.create(
                subscription=subscription,
                kind=item.kind,
                key=item.key,
                title=item.title[:1000],
                url=item.url,
                why=why[:500],
                need_id=item.need_id,
            )
    except IntegrityError:
        # Already alerted: a need published, closed and republished alerts once.
        return False
    return True


def create_alerts(item: Published) -> int:
    """An alert for every active subscription the item matches."""
    subscriptions = Subscription.objects.filter(active=True).prefetch_related("regions", "buyers")
    return sum(alert(subscription, item) for subscription in subscriptions)


def readable(alerts, user):
    """The alerts whose need (or meeting's need) the person may still read: a need made invited-only, or
    taken back to draft, after it alerted is no longer named to subscribers it is not shared with."""
    from skala.needs.models import Need
    from skala.orgs.permissions import member_organisations

    organisations = member_organisations(user) if user.is_authenticated else []
    return alerts.filter(Q(need__isnull=True) | Q(need__in=Need.objects.visible_to(user, organisations)))


def digest_message(subscription: Subscription, alerts: list[Alert]) -> EmailMessage:
    """The digest e-mail for one subscription, in its recipient's language, with an unsubscribe link."""
    unsubscribe = absolute(subscription.get_unsubscribe_url())
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Skala: %(count)s new for %(name)s") % {"count": len(alerts), "name": subscription}
        body = render_to_string(
            "suppliers/email/digest.txt",
            {
                "subscription": subscription,
                "alerts": alerts,
                "site": settings.SITE_URL,
                "unsubscribe": unsubscribe,
            },
        )
    return EmailMessage(
        subject=subject,
        body=body,
        to=[subscription.user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


@dataclass
class DigestReport:
    sent: int = 0
    alerts: int = 0
    failed: int = 0


def send_digests(frequency: str, *, dry_run: bool = False, pause: float = 1.0) -> DigestReport:
    """E-mail every active subscription of this frequency the alerts it has not yet had.

    A failed send is tried again (SEND_ATTEMPTS times, with a growing pause) and logged; its alerts
    stay unsent, so the next digest carries them: nothing is lost silently.
    """
    report = DigestReport()
    subscriptions = Subscription.objects.filter(active=True, frequency=frequency).select_related(
        "user", "organisation"
    )
    for subscription in subscriptions:
        # An alert whose need is no longer shared with the subscriber waits, unsent, in case it is again.
        unsent = subscription.alerts.filter(emailed_at__isnull=True)
        alerts = list(readable(unsent, subscription.user).order_by("created_at", "pk"))
        if not alerts or not subscription.user.is_active:
            continue
        if dry_run:
            report.sent += 1
            report.alerts += len(alerts)
            continue
        message = digest_message(subscription, alerts)
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                message.send()
                break
            except OSError as error:
                logger.warning(
                    "Digest for subscription %s failed (attempt %s of %s): %s",
                    subscription.pk,
                    attempt,
                    SEND_ATTEMPTS,
                    error,
                )
                if attempt < SEND_ATTEMPTS:
                    time.sleep(pause * attempt)
        else:
            logger.error(
                "Digest for subscription %s not sent after %s attempts; its %s alerts wait for the next run.",
                subscription.pk,
                SEND_ATTEMPTS,
                len(alerts),
            )
            Alert.objects.filter(pk__in=[alert.pk for alert in alerts]).update(
                email_attempts=F("email_attempts") + 1
            )
            report.failed += 1
            continue
        Alert.objects.filter(pk__in=[alert.pk for alert in alerts]).update(emailed_at=timezone.now())
        report.sent += 1
        report.alerts += len(alerts)
    return report
