"""Helpers that build test data by name, and the personas every permission test uses."""

from dataclasses import dataclass

from django.utils import timezone

from skala.orgs.models import Membership, Organisation, OrganisationKind, OrganisationUnit, Role, User
from skala.reference.models import Municipality

PASSWORD = "a-long-test-password-1"


def make_user(email: str, *, name: str = "", facilitator: bool = False, staff: bool = False) -> User:
    """A person who can log in with PASSWORD."""
    return User.objects.create_user(
        email,
        PASSWORD,
        name=name,
        is_facilitator=facilitator,
        is_staff=staff,
        is_superuser=staff,
        email_verified_at=timezone.now(),
    )


def make_organisation(
    name: str,
    kind: str = OrganisationKind.MUNICIPALITY,
    *,
    parent: Organisation | None = None,
    unit: str = OrganisationUnit.ORGANISATION,
    country: str = "NO",
    orgnr: str = "",
    municipality: str | None = None,
) -> Organisation:
    """An organisation, or a unit of one when a parent is given."""
    return Organisation.objects.create(
        name=name,
        kind=kind,
        parent=parent,
        unit=unit if parent is None or unit != OrganisationUnit.ORGANISATION else OrganisationUnit.AGENCY,
        country=country,
        orgnr=orgnr,
        municipality=Municipality.objects.filter(country=country, number=municipality).first()
        if municipality
        else None,
    )


def add_member(user: User, organisation: Organisation, role: str = Role.VIEWER) -> Membership:
    return Membership.objects.create(user=user, organisation=organisation, role=role)


@dataclass
class Personas:
    """The people of every permission test, and the organisations they belong to.

    - owner: administrator of Oslo kommune (the buyer who owns the data)
    - editor: editor in Oslo kommune's Sykehjemsetaten
    - colleague: viewer in Oslo kommune (may look, not change)
    - other_buyer: editor in Stavanger kommune (must be refused on Oslo's data)
    - supplier: administrator of a supplier; startup: administrator of a startup
    - facilitator: site-wide facilitator; staff: site staff
    """

    oslo: Organisation
    sykehjemsetaten: Organisation
    stavanger: Organisation
    supplier_org: Organisation
    startup_org: Organisation
    owner: User
    editor: User
    colleague: User
    other_buyer: User
    supplier: User
    startup: User
    facilitator: User
    staff: User


def make_personas() -> Personas:
    """Build the personas and their organisations."""
    oslo = make_organisation("Oslo kommune", orgnr="958935420", municipality="0301")
    sykehjemsetaten = make_organisation("Sykehjemsetaten", parent=oslo, unit=OrganisationUnit.AGENCY)
    stavanger = make_organisation("Stavanger kommune", orgnr="964965226", municipality="1103")
    supplier_org = make_organisation("Test Leverandør AS", OrganisationKind.SUPPLIER, orgnr="999000010")
    startup_org = make_organisation("Test Startup AS", OrganisationKind.SUPPLIER, orgnr="999000029")
    people = {
        "owner": (oslo, Role.ADMIN),
        "editor": (sykehjemsetaten, Role.EDITOR),
        "colleague": (oslo, Role.VIEWER),
        "other_buyer": (stavanger, Role.EDITOR),
        "supplier": (supplier_org, Role.ADMIN),
        "startup": (startup_org, Role.ADMIN),
    }
    users = {}
    for persona, (organisation, role) in people.items():
        users[persona] = make_user(f"{persona}@test.example", name=persona.replace("_", " ").title())
        add_member(users[persona], organisation, role)
    users["facilitator"] = make_user("facilitator@test.example", facilitator=True)
    users["staff"] = make_user("staff@test.example", staff=True)
    return Personas(
        oslo=oslo,
        sykehjemsetaten=sykehjemsetaten,
        stavanger=stavanger,
        supplier_org=supplier_org,
        startup_org=startup_org,
        **users,
    )
