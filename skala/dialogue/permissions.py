"""Who may see and run a dialogue meeting, and who reads what suppliers submitted.

The need's owner and the buyers of its joint process (followers included) host on the same footing.
A supplier's answers are read by the hosts, and by the supplier itself; never by other suppliers.
"""

from skala.dialogue.models import HostRole, Meeting, MeetingStatus
from skala.needs.models import ParticipantStatus
from skala.orgs.models import Role
from skala.orgs.permissions import has_role, rule
from skala.suppliers.permissions import holds


def current_hosts(meeting: Meeting) -> list:
    """The meeting's hosts as the joint process stands now: the need's owner, and the co-hosts still
    in its joint process.

    A co-host that has since declined or left the process, or a lead whose need has since moved to
    another buyer, hosts no more, though its row stays until the hosts are synced again: it must not
    keep reading the suppliers' input. Uses what the caller prefetched (hosts__organisation,
    need__joint_process__participants), so a list of meetings costs no query per meeting.
    """
    process = getattr(meeting.need, "joint_process", None)
    joined = (
        {p.organisation_id for p in process.participants.all() if p.status == ParticipantStatus.ACCEPTED}
        if process is not None
        else set()
    )
    prefetched = "hosts" in getattr(meeting, "_prefetched_objects_cache", {})
    hosts = meeting.hosts.all() if prefetched else meeting.hosts.select_related("organisation")
    return [
        host
        for host in hosts
        if (host.role == HostRole.LEAD and host.organisation_id == meeting.need.organisation_id)
        or (host.role == HostRole.COHOST and host.organisation_id in joined)
    ]


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
