"""Dialogue meetings as iCalendar (RFC 5545), so they land in everyone's calendar."""

from django.conf import settings
from icalendar import Calendar, Event


def meeting_calendar(meeting) -> bytes:
    """One VEVENT for the meeting; its UID stays and its SEQUENCE rises when the meeting changes."""
    calendar = Calendar()
    calendar.add("prodid", "-//Skala//Market dialogue//NB")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{meeting.uid}@skala")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.updated_at)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", meeting.title)
    event.add("description", meeting.agenda)
    if meeting.place:
        event.add("location", meeting.place)
    event.add("url", f"{settings.SITE_URL}{meeting.get_absolute_url()}")
    event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
