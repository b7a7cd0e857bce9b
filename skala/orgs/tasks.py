"""Background work for accounts."""

from django.core.mail import EmailMessage
from django_tasks import task


@task()
def send_email(subject: str, body: str, to: list[str], from_email: str | None = None) -> int:
    """Send one plain-text mail; returns how many were sent (0 or 1)."""
    return EmailMessage(subject=subject, body=body, to=to, from_email=from_email).send()
