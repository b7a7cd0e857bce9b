"""Who may change a procurement: the editors of the buyer that runs it (the lead of a joint process)."""

from skala.orgs.models import Role
from skala.orgs.permissions import has_role, rule


@rule("procedures.change_procurement")
def can_change(user, procurement) -> bool:
    return has_role(user, procurement.buyer, Role.EDITOR)
