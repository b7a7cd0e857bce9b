"""Demo organisations and one demo person per role; every record is marked as demo.

The public bodies are real (names and organisation numbers from Enhetsregisteret and SCB); their
agencies and offices are shaped after Oslo kommune's. The suppliers and startups are made up, with
organisation numbers in the 999 series, which the register has not assigned.
"""

from django.utils import timezone

from skala.orgs.models import (
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationUnit,
    Role,
    User,
)
from skala.reference.models import Municipality

DEMO_PASSWORD = "skala-demo"

K = OrganisationKind
U = OrganisationUnit

# (name, kind, country, orgnr, municipality number, description)
ORGANISATIONS = [
    (
        "Oslo kommune",
        K.MUNICIPALITY,
        "NO",
        "958935420",
        "0301",
        "Norway's capital: some 50 procurement offices buy for about NOK 26 billion a year.",
    ),
    ("Stavanger kommune", K.MUNICIPALITY, "NO", "964965226", "1103", ""),
    ("Bærum kommune", K.MUNICIPALITY, "NO", "935478715", "3201", ""),
    ("Kristiansand kommune", K.MUNICIPALITY, "NO", "963296746", "4204", ""),
    ("Bergen kommune", K.MUNICIPALITY, "NO", "964338531", "4601", ""),
    (
        "Arbeids- og velferdsetaten (NAV)",
        K.STATE_AGENCY,
        "NO",
        "889640782",
        "0301",
        "The Norwegian Labour and Welfare Administration.",
    ),
    ("Stockholms stad", K.MUNICIPALITY, "SE", "212000-0142", "0180", ""),
    ("Göteborgs Stad", K.MUNICIPALITY, "SE", "212000-1355", "1480", ""),
    ("Malmö stad", K.MUNICIPALITY, "SE", "212000-1124", "1280", ""),
    (
        "Norges teknisk-naturvitenskapelige universitet (NTNU)",
        K.ACADEMIA,
        "NO",
        "974767880",
        "5001",
        "",
    ),
    (
        "KS – Kommunesektorens organisasjon",
        K.FACILITATOR,
        "NO",
        "971032146",
        "0301",
        "Runs innovation programmes with many municipalities.",
    ),
    ("Demo Frivilligsentral", K.CIVIL_SOCIETY, "NO", "", "4601", "A made-up volunteer centre."),
    (
        "Demo Velferdsteknologi AS",
        K.SUPPLIER,
        "NO",
        "999000010",
        "1103",
        "A made-up supplier of welfare technology.",
    ),
    (
        "Demo Sensorikk AS",
        K.SUPPLIER,
        "NO",
        "999000029",
        "5001",
        "A made-up startup making fall sensors for home care.",
    ),
    (
        "Demo Vårdteknik AB",
        K.SUPPLIER,
        "SE",
        "559999-0008",
        "1480",
        "A made-up Swedish supplier of digital care services.",
    ),
]

# (parent orgnr, name, unit, parent of parent: name of an agency when the office sits under one)
UNITS = [
    ("958935420", "Sykehjemsetaten", U.AGENCY, None),
    ("958935420", "Helseetaten", U.AGENCY, None),
    ("958935420", "Utviklings- og kompetanseetaten", U.AGENCY, None),
    ("958935420", "Bymiljøetaten", U.AGENCY, None),
    ("958935420", "Utdanningsetaten", U.AGENCY, None),
    ("958935420", "Innkjøpsseksjonen", U.PROCUREMENT_OFFICE, "Sykehjemsetaten"),
    ("958935420", "Anskaffelsesenheten", U.PROCUREMENT_OFFICE, "Utviklings- og kompetanseetaten"),
    ("958935420", "Innkjøp og logistikk", U.PROCUREMENT_OFFICE, "Bymiljøetaten"),
    ("964965226", "Helse og velferd", U.AGENCY, None),
    ("964965226", "Innkjøpsavdelingen", U.PROCUREMENT_OFFICE, None),
    ("889640782", "NAV Anskaffelser", U.PROCUREMENT_OFFICE, None),
]

# (e-mail, name, organisation: orgnr or "orgnr/unit name", role, facilitator, staff, what the login shows)
PEOPLE = [
    (
        "admin@skala.example",
        "Siri Stab",
        None,
        None,
        False,
        True,
        "staff: the administration pages",
    ),
    (
        "oslo.admin@skala.example",
        "Kari Nordmann",
        "958935420",
        Role.ADMIN,
        False,
        False,
        "buyer, administrator of Oslo kommune",
    ),
    (
        "oslo.editor@skala.example",
        "Ola Hansen",
        "958935420/Sykehjemsetaten",
        Role.EDITOR,
        False,
        False,
        "buyer, editor in Sykehjemsetaten (Oslo)",
    ),
    (
        "oslo.viewer@skala.example",
        "Ingrid Berg",
        "958935420",
        Role.VIEWER,
        False,
        False,
        "buyer, viewer in Oslo kommune",
    ),
    (
        "stavanger.editor@skala.example",
        "Lars Eide",
        "964965226",
        Role.EDITOR,
        False,
        False,
        "buyer, editor in Stavanger kommune",
    ),
    (
        "nav.editor@skala.example",
        "Nina Dahl",
        "889640782",
        Role.EDITOR,
        False,
        False,
        "buyer, editor in NAV",
    ),
    (
        "supplier@skala.example",
        "Per Leverandør",
        "999000010",
        Role.ADMIN,
        False,
        False,
        "supplier, administrator of Demo Velferdsteknologi AS",
    ),
    (
        "startup@skala.example",
        "Emma Gründer",
        "999000029",
        Role.ADMIN,
        False,
        False,
        "startup, administrator of Demo Sensorikk AS",
    ),
    (
        "facilitator@skala.example",
        "Frida Fasilitator",
        "971032146",
        Role.EDITOR,
        True,
        False,
        "site-wide facilitator, editor in KS",
    ),
]


def load(say) -> dict[str, int]:
    """Create or update the demo records; a second run changes nothing."""
    municipalities = {(m.country, m.number): m for m in Municipality.objects.all()}
    by_orgnr: dict[str, Organisation] = {}
    counts = {"organisations": 0, "units": 0, "people": 0, "memberships": 0}
    for name, kind, country, orgnr, municipality, description in ORGANISATIONS:
        values = {
            "name": name,
            "kind": kind,
            "unit": U.ORGANISATION,
            "municipality": municipalities.get((country, municipality)),
            "description": description,
            "is_demo": True,
        }
        if orgnr:
            organisation, _created = Organisation.objects.update_or_create(
                country=country, orgnr=orgnr, defaults=values
            )
            by_orgnr[orgnr] = organisation
        else:
            organisation, _created = Organisation.objects.update_or_create(
                country=country, name=name, parent=None, defaults=values
            )
        counts["organisations"] += 1

    units: dict[tuple[str, str], Organisation] = {}
    for top_orgnr, name, unit, under in UNITS:
        top = by_orgnr[top_orgnr]
        parent = units[(top_orgnr, under)] if under else top
        units[(top_orgnr, name)], _created = Organisation.objects.update_or_create(
            parent=parent,
            name=name,
            defaults={
                "kind": top.kind,
                "unit": unit,
                "country": top.country,
                "municipality": top.municipality,
                "is_demo": True,
            },
        )
        counts["units"] += 1

    for email, name, where, role, facilitator, staff, _shows in PEOPLE:
        user, _created = User.objects.update_or_create(
            email=email,
            defaults={
                "name": name,
                "is_facilitator": facilitator,
                "is_staff": staff,
                "is_superuser": staff,
            },
            # The demo's addresses are made up, and taken as confirmed, once.
            create_defaults={
                "name": name,
                "is_facilitator": facilitator,
                "is_staff": staff,
                "is_superuser": staff,
                "email_verified_at": timezone.now(),
            },
        )
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        counts["people"] += 1
        if where:
            orgnr, _, unit_name = where.partition("/")
            organisation = units[(orgnr, unit_name)] if unit_name else by_orgnr[orgnr]
            Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
            counts["memberships"] += 1
    say(", ".join(f"{what}: {count}" for what, count in counts.items()))
    return counts
