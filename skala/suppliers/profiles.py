"""Supplier profiles: signing up, keeping the profile and its solutions, and register facts."""

from django.db import transaction

from skala.orgs.models import Membership, Organisation, OrganisationKind, Role, User
from skala.suppliers.matching import remove_solution, sync_solution
from skala.suppliers.models import Solution, SupplierProfile


def profile_for(organisation: Organisation) -> SupplierProfile:
    """The supplier's profile, made empty on first use."""
    profile, _created = SupplierProfile.objects.get_or_create(organisation=organisation)
    return profile


@transaction.atomic
def register_supplier(
    *, name: str, email: str, password: str, company: str, orgnr: str, municipality=None, is_startup=False
) -> tuple[User, Organisation]:
    """A person and their company join Skala; the person administers the company's profile.

    An organisation already in Skala without members (a register record, a demo supplier) is taken
    over rather than duplicated.
    """
    organisation, _created = Organisation.objects.get_or_create(
        country="NO",
        orgnr=orgnr,
        defaults={"name": company, "kind": OrganisationKind.SUPPLIER, "municipality": municipality},
    )
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
