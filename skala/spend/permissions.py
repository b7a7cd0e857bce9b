"""Who sees an organisation's spend and who may change what it means.

Spend lines are the buyer's internal accounts: only its members (viewer or more, in the
organisation or above it) and site staff read the supplier-base report. Editors link suppliers
known only by name and choose how much of the openings for small suppliers the public sees.
Only public buyers have spend in Skala: a supplier's own accounts are not what it is for.
"""

from skala.orgs.models import Organisation, Role
from skala.orgs.permissions import has_role, rule


@rule("spend.view_report")
def can_view_report(user, organisation: Organisation) -> bool:
    """Members of the organisation (or of one above it) and staff."""
    return organisation.is_public_buyer and has_role(user, organisation, Role.VIEWER)


@rule("spend.change_spend")
def can_change_spend(user, organisation: Organisation) -> bool:
    """Editors link suppliers to organisation numbers and choose what the public sees."""
    return organisation.is_public_buyer and has_role(user, organisation, Role.EDITOR)
