"""A demo programme: KS runs an innovation programme with Stavanger, Bergen and Bærum; projects walk
through their gates, some stop with lessons, one scales and is adopted. Marked as demo; idempotent."""

import datetime

from skala.orgs.models import Organisation
from skala.portfolio import gates
from skala.portfolio.models import Adoption, Benefit, Decision, Programme, Project, Stage

KS, STAVANGER, BERGEN, BAERUM, OSLO = "971032146", "964965226", "964338531", "935478715", "958935420"
START = datetime.date(2025, 1, 6)

# (title, owner, budget, decisions: (decision, to stage, days after start, reason), lessons)
PROJECTS = [
    (
        "Demo: digitalt nattilsyn",
        STAVANGER,
        4_000_000,
        [("go", None, 60), ("go", None, 150), ("go", None, 400), ("go", None, 600)],
        "",
    ),
    ("Demo: hverdagsrehabilitering med app", BAERUM, 1_500_000, [("go", None, 90), ("go", None, 200)], ""),
    (
        "Demo: matsvinn i sykehjem",
        BERGEN,
        600_000,
        [("go", None, 45), ("stop", None, 220)],
        "Brukerne ønsket ikke flere skjermer; behovet var opplæring, ikke teknologi.",
    ),
    (
        "Demo: selvbetjent byggesak",
        STAVANGER,
        900_000,
        [("go", None, 30), ("go", None, 120), ("stop", None, 420)],
        "Integrasjonen mot arkivet var dyrere enn gevinsten; ny test når arkivet er byttet.",
    ),
    (
        "Demo: smarte søppelkasser",
        BERGEN,
        2_000_000,
        [("go", None, 60), ("go", None, 180), ("go", None, 420)],
        "",
    ),
    ("Demo: digital skoleskyss", BAERUM, 700_000, [("go", None, 100)], ""),
    ("Demo: ensomhet blant eldre", STAVANGER, 300_000, [], ""),
    ("Demo: sensorer i kommunale bygg", BERGEN, 1_200_000, [("go", None, 40), ("rework", None, 160)], ""),
]


def load(say) -> None:
    organisations = {
        o.orgnr: o for o in Organisation.objects.filter(orgnr__in=[KS, STAVANGER, BERGEN, BAERUM, OSLO])
    }
    if KS not in organisations:
        return
    programme, created = Programme.objects.get_or_create(
        name="Demo: Innovasjonsløft Vest 2025–2027",
        defaults={
            "facilitator": organisations[KS],
            "starts_on": START,
            "ends_on": START.replace(year=START.year + 3),
            "portfolio_built_by": START + datetime.timedelta(days=182),
            "description": "Tre kommuner bygger en felles portefølje de første seks månedene "
            "og driver den i tre år.",
            "is_demo": True,
        },
    )
    programme.members.set(
        [organisations[code] for code in (STAVANGER, BERGEN, BAERUM) if code in organisations]
    )
    if not created:
        say("Demo portfolio: already loaded")
        return
    for title, owner, budget, decisions, lessons in PROJECTS:
        project = Project.objects.create(
            title=title, programme=programme, stage=Stage.IDEA, stage_since=START, budget=budget, is_demo=True
        )
        project.owners.set([organisations[owner]])
        for (
            decision,
            to_stage,
            days,
        ) in decisions:
            gates.decide(
                project,
                decision,
                reason="Demo: vurdert i porteføljemøtet",
                to_stage=to_stage,
                lessons=lessons if decision == Decision.STOP else "",
                day=START + datetime.timedelta(days=days),
            )
        if title == "Demo: digitalt nattilsyn":
            Benefit.objects.create(
                project=project, description="Færre nattbesøk", unit="hours", expected=6000, realised=4800
            )
            Benefit.objects.create(
                project=project,
                description="Sparte kroner",
                unit="nok",
                expected=3_000_000,
                realised=2_100_000,
            )
            # Both adoptions lie before the day the demo was written (2026-12-01).
            for orgnr, days in [(BERGEN, 640), (OSLO, 665)]:
                if orgnr in organisations:
                    Adoption.objects.get_or_create(
                        project=project,
                        organisation=organisations[orgnr],
                        defaults={"adopted_on": START + datetime.timedelta(days=days), "note": "Demo"},
                    )
    say(f"Demo portfolio: 1 programme, {len(PROJECTS)} projects")
