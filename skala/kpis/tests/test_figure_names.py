"""A key figure's name in Swedish or English where it has one, and in Norwegian only where it has none:
on the wall (in the language its link names), on the figure pages and in the API."""

import datetime

import pytest

from skala.kpis.forms import ScreenForm
from skala.kpis.models import KeyFigure, Screen, Tile
from skala.kpis.series import store
from skala.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def cyclists(personas, name_sv="Cyklister in till stan", name_en="") -> KeyFigure:
    made = KeyFigure.objects.create(
        owner=personas.oslo,
        name_nb="Syklister inn til byen",
        name_sv=name_sv,
        name_en=name_en,
        unit="syklister",
        period="month",
    )
    store(made, [(datetime.date.today().replace(day=1), 1200)], source="test")
    return made


def wall_for(personas, made, language: str) -> Screen:
    screen = Screen.objects.create(owner=personas.oslo, name="Väggen", language=language)
    Tile.objects.create(screen=screen, figure=made, kind="figure")
    return screen


def in_language(path: str, language: str) -> str:
    """The same address under another language prefix (/nb/..., /sv/..., /en/...)."""
    return f"/{language}/{path.split('/', 2)[2]}"


def test_the_name_falls_back_to_norwegian_only_where_the_language_has_none(personas):
    made = cyclists(personas)
    assert made.name("sv") == "Cyklister in till stan"
    assert made.name("en") == "Syklister inn til byen"
    assert made.name("nb") == "Syklister inn til byen"


def test_a_screens_link_is_made_in_its_language_and_the_wall_names_figures_in_it(client, personas):
    made = cyclists(personas)
    screen = wall_for(personas, made, "sv")
    assert screen.wall_url().startswith("/sv/kpis/wall/")
    page = client.get(screen.wall_url()).text
    assert "<h2>Cyklister in till stan</h2>" in page
    assert '<html lang="sv">' in page
    tiles = client.get(f"{screen.wall_url()}tiles/").text
    assert "<h2>Cyklister in till stan</h2>" in tiles


def test_the_wall_follows_the_language_of_its_link_with_norwegian_where_a_name_is_empty(client, personas):
    made = cyclists(personas)  # Swedish and Norwegian names, no English one
    screen = wall_for(personas, made, "sv")
    english = client.get(in_language(screen.wall_url(), "en")).text
    assert "<h2>Syklister inn til byen</h2>" in english
    assert '<html lang="en">' in english
    refreshed = client.get(in_language(f"{screen.wall_url()}tiles/", "en")).text
    assert "<h2>Syklister inn til byen</h2>" in refreshed
    norwegian = client.get(in_language(screen.wall_url(), "nb")).text
    assert "<h2>Syklister inn til byen</h2>" in norwegian


def test_the_figure_pages_name_the_figure_in_the_requests_language(client, personas):
    made = cyclists(personas, name_sv="", name_en="Cyclists into the city")
    client.force_login(personas.owner)
    assert "Cyclists into the city" in client.get(f"/en{made.get_absolute_url()[3:]}").text
    assert "Cyclists into the city" in client.get("/en/kpis/").text
    swedish = client.get("/sv/kpis/").text  # no Swedish name: the Norwegian one
    assert "Syklister inn til byen" in swedish
    assert "Cyclists into the city" not in swedish


def test_the_api_names_the_figure_in_the_language_asked_for(client, personas):
    made = cyclists(personas)
    client.force_login(personas.owner)
    rows = client.get("/api/v1/kpis", HTTP_ACCEPT_LANGUAGE="sv").json()
    assert {"id": made.pk, "name": "Cyklister in till stan"}.items() <= next(
        row for row in rows if row["id"] == made.pk
    ).items()
    rows = client.get("/api/v1/kpis", HTTP_ACCEPT_LANGUAGE="en").json()
    assert next(row for row in rows if row["id"] == made.pk)["name"] == "Syklister inn til byen"


def test_a_screen_speaks_only_a_language_skala_has(personas):
    owners = Organisation.objects.filter(pk=personas.oslo.pk)
    fields = {"owner": personas.oslo.pk, "name": "Vegg", "rotate_seconds": 15, "refresh_seconds": 60}
    assert ScreenForm({**fields, "tiles_per_page": 6, "language": "sv"}, owners=owners).is_valid()
    refused = ScreenForm({**fields, "tiles_per_page": 6, "language": "de"}, owners=owners)
    assert not refused.is_valid()
    assert "language" in refused.errors
