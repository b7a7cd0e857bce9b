"""Demo key figures and a wall screen: Bergen's bicycle counts and Swedish cities' emissions (real
series, see data/SOURCES.md), Skala's own figures, and a demo core system pulled over HTTP."""

import csv
from pathlib import Path

from django.conf import settings

from skala.kpis.connectors import pull
from skala.kpis.models import Connector, KeyFigure, Screen, Tile
from skala.kpis.series import store
from skala.orgs.models import Organisation

DATA = Path(__file__).resolve().parent / "data"
OSLO, BERGEN = "958935420", "964338531"


def figure(owner, name_nb, name_en, unit, period, **extra) -> KeyFigure:
    made, _created = KeyFigure.objects.update_or_create(
        owner=owner,
        name_nb=name_nb,
        defaults={"name_en": name_en, "unit": unit, "period": period, "is_demo": True, **extra},
    )
    return made


def load(say) -> None:
    oslo = Organisation.objects.filter(orgnr=OSLO).first()
    bergen = Organisation.objects.filter(orgnr=BERGEN).first()
    if oslo is None or bergen is None:
        return
    cycling = figure(
        bergen,
        "Syklister på Fjøsangerveien (døgnsnitt)",
        "Cyclists at Fjøsangerveien (daily average)",
        "syklister",
        "month",
        target_value=1500,
    )
    with (DATA / "bergen_fjosangerveien_monthly.csv").open(encoding="utf-8") as handle:
        store(
            cycling,
            [
                (row["måned"], row["fjøsangerveien"])
                for row in csv.DictReader(handle)
                if row["fjøsangerveien"]
            ],
            source="demo",
        )
    emissions = {}
    with (DATA / "sweden_emissions_three_cities.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            emissions.setdefault(row["kommun"], []).append((f"{row['year']}-01-01", row["emissions_t_co2e"]))
    emission_figures = []
    for city, points in emissions.items():
        made = figure(
            oslo, f"Utslipp i {city}", f"Emissions in {city}", "tonn CO2e", "year", direction="lower"
        )
        store(made, points, source="demo")
        emission_figures.append(made)
    places = figure(
        oslo,
        "Barnehageplasser (kjernesystem)",
        "Kindergarten places (core system)",
        "plasser",
        "month",
        target_value=12500,
    )
    Connector.objects.get_or_create(
        figure=places,
        kind="http_json",
        defaults={
            "config": {
                "url": f"{settings.SITE_URL}/nb/kpis/demo-core-system/places.json",
                "selector": "places",
            },
            "every_minutes": 5,
        },
    )
    if not places.values.exists():
        # The demo core system is served by Skala itself; until the server runs, seed what it would answer.
        store(places, [(f"2026-{month:02d}", 12000 + month * 35) for month in range(1, 12)], source="demo")
    needs = figure(oslo, "Behov publisert i Skala", "Needs published in Skala", "behov", "month")
    own, _created = Connector.objects.get_or_create(
        figure=needs, kind="skala", defaults={"config": {"measure": "needs_published"}}
    )
    pull(own, pause=0)
    screen, created = Screen.objects.get_or_create(
        owner=oslo,
        name="Demo: byrådens vegg",
        defaults={"rotate_seconds": 12, "refresh_seconds": 30, "tiles_per_page": 6, "is_demo": True},
    )
    if created:
        for order, (made, kind) in enumerate(
            [
                (places, "trend"),
                (needs, "sparkline"),
                (cycling, "comparison"),
                *[(m, "sparkline") for m in emission_figures],
            ]
        ):
            Tile.objects.create(screen=screen, figure=made, kind=kind, order=order)
    say(
        f"Demo key figures: {KeyFigure.objects.filter(is_demo=True).count()} figures, "
        f"wall screen at {screen.wall_url()}"
    )
