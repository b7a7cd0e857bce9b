"""Wall screens: 50 screens of 12 tiles refreshing (the tiles fragment each screen swaps in place)."""

import datetime
import random
import statistics
import time

from django.test import Client

from skala.kpis.models import KeyFigure, Screen, Tile, Value
from skala.orgs.models import Organisation, OrganisationKind

SCREENS, TILES, REQUESTS = 50, 12, 600


def make_screens() -> list[Screen]:
    owner = Organisation.objects.create(name="Bench kommune", kind=OrganisationKind.MUNICIPALITY)
    figures = KeyFigure.objects.bulk_create(
        KeyFigure(owner=owner, name_nb=f"Nøkkeltall {n}", unit="stk", period="month", target_value=100)
        for n in range(60)
    )
    start = datetime.date(2024, 1, 1)
    Value.objects.bulk_create(
        Value(
            figure=figure,
            period_start=start.replace(year=2024 + month // 12, month=month % 12 + 1),
            value=random.randint(50, 150),
            source="bench",
        )
        for figure in figures
        for month in range(24)
    )
    screens = Screen.objects.bulk_create(
        Screen(owner=owner, name=f"Skjerm {n}", tiles_per_page=6) for n in range(SCREENS)
    )
    Tile.objects.bulk_create(
        Tile(
            screen=screen,
            figure=figures[(index * 7 + tile) % len(figures)],
            kind=("sparkline", "trend", "comparison")[tile % 3],
            order=tile,
        )
        for index, screen in enumerate(screens)
        for tile in range(TILES)
    )
    return screens


def run() -> dict[str, tuple[float, str]]:
    screens = make_screens()
    client = Client()
    samples = []
    for number in range(REQUESTS):
        screen = screens[number % len(screens)]
        started = time.perf_counter()
        response = client.get(f"/nb/kpis/wall/{screen.token}/tiles/")
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    samples.sort()
    return {
        "wall_refresh_12_tiles_p50": (statistics.median(samples), "ms"),
        "wall_refresh_12_tiles_p95": (samples[int(len(samples) * 0.95)], "ms"),
    }
