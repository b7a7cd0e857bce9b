"""Confirming that an e-mail address is the person's: a signed link sent to it, valid for a week.

Anyone can sign up with any address, so an unconfirmed address proves nothing. What an address
alone would unlock waits for the confirmation: the rows that name the address (a supplier's contact
person, a named attendee) are only exported and erased for a person who has confirmed it.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skala.orgs.models import User

SALT = "skala.orgs.verify-email"
VALID_FOR = 7 * 24 * 3600


def token_for(user: User) -> str:
    """A token that confirms this person's current address; a changed address needs a new one."""
    return signing.TimestampSigner(salt=SALT).sign_object({"user": user.pk, "email": user.email})


def user_for(token: str) -> User | None:
    """The person whose address the token confirms, or None when it is forged, expired or stale."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=VALID_FOR)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return User.objects.filter(pk=value.get("user"), email=value.get("email"), is_active=True).first()


def confirm(user: User) -> None:
    """Record that the address is the person's (a link sent to it was followed)."""
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])


def send_confirmation(user: User) -> None:
    """Queue the e-mail with the link, once the current transaction commits."""
    from skala.orgs.tasks import send_email

    link = f"{settings.SITE_URL}{reverse('verify_email', args=[token_for(user)])}"
    subject = _("Confirm your e-mail address for Skala")
    body = _(
        "Follow this link to confirm that %(email)s is your address (it works for a week):\n\n%(link)s\n\n"
        "If you did not sign up for Skala, you can ignore this e-mail."
    ) % {"email": user.email, "link": link}
    transaction.on_commit(lambda: send_email.enqueue(subject=subject, body=body, to=[user.email]))
