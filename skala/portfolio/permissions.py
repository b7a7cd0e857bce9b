"""Who sees and changes a portfolio: the owners, the programme's facilitator and members."""

from skala.orgs.models import OrganisationKind, Role
from skala.orgs.permissions import has_role, member_organisations, rule


def programme_organisations(project) -> list:
    programme = project.programme
    if programme is None:
        return []
    return [programme.facilitator, *programme.members.all()]


@rule("portfolio.view_project")
def can_view(user, project) -> bool:
    """Members of the owners and of the programme, and site-wide facilitators."""
    if not user.is_authenticated:
        return False
    if user.is_facilitator or user.is_staff:
        return True
    organisations = [*project.owners.all(), *programme_organisations(project)]
    return any(has_role(user, organisation, Role.VIEWER) for organisation in organisations)


@rule("portfolio.change_project")
def can_change(user, project) -> bool:
    """Editors of an owner, and editors of the facilitator running the project's programme."""
    editors_of = [*project.owners.all()]
    if project.programme is not None:
        editors_of.append(project.programme.facilitator)
    return any(
        has_role(user, organisation, Role.EDITOR)
        for organisation in editors_of
        if organisation.kind != OrganisationKind.SUPPLIER  # a supplier is an actor, never an owner
    )


@rule("portfolio.change_programme")
def can_change_programme(user, programme) -> bool:
    return has_role(user, programme.facilitator, Role.EDITOR)


@rule("portfolio.view_programme")
def can_view_programme(user, programme) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_facilitator or user.is_staff:
        return True
    mine = set(member_organisations(user))
    return programme.facilitator_id in mine or programme.members.filter(pk__in=mine).exists()
