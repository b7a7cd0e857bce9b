"""The one permission layer: object-level rules every view and API endpoint asks through.

Ask with Django's own call, ``user.has_perm("orgs.change_organisation", organisation)``, or with
``authorize(user, perm, obj)`` which raises PermissionDenied. Each app registers the rules for its
own objects in its ``permissions.py`` with ``@rule("app.verb_model")``; RuleBackend answers them.

Roles hold downwards: an editor of Oslo kommune is an editor of its agencies and offices, but
an editor of one office is not an editor of Oslo kommune.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied

from skala.orgs.models import ROLE_RANK, Membership, Organisation, Role

Rule = Callable[[object, object], bool]
RULES: dict[str, Rule] = {}


def rule(permission: str) -> Callable[[Rule], Rule]:
    """Register the function that answers one permission for one kind of object."""

    def register(function: Rule) -> Rule:
        if permission in RULES:
            raise ValueError(f"A rule for {permission} is registered twice.")
        RULES[permission] = function
        return function

    return register


class RuleBackend:
    """An authentication backend that authenticates no one and answers object permissions."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user, permission: str, obj=None) -> bool:
        # Anonymous visitors reach the rules too: some objects (a published need) are public.
        if obj is None or (user.is_authenticated and not user.is_active):
            return False
        answer = RULES.get(permission)
        return bool(answer and answer(user, obj))


def authorize(user, permission: str, obj) -> None:
    """Raise PermissionDenied unless the person may do this to the object."""
    if not user.has_perm(permission, obj):
        raise PermissionDenied(permission)


def roles_of(user) -> dict[int, str]:
    """The person's role in each organisation they are a member of, read once per request."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, "_skala_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        user._skala_roles = cached
    return cached


def role_in(user, organisation: Organisation) -> str | None:
    """The strongest role the person holds in the organisation or any organisation above it."""
    roles = roles_of(user)
    if not roles:
        return None
    held = [roles[o.pk] for o in organisation.ancestors(include_self=True) if o.pk in roles]
    return max(held, key=ROLE_RANK.__getitem__, default=None)


def has_role(user, organisation: Organisation, at_least: str) -> bool:
    """True when the person holds the role, or a stronger one, in the organisation."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    held = role_in(user, organisation)
    return held is not None and ROLE_RANK[held] >= ROLE_RANK[at_least]


def descendants(organisation: Organisation) -> list[Organisation]:
    """The organisation and every unit below it."""
    found, frontier = [organisation], [organisation]
    while frontier:
        frontier = list(Organisation.objects.filter(parent__in=frontier))
        found.extend(frontier)
    return found


def member_organisations(user) -> list[int]:
    """Ids of the organisations the person is a member of, and of every unit below them."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_skala_member_organisations", None)
    if cached is None:
        cached, frontier = set(roles_of(user)), set(roles_of(user))
        while frontier:
            frontier = (
                set(Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - cached
            )
            cached |= frontier
        user._skala_member_organisations = cached = sorted(cached)
    return cached


@rule("orgs.view_organisation_internal")
def can_view_internal(user, organisation: Organisation) -> bool:
    """Members, facilitators and staff see an organisation's internal pages and members."""
    return user.is_authenticated and (user.is_facilitator or has_role(user, organisation, Role.VIEWER))


@rule("orgs.change_organisation")
def can_edit(user, organisation: Organisation) -> bool:
    """Editors change an organisation's data: its profile, and (in other apps) its needs and more."""
    return has_role(user, organisation, Role.EDITOR)


@rule("orgs.manage_members")
def can_manage_members(user, organisation: Organisation) -> bool:
    """Administrators add and remove members and give them roles."""
    return has_role(user, organisation, Role.ADMIN)


@rule("orgs.add_unit")
def can_add_unit(user, organisation: Organisation) -> bool:
    """Administrators add agencies and procurement offices under their organisation."""
    return has_role(user, organisation, Role.ADMIN)
