"""Who may change a supplier's profile, send and read proposals, and answer them.

A proposal's content is confidential between the sending supplier and the receiving buyer: site
facilitators do not read it, and neither do other suppliers or other buyers.
"""

from skala.orgs.models import ROLE_RANK, Organisation, OrganisationKind, Role
from skala.orgs.permissions import has_role, role_in, rule
from skala.suppliers.models import PartneringRequest, Proposal, Subscription, SupplierProfile


def holds(user, organisation: Organisation, at_least: str) -> bool:
    """A member's own role, without the staff override: for what is confidential between parties."""
    if not user.is_authenticated:
        return False
    held = role_in(user, organisation)
    return held is not None and ROLE_RANK[held] >= ROLE_RANK[at_least]


@rule("suppliers.change_profile")
def can_change_profile(user, profile: SupplierProfile) -> bool:
    """Only the supplier's own editors change its profile and solutions."""
    return has_role(user, profile.organisation, Role.EDITOR)


@rule("suppliers.act_for_supplier")
def can_act_for(user, organisation: Organisation) -> bool:
    """Editors of a supplier send proposals, partnering requests and subscriptions for it."""
    return organisation.kind == OrganisationKind.SUPPLIER and holds(user, organisation, Role.EDITOR)


@rule("suppliers.view_proposal")
def can_view_proposal(user, proposal: Proposal) -> bool:
    """The sender's members and the receiving buyer's members; no one else."""
    return holds(user, proposal.sender, Role.VIEWER) or holds(user, proposal.receiver, Role.VIEWER)


@rule("suppliers.answer_proposal")
def can_answer_proposal(user, proposal: Proposal) -> bool:
    """Editors of the receiving buyer (or above it in its hierarchy) review, forward and answer."""
    return holds(user, proposal.receiver, Role.EDITOR)


@rule("suppliers.answer_partnering")
def can_answer_partnering(user, request: PartneringRequest) -> bool:
    return holds(user, request.receiver, Role.EDITOR)


@rule("suppliers.change_subscription")
def can_change_subscription(user, subscription: Subscription) -> bool:
    """The subscriber, and the supplier's editors."""
    return subscription.user_id == user.pk or holds(user, subscription.organisation, Role.EDITOR)
