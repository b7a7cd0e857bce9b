"""Key figures: series that update rather than duplicate, connectors over real HTTP and SQL that fail
safely and recover, encrypted credentials, the wall screen behind a revocable link, and the API."""

import datetime
import json
import sqlite3
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from skala.kpis.connectors import pull
from skala.kpis.credentials import decrypt
from skala.kpis.forms import ConnectorForm
from skala.kpis.models import Connector, KeyFigure, Screen, Tile
from skala.kpis.series import FigureValueError, store
from skala.orgs.models import ApiToken

pytestmark = pytest.mark.django_db


def figure(personas, **fields) -> KeyFigure:
    values = {
        "owner": personas.oslo,
        "name_nb": "Syklister inn til byen",
        "unit": "syklister",
        "period": "month",
    }
    values.update(fields)
    return KeyFigure.objects.create(**values)


class CoreSystem(BaseHTTPRequestHandler):
    """A core system on loopback whose answers a test sets."""

    status = 200
    body = b"{}"
    content_type = "application/json"
    location = ""

    def do_GET(self):
        self.send_response(type(self).status)
        self.send_header("Content-Type", type(self).content_type)
        if type(self).location:
            self.send_header("Location", type(self).location)
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args):
        pass


@pytest.fixture
def core_system(settings):
    """A core system on the organisation's own network, which the operator lets connectors reach."""
    settings.SKALA_CONNECTOR_NETWORKS = ["127.0.0.1"]
    handler = type("Handler", (CoreSystem,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/values"
    server.shutdown()
    server.server_close()


def test_a_re_pull_of_a_period_updates_and_never_duplicates(personas):
    made = figure(personas)
    store(made, [("2026-03", "1 200"), ("2026-04-15", "1300,5")], source="test")
    report = store(made, [("2026-03-01", 1250), ("2026-04", "1300.5")], source="test")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert [(v.period_start, v.value) for v in made.values.order_by("period_start")] == [
        (datetime.date(2026, 3, 1), Decimal("1250")),
        (datetime.date(2026, 4, 1), Decimal("1300.5")),
    ]


def test_a_value_in_the_wrong_unit_or_out_of_range_is_refused(personas):
    made = figure(personas, minimum=0, maximum=100_000)
    with pytest.raises(FigureValueError, match="measured in syklister"):
        store(made, [("2026-03", 5)], source="test", unit="biler")
    with pytest.raises(FigureValueError, match=r"above the highest allowed value, 100000\."):
        store(made, [("2026-03", 200_000)], source="test")
    made.refresh_from_db()  # the limits as the column keeps them: 100000.0000
    with pytest.raises(
        FigureValueError, match=r"^2026-03: 200000\.5 is above the highest allowed value, 100000\.$"
    ):
        store(made, [("2026-03", "200000.5")], source="test")
    assert not made.values.exists()


def test_an_http_json_connector_pulls_fails_safely_and_recovers(personas, core_system):
    handler, url = core_system
    made = figure(personas)
    connector = Connector.objects.create(
        figure=made,
        kind="http_json",
        config={"url": url, "selector": "data.rows", "period_field": "month", "value_field": "count"},
        retries=1,
        timeout_seconds=2,
    )
    handler.body = json.dumps(
        {"data": {"rows": [{"month": "2026-01", "count": 900}, {"month": "2026-02", "count": 950}]}}
    ).encode()
    assert pull(connector, pause=0) == 2
    first_success = connector.last_success_at
    handler.status, handler.body = 500, b"down"
    assert pull(connector, pause=0) == 0
    connector.refresh_from_db()
    assert "HTTP 500" in connector.last_error
    assert connector.failing
    assert connector.last_success_at == first_success
    assert made.values.count() == 2  # a failed pull never deletes
    handler.status, handler.body = 200, b"not json"
    pull(connector, pause=0)
    assert "not JSON" in connector.last_error
    handler.body = json.dumps({"data": {"rows": [{"month": "2026-03", "count": 1000}]}}).encode()
    pull(connector, pause=0)
    assert not connector.failing
    assert made.values.count() == 3


def test_an_http_csv_connector_maps_its_columns(personas, core_system):
    handler, url = core_system
    handler.content_type, handler.body = "text/csv", "måned;antall\n2026-01;10\n2026-02;12\n".encode()
    made = figure(personas)
    connector = Connector.objects.create(
        figure=made, kind="http_csv", config={"url": url, "date_column": "måned", "value_column": "antall"}
    )
    assert pull(connector, pause=0) == 2


@pytest.fixture
def drop_folder(settings, tmp_path, personas):
    """Oslo kommune's own folder below the folder the operator lets connectors read."""
    from skala.kpis.reach import folder_key

    settings.SKALA_CONNECTOR_FOLDERS = [str(tmp_path)]
    own = tmp_path / folder_key(personas.oslo)
    own.mkdir()
    return own


def test_an_sql_connector_reads_through_a_read_only_connection(personas, drop_folder):
    tmp_path = drop_folder
    path = tmp_path / "core.sqlite3"
    with sqlite3.connect(path) as database:
        database.execute("create table places (month text, places integer)")
        database.executemany("insert into places values (?, ?)", [("2026-01", 100), ("2026-02", 110)])
    made = figure(personas, name_nb="Barnehageplasser", unit="plasser")
    form = ConnectorForm(
        {
            "kind": "sql",
            "every_minutes": 60,
            "timeout_seconds": 5,
            "retries": 0,
            "config_text": json.dumps({"query": "select month, places from places"}),
            "credentials": f"sqlite:///{path}",
        }
    )
    assert form.is_valid(), form.errors
    connector = form.save(commit=False)
    connector.figure = made
    connector.save()
    assert str(path) not in connector.secret  # stored encrypted
    assert decrypt(connector.secret) == f"sqlite:///{path}"
    assert pull(connector, pause=0) == 2
    connector.config = {"query": "insert into places values ('2026-03', 1)"}
    pull(connector, pause=0)
    assert "not authorized" in connector.last_error  # a query only reads (and the connection is read-only)
    assert made.values.count() == 2


def test_a_folder_connector_reads_dropped_files(personas, drop_folder):
    tmp_path = drop_folder
    (tmp_path / "a.csv").write_text("date,value\n2026-01-01,5\n")
    made = figure(personas)
    connector = Connector.objects.create(figure=made, kind="folder_csv", config={"folder": str(tmp_path)})
    assert pull(connector, pause=0) == 1


def test_skalas_own_figures(personas):
    from skala.needs.models import Need

    Need.objects.create(organisation=personas.oslo, title="A", problem="x", status="published").publish()
    need = Need.objects.create(organisation=personas.oslo, title="B", problem="y")
    need.publish()
    made = figure(personas, name_nb="Behov publisert", unit="behov")
    connector = Connector.objects.create(figure=made, kind="skala", config={"measure": "needs_published"})
    pull(connector, pause=0)
    assert made.values.get().value >= 1


def screen_with_tiles(personas, made) -> Screen:
    screen = Screen.objects.create(
        owner=personas.oslo, name="Byrådens vegg", rotate_seconds=10, refresh_seconds=10, tiles_per_page=1
    )
    Tile.objects.create(screen=screen, figure=made, kind="sparkline", order=1)
    Tile.objects.create(screen=screen, figure=made, kind="comparison", order=2)
    return screen


def test_the_wall_is_read_through_its_secret_link_and_a_revoked_link_is_404_at_once(client, personas):
    made = figure(personas)
    store(made, [(datetime.date.today().replace(day=1), 1000)], source="test")
    screen = screen_with_tiles(personas, made)
    response = client.get(screen.wall_url())
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers  # embeddable
    assert response.text.count('class="wall-page') == 2  # two pages of one tile, rotated by wall.js
    assert "Syklister inn til byen: 1" in response.text  # the text alternative
    assert client.get(f"{screen.wall_url()}tiles/").status_code == 200
    client.force_login(personas.owner)
    client.post(screen.get_absolute_url(), {"action": "revoke"})
    client.logout()
    assert client.get(screen.wall_url()).status_code == 404
    assert client.get(f"{screen.wall_url()}tiles/").status_code == 404


def test_the_wall_marks_stale_values_and_a_source_that_is_down(client, personas):
    made = figure(personas)
    store(made, [("2020-01", 5)], source="test")
    Connector.objects.create(
        figure=made, kind="http_json", config={"url": "http://127.0.0.1:9/x"}, last_error="down"
    )
    screen = screen_with_tiles(personas, made)
    page = client.get(screen.wall_url()).text
    assert "tile stale failing" in page


def test_only_the_owners_members_read_a_figure(client, personas):
    made = figure(personas)
    client.force_login(personas.other_buyer)
    assert client.get(made.get_absolute_url()).status_code == 403
    client.force_login(personas.colleague)
    assert client.get(made.get_absolute_url()).status_code == 200
    assert (
        client.post(f"{made.get_absolute_url()}values/", {"period": "2026-01", "value": "1"}).status_code
        == 403
    )


def test_a_wall_screen_takes_only_figures_its_editor_may_change(client, personas):
    """The wall is public: a viewer of Oslo must not put Oslo's figure on Stavanger's wall."""
    from skala.orgs.models import Role
    from skala.testing import add_member

    oslo_figure = figure(personas)
    store(oslo_figure, [("2026-01", 42)], source="test")
    add_member(personas.other_buyer, personas.oslo, Role.VIEWER)  # editor in Stavanger, viewer in Oslo
    screen = Screen.objects.create(owner=personas.stavanger, name="Stavangers vegg")
    own = figure(personas, owner=personas.stavanger, name_nb="Stavangers tall")
    client.force_login(personas.other_buyer)
    response = client.post(
        screen.get_absolute_url(), {"figure": oslo_figure.pk, "kind": "figure", "order": 1}
    )
    assert not screen.tiles.exists()
    assert "Syklister inn til byen" not in client.get(screen.get_absolute_url()).text
    client.post(screen.get_absolute_url(), {"figure": own.pk, "kind": "figure", "order": 1})
    assert [tile.figure for tile in screen.tiles.all()] == [own]
    assert response.status_code == 400  # the screen again, the choice refused at its field


def test_manual_entry_and_csv_upload(client, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    made = figure(personas)
    client.force_login(personas.owner)
    client.post(f"{made.get_absolute_url()}values/", {"period": "2026-01", "value": "1 200"})
    upload = SimpleUploadedFile(
        "values.csv", b"date,value\n2026-02,1300\n2026-03,1400\n", content_type="text/csv"
    )
    client.post(
        f"{made.get_absolute_url()}values/", {"file": upload, "date_column": "date", "value_column": "value"}
    )
    assert made.values.count() == 3
    response = client.post(
        f"{made.get_absolute_url()}values/",
        {"period": "2026-04", "value": "5", "unit": "kroner"},
        follow=True,
    )
    assert made.values.count() == 3
    assert "syklister" in response.text


def test_the_api_serves_series_and_takes_pushed_values_with_a_token(client, personas):
    made = figure(personas)
    _token, secret = ApiToken.issue(personas.owner, "core system")
    headers = {"Authorization": f"Bearer {secret}"}
    pushed = client.post(
        f"/api/v1/kpis/{made.pk}/values",
        [
            {"period": "2026-01", "value": 900},
            {"period": "2026-01", "value": 950},
            {"period": "2026-02", "value": 990},
        ],
        content_type="application/json",
        headers=headers,
    )
    assert pushed.json() == {"created": 2, "updated": 0, "unchanged": 0}
    series = client.get(f"/api/v1/kpis/{made.pk}/series", headers=headers).json()
    assert [(point["period"], point["value"]) for point in series] == [
        ("2026-01-01", "950.0000"),
        ("2026-02-01", "990.0000"),
    ]
    _other, other_secret = ApiToken.issue(personas.other_buyer, "x")
    assert (
        client.get(
            f"/api/v1/kpis/{made.pk}/series", headers={"Authorization": f"Bearer {other_secret}"}
        ).status_code
        == 404
    )
    wrong = client.post(
        f"/api/v1/kpis/{made.pk}/values",
        [{"period": "2026-03", "value": 1, "unit": "biler"}],
        content_type="application/json",
        headers=headers,
    )
    assert wrong.status_code == 422


def test_a_wall_figure_is_written_as_its_language_writes_numbers():
    from django.utils import translation

    from skala.kpis.tiles import format_number

    with translation.override("nb"):
        assert (format_number(Decimal("12385")), format_number(Decimal("1.5"))) == ("12\u00a0385", "1,5")
    with translation.override("en"):
        assert (format_number(Decimal("12385")), format_number(Decimal("1.5"))) == ("12,385", "1.5")


def test_a_supplier_makes_no_key_figures_or_wall_screens(client, personas):
    client.force_login(personas.supplier)
    assert client.get("/en/kpis/new/").status_code == 403
    assert (
        client.post("/en/kpis/new/", {"owner": personas.supplier_org.pk, "name_nb": "Vårt tall"}).status_code
        == 403
    )
    assert (
        client.post("/en/kpis/screens/new/", {"owner": personas.supplier_org.pk, "name": "Vegg"}).status_code
        == 403
    )
    assert not KeyFigure.objects.filter(owner=personas.supplier_org).exists()
    assert not Screen.objects.filter(owner=personas.supplier_org).exists()


def test_the_key_figures_page_offers_new_ones_only_to_who_may_make_them(client, personas):
    client.force_login(personas.supplier)
    assert "/en/kpis/new/" not in client.get("/en/kpis/").text
    client.force_login(personas.owner)
    assert "/en/kpis/new/" in client.get("/en/kpis/").text


def connector_form(kind: str, config: dict, credentials: str = "") -> ConnectorForm:
    return ConnectorForm(
        {
            "kind": kind,
            "every_minutes": 60,
            "timeout_seconds": 2,
            "retries": 0,
            "config_text": json.dumps(config),
            "credentials": credentials,
        }
    )


def test_a_connector_never_reads_skalas_own_database_or_files(personas, drop_folder, settings):
    """An editor types the address; without these checks they could read every buyer's dialogue input."""
    from django.db import connection

    own = connection.settings_dict
    if own["ENGINE"].endswith("sqlite3"):
        own_url = f"sqlite:///{own['NAME']}"
    else:
        own_url = (
            f"postgres://{own.get('USER') or 'postgres'}@127.0.0.1:{own.get('PORT') or 5432}/{own['NAME']}"
        )
        settings.SKALA_CONNECTOR_NETWORKS = ["127.0.0.1"]  # even on a network the operator allows
    form = connector_form("sql", {"query": "select 1, 1"}, credentials=own_url)
    assert not form.is_valid()
    # On SQLite the test database is an in-memory URI, refused for its "?" before anything else.
    refusals = ("never reads Skala's own", "not in a folder", "may not hold a percent sign")
    assert any(refusal in form.errors["config_text"][0] for refusal in refusals)
    settings.SKALA_CONNECTOR_FOLDERS = [str(drop_folder), str(settings.MEDIA_ROOT)]
    form = connector_form("folder_csv", {"folder": str(settings.MEDIA_ROOT)})
    assert not form.is_valid()
    assert "never reads Skala's own database or uploaded files" in form.errors["config_text"][0]


def test_a_connector_reads_files_only_in_the_operators_folders(personas, drop_folder, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "secret.csv").write_text("date,value\n2026-01-01,1\n")
    form = connector_form("folder_csv", {"folder": str(elsewhere)})
    assert not form.is_valid()
    assert "is not in a folder Skala reads from" in form.errors["config_text"][0]
    # Nor through a link inside an allowed folder, at the time of the pull.
    (drop_folder / "link.csv").symlink_to(elsewhere / "secret.csv")
    made = figure(personas)
    connector = Connector.objects.create(figure=made, kind="folder_csv", config={"folder": str(drop_folder)})
    assert pull(connector, pause=0) == 0
    assert "is not in a folder Skala reads from" in connector.last_error
    assert not made.values.exists()


def test_an_sqlite_query_cannot_attach_another_database(personas, drop_folder, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "other.sqlite3"
    with sqlite3.connect(elsewhere) as other:
        other.execute("create table secrets (month text, value integer)")
        other.execute("insert into secrets values ('2026-01', 7)")
    allowed = drop_folder / "core.sqlite3"
    sqlite3.connect(allowed).close()
    made = figure(personas)
    connector = Connector.objects.create(
        figure=made,
        kind="sql",
        config={"database": f"sqlite:///{allowed}", "query": f"attach database '{elsewhere}' as other"},
    )
    assert pull(connector, pause=0) == 0
    assert "not authorized" in connector.last_error
    assert not made.values.exists()


def test_a_connector_does_not_reach_private_networks_unless_the_operator_allows_them(
    personas, core_system, settings
):
    handler, url = core_system
    handler.body = json.dumps({"values": [{"period": "2026-01", "value": 5}]}).encode()
    settings.SKALA_CONNECTOR_NETWORKS = []
    form = connector_form("http_json", {"url": url, "selector": "values"})
    assert not form.is_valid()
    assert "is on a network Skala does not pull from" in form.errors["config_text"][0]
    for address in ("http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]:8000/"):
        assert "does not pull from" in connector_form("http_json", {"url": address}).errors["config_text"][0]
    settings.SKALA_CONNECTOR_NETWORKS = ["127.0.0.0/8"]
    assert connector_form("http_json", {"url": url, "selector": "values"}).is_valid()


def test_a_redirect_to_a_private_address_is_not_followed(personas, core_system, settings):
    """The check is made on the address connected to, so a redirect cannot get round it."""
    handler, url = core_system
    handler.status = 302
    handler.location = "http://127.0.0.2:9/"
    settings.SKALA_CONNECTOR_NETWORKS = ["127.0.0.1"]
    made = figure(personas)
    connector = Connector.objects.create(figure=made, kind="http_json", config={"url": url}, retries=0)
    assert pull(connector, pause=0) == 0
    assert "127.0.0.2 is on a network Skala does not pull from" in connector.last_error


def test_skalas_own_figures_count_what_the_owner_did(personas):
    """Stavanger's invited-only need is not counted on Oslo's wall, nor is Oslo's on Stavanger's."""
    from skala.needs.models import Need

    for organisation, title in ((personas.oslo, "Nattilsyn"), (personas.stavanger, "Hemmelig behov")):
        Need.objects.create(
            organisation=organisation, title=title, problem="x", visibility="invited"
        ).publish()
    Need.objects.create(organisation=personas.sykehjemsetaten, title="Fallalarm", problem="y").publish()
    oslo = figure(personas, name_nb="Behov publisert", unit="behov")
    connector = Connector.objects.create(figure=oslo, kind="skala", config={"measure": "needs_published"})
    pull(connector, pause=0)
    assert sum(value.value for value in oslo.values.all()) == 2  # Oslo's own and its unit's


def test_joint_processes_count_those_the_owner_leads_or_joined(personas):
    from skala.needs import services
    from skala.needs.models import Need

    led = Need.objects.create(organisation=personas.oslo, title="Nattilsyn", problem="x")
    led.publish()
    services.invite(led, personas.stavanger, "follower", "", personas.owner)
    others = Need.objects.create(organisation=personas.stavanger, title="Fallalarm", problem="y")
    others.publish()
    participant, _created = services.invite(others, personas.oslo, "partner", "", personas.other_buyer)
    unanswered = Need.objects.create(organisation=personas.stavanger, title="Velferd", problem="z")
    unanswered.publish()
    services.invite(unanswered, personas.oslo, "partner", "", personas.other_buyer)
    participant.status = "accepted"
    participant.save()
    oslo = figure(personas, name_nb="Felles prosesser", unit="prosesser")
    connector = Connector.objects.create(figure=oslo, kind="skala", config={"measure": "joint_processes"})
    pull(connector, pause=0)
    assert sum(value.value for value in oslo.values.all()) == 2  # led one, joined one, not the invitation


def test_a_supplier_owned_figure_from_before_is_not_changed_by_the_supplier(personas):
    made = figure(personas, owner=personas.supplier_org)
    assert not personas.supplier.has_perm("kpis.change_figure", made)
    assert personas.supplier.has_perm("kpis.view_figure", made)


@pytest.mark.parametrize("value", ["1e30", 1e308, "NaN", "Infinity", "sNaN", "123456789012345678"])
def test_a_pushed_value_that_cannot_be_stored_is_refused_and_the_series_still_reads(client, personas, value):
    made = figure(personas)
    store(made, [("2026-01", 5)], source="test")
    _token, secret = ApiToken.issue(personas.owner, "core system")
    headers = {"Authorization": f"Bearer {secret}"}
    pushed = client.post(
        f"/api/v1/kpis/{made.pk}/values",
        [{"period": "2026-02", "value": 7}, {"period": "2026-07", "value": value}],
        content_type="application/json",
        headers=headers,
    )
    assert pushed.status_code == 422
    assert pushed.json()["detail"].startswith("2026-07: ")
    assert client.get(f"/api/v1/kpis/{made.pk}/series", headers=headers).status_code == 200
    assert [str(v.value) for v in made.values.all()] == ["5.0000"]  # nothing of the refused push


def test_a_period_with_anything_after_the_date_is_refused():
    from skala.kpis.series import parse_period

    assert parse_period("2026-03-01T10:00:00+01:00") == datetime.date(2026, 3, 1)
    with pytest.raises(FigureValueError, match="is not a date or a period"):
        parse_period("2026-03-01garbage")


def test_a_dropped_file_that_cannot_be_read_is_named_and_nothing_is_stored(personas, drop_folder):
    (drop_folder / "a.csv").write_text("date,value\n2026-01-01,5\n")
    (drop_folder / "b.csv").write_bytes("dato,verdi\n2026-02-01,6 kr\u00e5\n".encode("latin-1"))
    made = figure(personas)
    connector = Connector.objects.create(figure=made, kind="folder_csv", config={"folder": str(drop_folder)})
    assert pull(connector, pause=0) == 0
    assert "b.csv is not UTF-8 text" in connector.last_error
    assert not made.values.exists()


def test_a_key_figure_whose_highest_allowed_value_is_below_its_lowest_is_refused(personas):
    from skala.kpis.forms import FigureForm
    from skala.orgs.models import Organisation

    form = FigureForm(
        {
            "owner": personas.oslo.pk,
            "name_nb": "Fall",
            "unit": "antall",
            "period": "month",
            "direction": "lower",
            "minimum": "10",
            "maximum": "5",
        },
        owners=Organisation.objects.filter(pk=personas.oslo.pk),
    )
    assert not form.is_valid()
    assert form.errors["maximum"] == ["The highest allowed value is below the lowest."]


def test_a_walls_tiles_are_moved_and_removed_and_its_settings_changed(client, personas):
    one, two = figure(personas, name_nb="En"), figure(personas, name_nb="To")
    screen = Screen.objects.create(owner=personas.oslo, name="Vegg", rotate_seconds=10, refresh_seconds=10)
    first = Tile.objects.create(screen=screen, figure=one, kind="sparkline", order=1)
    second = Tile.objects.create(screen=screen, figure=two, kind="trend", order=2)
    client.force_login(personas.owner)
    url = screen.get_absolute_url()
    assert client.post(url, {"action": "up", "tile": second.pk}).status_code == 302
    assert [tile.figure.name_nb for tile in screen.tiles.all()] == ["To", "En"]
    client.post(url, {"action": "remove", "tile": first.pk})
    assert [tile.figure.name_nb for tile in screen.tiles.all()] == ["To"]
    changed = client.post(
        url,
        {
            "action": "settings",
            "name": "Byrådens vegg",
            "rotate_seconds": 20,
            "refresh_seconds": 60,
            "tiles_per_page": 4,
            "language": "sv",
        },
    )
    assert changed.status_code == 302
    screen.refresh_from_db()
    assert (screen.name, screen.rotate_seconds, screen.language, screen.owner) == (
        "Byrådens vegg",
        20,
        "sv",
        personas.oslo,
    )
    refused = client.post(url, {"action": "settings", "name": "", "rotate_seconds": 20})
    assert refused.status_code == 400
    other = Screen.objects.create(owner=personas.stavanger, name="Stavanger")
    foreign = Tile.objects.create(
        screen=other, figure=figure(personas, owner=personas.stavanger), kind="trend"
    )
    assert client.post(url, {"action": "remove", "tile": foreign.pk}).status_code == 404
    assert Tile.objects.filter(pk=foreign.pk).exists()


def test_a_swedish_buyers_key_figure_is_named_in_swedish_alone(personas):
    from skala.kpis.forms import FigureForm
    from skala.orgs.models import Organisation

    owners = Organisation.objects.filter(pk=personas.oslo.pk)
    fields = {"owner": personas.oslo.pk, "unit": "st", "period": "month", "direction": "higher"}
    form = FigureForm({**fields, "name_sv": "Cyklister in till stan"}, owners=owners)
    assert form.is_valid(), form.errors
    made = form.save()
    assert made.name("nb") == "Cyklister in till stan"  # the only name it has
    nameless = FigureForm(fields, owners=owners)
    assert not nameless.is_valid()
    assert nameless.errors["name_nb"] == ["Name the key figure in at least one language."]


def test_an_sqlite_path_cannot_climb_out_of_its_folder_through_the_uri(
    personas, drop_folder, tmp_path_factory
):
    """SQLite decodes a file: URI, so %2e%2e would become .. after the folder was checked."""
    for trick in ("%2e%2e/db.sqlite3", "x%2f..%2f..%2fdb.sqlite3", "ok.db#", "ok.db?mode=rwc"):
        form = connector_form("sql", {"query": "select 1, 1"}, credentials=f"sqlite:///{drop_folder}/{trick}")
        assert not form.is_valid(), trick
        assert "may not hold a percent sign" in form.errors["config_text"][0]
    spaced = drop_folder / "with space.sqlite3"
    with sqlite3.connect(spaced) as database:
        database.execute("create table t (m text, v integer)")
        database.execute("insert into t values ('2026-01', 3)")
    made = figure(personas)
    connector = Connector.objects.create(
        figure=made, kind="sql", config={"database": f"sqlite:///{spaced}", "query": "select m, v from t"}
    )
    assert pull(connector, pause=0) == 1  # a path that needs quoting in the URI still opens


def test_a_redirect_to_ftp_is_not_followed(personas, core_system, settings):
    handler, url = core_system
    handler.status, handler.location = 302, "ftp://127.0.0.1:2121/secret.json"
    made = figure(personas)
    connector = Connector.objects.create(figure=made, kind="http_json", config={"url": url}, retries=0)
    assert pull(connector, pause=0) == 0
    assert "redirects to ftp, which Skala does not pull from" in connector.last_error


def test_a_postgres_address_says_only_where_and_who(personas, settings):
    settings.SKALA_CONNECTOR_NETWORKS = ["127.0.0.1"]
    for extra in (
        "passfile=/etc/passwd",
        "service=skala",
        "sslkey=/tmp/k",
        "options=-cstatement_timeout%3D0",
    ):
        form = connector_form(
            "sql", {"query": "select 1, 1"}, credentials=f"postgres://u@127.0.0.1/x?{extra}"
        )
        assert not form.is_valid(), extra
        assert "may not set" in form.errors["config_text"][0]


def test_a_postgres_address_without_a_database_name_is_skalas_own_if_the_user_names_it(settings):
    from skala.kpis import reach

    settings.SKALA_CONNECTOR_NETWORKS = ["127.0.0.1"]
    own = {"ENGINE": "django.db.backends.postgresql", "NAME": "skala", "HOST": "127.0.0.1", "PORT": 5432}
    original = reach.own_database
    reach.own_database = lambda: own
    try:
        with pytest.raises(reach.ReachError, match="never reads Skala's own database"):
            reach.check_postgres({"host": "127.0.0.1", "user": "skala"})  # libpq: dbname = user
    finally:
        reach.own_database = original


@pytest.mark.parametrize(
    "address", ["::7f00:1", "::127.0.0.1", "64:ff9b::a00:5", "2002:7f00:1::", "[::ffff:127.0.0.1]"]
)
def test_ipv6_forms_that_carry_a_private_ipv4_address_are_refused(address):
    from skala.kpis.reach import ReachError, check_address

    with pytest.raises(ReachError, match="does not pull from"):
        check_address(address.strip("[]"), host="example.org", port=80)


def test_a_port_that_is_not_a_port_is_refused_plainly(personas):
    form = connector_form("http_json", {"url": "http://example.org:+8000/"})
    assert not form.is_valid()
    assert "has no valid port" in form.errors["config_text"][0]


def test_a_pull_that_crashes_is_recorded_without_its_details_and_nothing_is_stored(personas, monkeypatch):
    from skala.kpis import connectors

    def crash(connector):
        raise RuntimeError("internal detail 10.0.0.5:6379")

    monkeypatch.setattr(connectors, "points_for", crash)
    made = figure(personas)
    connector = Connector.objects.create(
        figure=made, kind="skala", config={"measure": "needs_published"}, retries=0
    )
    assert pull(connector, pause=0) == 0
    assert "did not foresee" in connector.last_error
    assert "10.0.0.5" not in connector.last_error


def test_a_buyer_reads_only_its_own_folder_of_core_system_files(personas, drop_folder):
    """Below the operator's folder each organisation has its own: Stavanger does not read Oslo's files."""
    (drop_folder / "a.csv").write_text("date,value\n2026-01-01,5\n")
    theirs = figure(personas, owner=personas.stavanger, name_nb="Stavangers tall")
    form = ConnectorForm(
        {
            "kind": "folder_csv",
            "every_minutes": 60,
            "timeout_seconds": 2,
            "retries": 0,
            "config_text": json.dumps({"folder": str(drop_folder)}),
        },
        owner=personas.stavanger,
    )
    assert not form.is_valid()
    assert "is not in a folder Skala reads from" in form.errors["config_text"][0]
    connector = Connector.objects.create(
        figure=theirs, kind="folder_csv", config={"folder": str(drop_folder)}
    )
    assert pull(connector, pause=0) == 0
    assert not theirs.values.exists()
    ours = Connector.objects.create(
        figure=figure(personas), kind="folder_csv", config={"folder": str(drop_folder)}
    )
    assert pull(ours, pause=0) == 1
