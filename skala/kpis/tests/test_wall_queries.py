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


def weekly_wall_of(personas, tiles: int) -> Screen:
    """Weekly figures with 60 weeks of values: a year earlier lies beyond the 24 newest."""
    screen = Screen.objects.create(owner=personas.oslo, name="Ukevegg", tiles_per_page=6, language="en")
    newest = datetime.date(2026, 6, 1)  # a Monday
    for number in range(tiles):
        made = KeyFigure.objects.create(
            owner=personas.oslo, name_nb=f"Uketall {number}", unit="stk", period="week"
        )
        store(
            made,
            [(newest - datetime.timedelta(weeks=week), 200 - week) for week in range(60)],
            "t",
        )
        Tile.objects.create(screen=screen, figure=made, kind="comparison", order=number)
    return screen


def test_a_wall_of_weekly_figures_reads_the_year_earlier_values_in_one_query(
    client, personas, django_assert_num_queries
):
    for tiles in (1, 8):
        screen = weekly_wall_of(personas, tiles)
        with django_assert_num_queries(5):  # the four above, and the values a year earlier for all tiles
            response = client.get(f"{screen.wall_url()}tiles/")
        # The week of 2026-06-01 (200) against the week 52 weeks earlier, 2025-06-02 (148): +35 %.
        assert response.text.count("+35 % from a year earlier") == tiles


def test_a_daily_figure_on_29_february_compares_with_the_28th(client, personas):
    screen = Screen.objects.create(owner=personas.oslo, name="Dagsvegg", language="en")
    made = KeyFigure.objects.create(owner=personas.oslo, name_nb="Besøk", unit="stk", period="day")
    store(made, [(datetime.date(2027, 2, 28), 100), (datetime.date(2028, 2, 29), 150)], "t")
    Tile.objects.create(screen=screen, figure=made, kind="comparison")
    response = client.get(f"{screen.wall_url()}tiles/")
    assert response.status_code == 200
    assert "+50 % from a year earlier" in response.text
