"""Background work for market dialogue: announcing meetings to subscribers, and reminders."""

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from skala.dialogue.calendar import meeting_calendar


@task()
def alert_for_meeting(meeting_id: int) -> int:
    """Alerts for a newly published meeting, to the subscriptions its need matches."""
    from skala.dialogue.models import Meeting
    from skala.suppliers.alerts import create_alerts
    from skala.suppliers.tasks import published_need

    meeting = Meeting.objects.select_related("need__organisation").filter(pk=meeting_id).first()
    if meeting is None or meeting.need.visibility != "public" or meeting.need.is_draft:
        return 0
    item = published_need(meeting.need)
    item.kind, item.key, item.url = "meeting", f"meeting:{meeting.pk}", meeting.get_absolute_url()
    item.title = meeting.title
    return create_alerts(item)


@task()
def send_reminders() -> int:
    """E-mail every confirmed attendee of a meeting that starts within a day, once, with the calendar file."""
    from skala.dialogue.services import due_reminders

    sent = 0
    for registration in due_reminders():
        meeting = registration.meeting
        addresses = list(registration.attendees.values_list("email", flat=True))
        message = EmailMessage(
            subject=_("Reminder: %(title)s") % {"title": meeting.title},
            body=_("%(title)s starts %(start)s. %(place)s")
            % {
                "title": meeting.title,
                "start": timezone.localtime(meeting.starts_at).strftime("%d.%m.%Y %H:%M"),
                "place": meeting.place or meeting.link,
            },
            to=addresses,
        )
        message.attach("meeting.ics", meeting_calendar(meeting), "text/calendar")
        with transaction.atomic():
            message.send()
            registration.reminded_at = timezone.now()
            registration.save(update_fields=["reminded_at"])
        sent += 1
    return sent
