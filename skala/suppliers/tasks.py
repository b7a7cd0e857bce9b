"""Background work for suppliers: alerts when something is published, and the e-mail digests."""

from django.urls import reverse
from django.utils import translation
from django_tasks import task

from skala.suppliers.alerts import Published, create_alerts, send_digests


def published_need(need) -> Published:
    top = need.organisation.top()
    municipality = top.municipality
    with translation.override(None):
        url = reverse("needs:detail", args=[need.pk])
    return Published(
        kind="need",
        key=need.corpus_key,
        title=need.title,
        text=need.text(),
        url=url,
        cpv=list(need.cpv_codes.values_list("code8", flat=True)),
        county_id=municipality.county_id if municipality else None,
        buyer_ids={organisation.pk for organisation in need.organisation.ancestors(include_self=True)},
        language=need.language or None,
        need_id=need.pk,
    )


@task()
def alert_for_need(need_id: int) -> int:
    """Alerts for a newly published public need; returns how many were made."""
    from skala.needs.models import Need, Visibility

    need = Need.objects.select_related("organisation").filter(pk=need_id).first()
    if need is None or need.is_draft or need.visibility != Visibility.PUBLIC:
        return 0
    return create_alerts(published_need(need))


# A new subscription looks back at this many of the newest open public needs.
LOOK_BACK_NEEDS = 200


@task()
def alert_for_open_needs(subscription_id: int) -> int:
    """A new subscription hears at once of the open public needs it matches, not only of later ones."""
    from skala.needs.models import Need, NeedStatus, Visibility
    from skala.suppliers.alerts import alert
    from skala.suppliers.models import Subscription

    subscription = (
        Subscription.objects.prefetch_related("regions", "buyers")
        .filter(pk=subscription_id, active=True)
        .first()
    )
    if subscription is None:
        return 0
    needs = (
        Need.objects.filter(
            visibility=Visibility.PUBLIC, status__in=[NeedStatus.PUBLISHED, NeedStatus.IN_PROCUREMENT]
        )
        .select_related("organisation")
        .order_by("-published_at")[:LOOK_BACK_NEEDS]
    )
    return sum(alert(subscription, published_need(need)) for need in needs)


@task()
def alert_for_notices(notice_ids: list[int]) -> int:
    """Alerts for newly imported notices; returns how many were made."""
    from skala.procedures.models import Notice

    created = 0
    for notice in Notice.objects.filter(pk__in=notice_ids):
        with translation.override(None):
            url = reverse("procedures:notice_detail", args=[notice.pk])
        created += create_alerts(
            Published(
                kind="notice",
                key=notice.corpus_key,
                title=notice.title,
                text=notice.description,
                url=url,
                cpv=list(notice.cpv),
                language=notice.language if notice.language in {"nb", "nn", "sv", "da", "en"} else None,
            )
        )
    return created


@task()
def send_digest_emails(frequency: str) -> dict:
    """Send the daily or weekly digests; returns what was sent and what failed."""
    report = send_digests(frequency)
    return {"sent": report.sent, "alerts": report.alerts, "failed": report.failed}
