"""Builders for dialogue tests: a published meeting for a need, suppliers with members."""

import datetime

from django.utils import timezone

from skala.dialogue import services
from skala.dialogue.models import Meeting, MeetingKind
from skala.needs.models import Need, NeedStatus
from skala.orgs.models import OrganisationKind, Role
from skala.testing import add_member, make_organisation, make_user


def make_need(organisation, title="Digitalt nattilsyn") -> Need:
    return Need.objects.create(
        organisation=organisation,
        title=title,
        problem="Fysiske tilsyn om natten",
        status=NeedStatus.PUBLISHED,
    )


def make_meeting(
    need, *, capacity=None, publish=True, kind=MeetingKind.WORKSHOP, days=14, **fields
) -> Meeting:
    starts = timezone.now() + datetime.timedelta(days=days)
    meeting = Meeting.objects.create(
        need=need,
        kind=kind,
        title=fields.pop("title", "Dialogmøte om nattilsyn"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        registration_deadline=starts - datetime.timedelta(days=2),
        capacity=capacity,
        place="Rådhuset",
        **fields,
    )
    services.sync_hosts(meeting)
    if publish:
        services.publish(meeting)
        meeting.refresh_from_db()
    return meeting


def make_supplier(number: int):
    """A supplier organisation with an editor who can act for it."""
    organisation = make_organisation(f"Leverandør {number} AS", OrganisationKind.SUPPLIER)
    user = make_user(f"leverandor{number}@test.example")
    add_member(user, organisation, Role.EDITOR)
    return organisation, user
