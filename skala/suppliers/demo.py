"""Demo supplier profiles and solutions, made up and marked as demo, so matching, alliances and the
fast track have something to show. Two extra made-up suppliers complement the orgs app's three."""

from skala.orgs.identifiers import norwegian_check_digit
from skala.orgs.models import Organisation, OrganisationKind, User
from skala.reference.models import County, CpvCode, Municipality
from skala.suppliers.matching import sync_solution
from skala.suppliers.models import (
    Contact,
    CustomerReference,
    Maturity,
    Solution,
    Subscription,
    SupplierProfile,
)


def demo_orgnr(first_eight: str) -> str:
    """A made-up organisation number with a valid check digit, from the first eight digits on."""
    number = int(first_eight)
    while norwegian_check_digit(str(number)) is None:
        number += 1
    return f"{number}{norwegian_check_digit(str(number))}"


EXTRA_SUPPLIERS = [
    (demo_orgnr("99900004"), "Demo Responssenter AS", "0301", "A made-up alarm response centre."),
    (demo_orgnr("99900005"), "Demo Journalintegrasjon AS", "5001", "A made-up integrator of health records."),
]

# (orgnr or name, summary, whole country, counties (numbers), languages, employees, founded, startup,
#  open to partnering, solutions: (title, description, CPV codes, maturity, references))
PROFILES = [
    (
        "999000010",
        "Velferdsteknologi for hjemmetjenesten: trygghetsalarmer, digitalt tilsyn og medisindispensere.",
        True,
        [],
        ["nb", "sv", "en"],
        85,
        2009,
        False,
        True,
        [
            (
                "Digitalt tilsyn med bevegelsessensorer",
                "Sensorer i hjemmet som varsler hjemmetjenesten ved uro, fall eller når brukeren ikke er i "
                "seng om natten, slik at fysiske nattilsyn kan erstattes av digitalt tilsyn.",
                ["33196200", "85310000"],
                Maturity.IN_USE,
                [("Demo: Bærum kommune", 2022, "Digitalt nattilsyn for 120 brukere")],
            ),
            (
                "Trygghetsalarm med mobil enhet",
                "Trygghetsalarmer for hjemmeboende eldre, også utendørs, koblet til responssenter.",
                ["35121700", "79711000"],
                Maturity.IN_USE,
                [],
            ),
        ],
    ),
    (
        "999000029",
        "Vi lager fallsensorer som ikke krever kamera, for hjemmeboende med demens.",
        False,
        ["46", "11"],
        ["nb", "en"],
        6,
        2023,
        True,
        True,
        [
            (
                "Fallsensor uten kamera",
                "Radarbasert fallsensor som oppdager fall og uro om natten uten kamera, og som sender "
                "varsel til hjemmetjenesten. Passer personer med demens som bor hjemme.",
                ["33196200"],
                Maturity.PROTOTYPE,
                [],
            ),
        ],
    ),
    (
        "559999-0008",
        "Digitala tjänster för hemtjänst och äldreomsorg i Sverige och Norge.",
        True,
        [],
        ["sv", "nb", "en"],
        40,
        2015,
        False,
        False,
        [
            (
                "Digital nattillsyn med kamera",
                "Kameratillsyn på natten i hemtjänsten med samtycke, som ersätter störande tillsynsbesök.",
                ["85310000", "32323500"],
                Maturity.PILOTED,
                [("Demo: Göteborgs Stad", 2023, "Pilot i två hemtjänstområden")],
            ),
        ],
    ),
    (
        EXTRA_SUPPLIERS[0][0],
        "Responssenter døgnet rundt for trygghetsalarmer og digitalt tilsyn.",
        True,
        [],
        ["nb"],
        30,
        2012,
        False,
        True,
        [
            (
                "Responssenter for trygghetsalarmer",
                "Mottak av alarmer og varsler fra sensorer hele døgnet, med utrykning og oppfølging av "
                "hjemmeboende eldre sammen med hjemmetjenesten.",
                ["79711000", "85312000"],
                Maturity.IN_USE,
                [("Demo: Stavanger kommune", 2021, "Responssenter for 3 000 alarmer")],
            ),
        ],
    ),
    (
        EXTRA_SUPPLIERS[1][0],
        "Integrasjon mellom velferdsteknologi og elektronisk pasientjournal.",
        True,
        [],
        ["nb", "en"],
        12,
        2019,
        True,
        True,
        [
            (
                "Varsler fra sensorer rett i pasientjournalen",
                "Integrasjon som fører varsler og hendelser fra sensorer og tilsyn inn i journalsystemet i "
                "hjemmetjenesten, så ansatte ser dem i arbeidslisten om natten.",
                ["72000000", "48180000"],
                Maturity.PILOTED,
                [],
            ),
        ],
    ),
]


def load(say) -> None:
    """Create or update the demo supplier profiles, solutions and one subscription."""
    for orgnr, name, municipality, description in EXTRA_SUPPLIERS:
        Organisation.objects.update_or_create(
            country="NO",
            orgnr=orgnr,
            defaults={
                "name": name,
                "kind": OrganisationKind.SUPPLIER,
                "municipality": Municipality.objects.filter(country="NO", number=municipality).first(),
                "description": description,
                "is_demo": True,
            },
        )
    count = 0
    for (
        orgnr,
        summary,
        whole,
        counties,
        languages,
        employees,
        founded,
        startup,
        partnering,
        solutions,
    ) in PROFILES:
        organisation = Organisation.objects.filter(orgnr=orgnr).first()
        if organisation is None:
            continue
        profile, _created = SupplierProfile.objects.update_or_create(
            organisation=organisation,
            defaults={
                "summary": summary,
                "whole_country": whole,
                "languages": languages,
                "employees": employees,
                "founded": founded,
                "is_startup": startup,
                "open_to_partnering": partnering,
            },
        )
        profile.regions.set(County.objects.filter(country="NO", number__in=counties))
        if not profile.contacts.exists():
            Contact.objects.create(
                profile=profile, name="Demo Kontakt", role="Salg", email="kontakt@skala.example"
            )
        for title, description, codes, maturity, references in solutions:
            solution, _created = Solution.objects.update_or_create(
                profile=profile, title=title, defaults={"description": description, "maturity": maturity}
            )
            solution.cpv_codes.set(CpvCode.objects.filter(code8__in=codes))
            for customer, year, what in references:
                CustomerReference.objects.update_or_create(
                    solution=solution, customer_name=customer, defaults={"year": year, "description": what}
                )
            sync_solution(solution)
            count += 1
    startup_user = User.objects.filter(email="startup@skala.example").first()
    startup = Organisation.objects.filter(orgnr="999000029").first()
    if startup_user and startup:
        Subscription.objects.update_or_create(
            organisation=startup,
            user=startup_user,
            name="Demo: tilsyn og sensorer",
            defaults={"keywords": "tilsyn, sensor, fall", "cpv_prefixes": ["3319", "8531"]},
        )
    say(f"Demo supplier solutions: {count}")
