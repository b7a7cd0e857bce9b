"""The wall's refresh asks the database the same few queries however many tiles it shows."""

import datetime

import pytest

from skala.kpis.models import Connector, KeyFigure, Screen, Tile
from skala.kpis.series import store

pytestmark = pytest.mark.django_db


def wall_of(personas, tiles: int) -> Screen:
    screen = Screen.objects.create(owner=personas.oslo, name="Vegg", tiles_per_page=6, language="en")
    for number in range(tiles):
        made = KeyFigure.objects.create(
            owner=personas.oslo, name_nb=f"Tall {number}", unit="stk", period="month"
        )
        store(
            made,
            [(datetime.date(2024 + month // 12, month % 12 + 1, 1), 100 + month) for month in range(30)],
            "t",
        )
        Connector.objects.create(figure=made, kind="skala", config={"measure": "needs_published"})
        Tile.objects.create(screen=screen, figure=made, kind="comparison", order=number)
    return screen


def test_the_wall_refresh_asks_four_queries_for_any_number_of_tiles(
    client, personas, django_assert_num_queries
):
    for tiles in (1, 8):
        screen = wall_of(personas, tiles)
        with django_assert_num_queries(4):  # the screen, its tiles, their connectors, their newest values
            response = client.get(f"{screen.wall_url()}tiles/")
        assert response.status_code == 200


def test_the_wall_compares_with_a_year_earlier_from_the_prefetched_values(client, personas):
    screen = wall_of(personas, 1)
    # The newest value is 2026-06 (129) and a year earlier 2025-06 (117): +10 %.
    assert "+10 % from a year earlier" in client.get(f"{screen.wall_url()}tiles/").text
