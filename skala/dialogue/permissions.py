"""Who may see and run a dialogue meeting, and who reads what suppliers submitted.

The need's owner and the buyers of its joint process (followers included) host on the same footing.
A supplier's answers are read by the hosts, and by the supplier itself; never by other suppliers.
"""

from django.db.models import Q

from skala.dialogue.models import HostRole, Meeting, MeetingStatus
from skala.needs.models import ParticipantStatus
from skala.orgs.models import Role
from skala.orgs.permissions import has_role, rule
from skala.suppliers.permissions import holds


def current_hosts(meeting: Meeting):
    """The meeting's hosts as the joint process stands now: the lead, and the co-hosts still in it.

    A co-host that has since declined or left the process hosts no more, though its row stays until
    the hosts are synced again: it must not keep reading the suppliers' input.
    """
    process = getattr(meeting.need, "joint_process", None)
    joined = (
        process.participants.filter(status=ParticipantStatus.ACCEPTED).values("organisation_id")
        if process is not None
        else []
    )
    return meeting.hosts.filter(Q(role=HostRole.LEAD) | Q(organisation_id__in=joined)).select_related(
        "organisation"
    )


def is_host(user, meeting: Meeting, at_least: str = Role.VIEWER) -> bool:
    """A member (with at least that role) of the lead buyer or a co-host; staff are not hosts."""
    organisations = [meeting.need.organisation, *(host.organisation for host in current_hosts(meeting))]
    return any(holds(user, organisation, at_least) for organisation in organisations)


@rule("dialogue.add_meeting")
def can_add_meeting(user, need) -> bool:
    """The need's owning buyer's editors plan its meetings."""
    return has_role(user, need.organisation, Role.EDITOR)


@rule("dialogue.manage_meeting")
def can_manage(user, meeting: Meeting) -> bool:
    """Editors of any host: the lead buyer and the co-hosting buyers of the joint process."""
    return is_host(user, meeting, Role.EDITOR)


@rule("dialogue.view_meeting")
def can_view(user, meeting: Meeting) -> bool:
    """A published meeting is as visible as its need; a draft only to its hosts."""
    if meeting.status == MeetingStatus.DRAFT:
        return is_host(user, meeting) or (user.is_authenticated and user.is_staff)
    return user.has_perm("needs.view_need", meeting.need)


@rule("dialogue.view_input")
def can_view_input(user, meeting: Meeting) -> bool:
    """Every supplier's input: the hosts' members only; confidential, so not staff or facilitators."""
    return is_host(user, meeting)
