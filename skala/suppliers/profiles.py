"""Supplier profiles: signing up, keeping the profile and its solutions, and register facts."""

from django.db import transaction

from skala.orgs.models import Membership, Organisation, OrganisationKind, Role, User
from skala.suppliers.matching import remove_solution, sync_solution
from skala.suppliers.models import Solution, SupplierProfile


def profile_for(organisation: Organisation) -> SupplierProfile:
    """The supplier's profile, made empty on first use."""
    profile, _created = SupplierProfile.objects.get_or_create(organisation=organisation)
    return profile


# What an organisation that is already active in Skala has. Someone who signs up with its number
# must not take it over (and read its proposals and dialogue input): its administrator adds them.
ACTIVITY = (
    "needs",
    "joint_processes",
    "procurements",
    "proposals_sent",
    "proposals_received",
    "consortia_led",
    "consortia",
    "partnering_sent",
    "partnering_received",
    "subscriptions",
    "host_set",
    "registrations",
    "key_figures",
    "screens",
    "spend_uploads",
    "projects",
    "needs_shared_with",
)


class NotClaimableError(Exception):
    """Signing up may not make the person administrator of this organisation."""


def claim_refusal(organisation: Organisation) -> str | None:
    """Why signing up with this organisation's number may not take it over, or None when it may.

    Only a supplier that nobody in Skala speaks for yet can be taken over: a register record or a
    name from a buyer's spend. A public buyer, a unit of a hierarchy, or an organisation with members
    or with anything of its own in Skala (proposals, dialogue, needs) is refused, since whoever
    takes it over would read what it holds.
    """
    if organisation.kind != OrganisationKind.SUPPLIER:
        return "kind"
    if organisation.parent_id or organisation.children.exists():
        return "hierarchy"
    if organisation.memberships.exists():
        return "members"
    if any(getattr(organisation, name).exists() for name in ACTIVITY):
        return "activity"
    profile = SupplierProfile.objects.filter(organisation=organisation).first()
    if profile is not None and (profile.solutions.exists() or profile.contacts.exists()):
        return "activity"
    return None


@transaction.atomic
def register_supplier(
    *,
    name: str,
    email: str,
    password: str,
    company: str,
    orgnr: str,
    municipality=None,
    is_startup=False,
    country: str = "NO",
) -> tuple[User, Organisation]:
    """A person and their company join Skala; the person administers the company's profile.

    A supplier already in Skala that nobody speaks for (a register record, a name from a buyer's
    spend) is taken over rather than duplicated; any other organisation with the number is refused
    (NotClaimableError), whatever the form said.
    """
    organisation, created = Organisation.objects.select_for_update().get_or_create(
        country=country,
        orgnr=orgnr,
        defaults={"name": company, "kind": OrganisationKind.SUPPLIER, "municipality": municipality},
    )
    if not created and claim_refusal(organisation):
        raise NotClaimableError(organisation.name)
    user = User.objects.create_user(email, password, name=name)
    Membership.objects.create(user=user, organisation=organisation, role=Role.ADMIN)
    profile = profile_for(organisation)
    if is_startup and not profile.is_startup:
        profile.is_startup = True
        profile.save(update_fields=["is_startup", "updated_at"])
    return user, organisation


@transaction.atomic
def save_solution(form, references, profile: SupplierProfile) -> Solution:
    """Save a solution with its CPV codes and references, and bring it into matching."""
    solution = form.save(commit=False)
    solution.profile = profile
    solution.save()
    solution.cpv_codes.set(form.cleaned_data["cpv"])
    if references is not None:
        references.instance = solution
        references.save()
    sync_solution(solution)
    return solution


@transaction.atomic
def delete_solution(solution: Solution) -> None:
    remove_solution(solution)
    solution.delete()
