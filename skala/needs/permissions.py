"""Who may see, change and share a need."""

from skala.needs.models import ACTIVE_STATUSES, Need, NeedStatus, Participant, ParticipantStatus, Visibility
from skala.orgs.models import Role
from skala.orgs.permissions import has_role, member_organisations, rule


def is_participant(user, need: Need) -> bool:
    """True when one of the person's organisations is invited to, or has joined, the need's joint process."""
    process = getattr(need, "joint_process", None)
    if process is None or not user.is_authenticated:
        return False
    return process.participants.filter(
        organisation_id__in=member_organisations(user),
        status__in=ACTIVE_STATUSES,
    ).exists()


@rule("needs.view_need")
def can_view(user, need: Need) -> bool:
    """Drafts: the owner's members. Published: everyone if public, else invited and participating buyers."""
    if user.is_authenticated and (user.is_staff or has_role(user, need.organisation, Role.VIEWER)):
        return True
    if need.status == NeedStatus.DRAFT:
        return False
    if need.visibility == Visibility.PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    invited = need.invited_organisations.filter(pk__in=member_organisations(user)).exists()
    return invited or is_participant(user, need)


@rule("needs.change_need")
def can_change(user, need: Need) -> bool:
    """Only editors of the owning (lead) buyer change a need; participants read it."""
    return has_role(user, need.organisation, Role.EDITOR)


@rule("needs.add_need")
def can_add_for(user, organisation) -> bool:
    """Editors of a public buyer publish needs for it."""
    return organisation.is_public_buyer and has_role(user, organisation, Role.EDITOR)


@rule("needs.view_process_details")
def can_view_process_details(user, need: Need) -> bool:
    """Who is invited or declined, and the followers' option terms: the need's own buyer and the buyers
    that joined. Anyone else who may read the need sees only who takes part, and in which role."""
    if not user.is_authenticated:
        return False
    if user.is_staff or has_role(user, need.organisation, Role.VIEWER):
        return True
    return Participant.objects.filter(
        process__need=need,
        status=ParticipantStatus.ACCEPTED,
        organisation_id__in=member_organisations(user),
    ).exists()


@rule("needs.answer_invitation")
def can_answer(user, participant: Participant) -> bool:
    """Editors of the invited organisation accept or decline for it, and may later leave."""
    return has_role(user, participant.organisation, Role.EDITOR)
