"""Key figures belong to their organisation: its members read them, its editors change them."""

from skala.orgs.models import OrganisationKind, Role
from skala.orgs.permissions import has_role, rule


@rule("kpis.view_figure")
def can_view(user, figure) -> bool:
    return user.is_authenticated and (user.is_facilitator or has_role(user, figure.owner, Role.VIEWER))


@rule("kpis.change_figure")
def can_change(user, figure) -> bool:
    """Editors of the owner, on the public side: a supplier keeps no key figures in Skala."""
    return figure.owner.kind != OrganisationKind.SUPPLIER and has_role(user, figure.owner, Role.EDITOR)


@rule("kpis.change_screen")
def can_change_screen(user, screen) -> bool:
    return screen.owner.kind != OrganisationKind.SUPPLIER and has_role(user, screen.owner, Role.EDITOR)
