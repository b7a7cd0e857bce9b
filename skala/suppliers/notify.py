"""Telling an organisation's members that something needs them, by e-mail through a task."""

from django.conf import settings

from skala.orgs.models import Membership, Organisation


def member_addresses(organisation: Organisation) -> list[str]:
    """The e-mail addresses of everyone holding a role in the organisation or above it."""
    chain = organisation.ancestors(include_self=True)
    return sorted(
        set(
            Membership.objects.filter(organisation__in=chain, user__is_active=True).values_list(
                "user__email", flat=True
            )
        )
    )


def tell_members(organisation: Organisation, subject: str, body: str) -> None:
    """Queue one e-mail to the organisation's members once the current transaction commits."""
    from django.db import transaction

    from skala.orgs.tasks import send_email

    addresses = member_addresses(organisation)
    if not addresses:
        return
    transaction.on_commit(lambda: send_email.enqueue(subject=subject, body=body, to=addresses))


def absolute(path: str) -> str:
    """A link that works from an e-mail: the site's address before the path."""
    return f"{settings.SITE_URL}{path}"
