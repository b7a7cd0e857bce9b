"""What the front page shows: Skala's figures for everyone, and a signed-in person's own work.

The work is what waits for the person's organisations: invitations to joint processes to answer,
proposals to answer, their needs (drafts first), and the dialogue meetings ahead.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from skala.dialogue.models import Meeting, RegistrationStatus
from skala.dialogue.permissions import is_host
from skala.needs.models import Need, NeedStatus, Participant, ParticipantStatus, Visibility
from skala.orgs.models import Organisation, Role
from skala.orgs.permissions import has_role, member_organisations
from skala.procedures.models import Notice
from skala.suppliers.models import ANSWERED, Proposal, Solution

SHOWN = 5


def figures() -> dict[str, int]:
    """What is in Skala now, for the front page: what anyone can find."""
    return {
        "needs": Need.objects.exclude(status=NeedStatus.DRAFT).filter(visibility=Visibility.PUBLIC).count(),
        "notices": Notice.objects.count(),
        "solutions": Solution.objects.count(),
        "organisations": Organisation.objects.filter(parent=None).count(),
    }


@dataclass
class Work:
    """What waits for the person: each list at most SHOWN long, with the full count beside it."""

    invitations: list = field(default_factory=list)
    proposals: list = field(default_factory=list)
    proposals_waiting: int = 0
    needs: list = field(default_factory=list)
    meetings: list = field(default_factory=list)
    can_describe_need: bool = False
    supplier_id: int | None = None

    @property
    def empty(self) -> bool:
        return not (self.invitations or self.proposals or self.needs or self.meetings)


def work_of(user) -> Work:
    """The person's own work across the organisations they belong to (staff hold no roles: none)."""
    mine = member_organisations(user)
    work = Work()
    if not mine:
        return work
    invited = Participant.objects.filter(status=ParticipantStatus.INVITED, organisation_id__in=mine)
    work.invitations = [
        participant
        for participant in invited.select_related("process__need", "organisation")[: SHOWN * 2]
        if user.has_perm("needs.answer_invitation", participant)
    ][:SHOWN]
    waiting = (
        Proposal.objects.filter(receiver_id__in=mine).exclude(status__in=ANSWERED).select_related("sender")
    )
    work.proposals_waiting = waiting.count()
    work.proposals = list(waiting.order_by("created_at")[:SHOWN])
    work.needs = list(
        # Their own, and those of the joint processes they have joined: a joint need is theirs to follow too.
        Need.objects.of_organisations(mine)
        .exclude(status=NeedStatus.CLOSED)
        .select_related("organisation")
        .order_by("-updated_at")[:SHOWN]
    )
    now = timezone.now()
    work.meetings = list(
        Meeting.objects.filter(ends_at__gte=now)
        .filter(
            Q(hosts__organisation_id__in=mine)
            | Q(
                registrations__supplier_id__in=mine,
                registrations__status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING],
            )
        )
        .distinct()
        .select_related("need")
        .order_by("starts_at")[: SHOWN * 2]
    )
    # A co-host that has left the joint process keeps its row until the hosts are synced: a meeting is
    # the person's if they host it now or their supplier is registered.
    work.meetings = [
        meeting
        for meeting in work.meetings
        if is_host(user, meeting)
        or meeting.registrations.filter(supplier_id__in=mine)
        .exclude(status=RegistrationStatus.CANCELLED)
        .exists()
    ][:SHOWN]
    buyers = Organisation.objects.public_buyers().filter(pk__in=mine)
    work.can_describe_need = any(user.has_perm("needs.add_need", organisation) for organisation in buyers)
    # Describing a solution is for the supplier's editors; a viewer would be refused.
    supplier = next(
        (
            organisation
            for organisation in Organisation.objects.suppliers().filter(pk__in=mine).order_by("name")
            if has_role(user, organisation, Role.EDITOR)
        ),
        None,
    )
    work.supplier_id = supplier.pk if supplier else None
    return work
