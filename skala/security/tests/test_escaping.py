"""Text people type comes out escaped on every page that shows it: no markup of theirs ever runs."""

import datetime

import pytest
from django.utils import timezone

from skala.dialogue import services
from skala.dialogue.models import Meeting, MeetingKind, QuestionKind
from skala.kpis.models import KeyFigure, Screen, Tile
from skala.kpis.series import store
from skala.needs.models import Need, NeedStatus
from skala.suppliers.models import Solution, SupplierProfile

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
ESCAPED = {
    SCRIPT: "&lt;script&gt;alert(1)&lt;/script&gt;",
    ATTRIBUTE: "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
}


def assert_escaped(response, *payloads: str) -> None:
    assert response.status_code == 200
    page = response.content.decode()
    for payload in payloads:
        assert payload not in page
        assert ESCAPED[payload] in page
    assert "onerror=alert(1)>" not in page.replace(ESCAPED[ATTRIBUTE], "")


def hostile_need(organisation) -> Need:
    return Need.objects.create(
        organisation=organisation,
        title=f"Nattilsyn {SCRIPT}",
        problem=f"Fysiske tilsyn {ATTRIBUTE} om natten",
        status=NeedStatus.PUBLISHED,
    )


def test_a_needs_title_and_problem_are_escaped_on_its_page_and_in_the_list(client, personas):
    need = hostile_need(personas.oslo)
    assert_escaped(client.get(f"/en/needs/{need.pk}/"), SCRIPT, ATTRIBUTE)
    client.force_login(personas.owner)
    assert_escaped(client.get(f"/en/needs/{need.pk}/"), SCRIPT, ATTRIBUTE)
    list_page = client.get("/en/needs/")
    assert SCRIPT not in list_page.content.decode()
    assert ESCAPED[SCRIPT] in list_page.content.decode()


def test_a_supplier_profile_and_its_solution_are_escaped(client, personas):
    profile = SupplierProfile.objects.create(
        organisation=personas.supplier_org, summary=f"Vi lager {ATTRIBUTE}"
    )
    Solution.objects.create(profile=profile, title=f"Sensor {SCRIPT}", description=f"Om natten {ATTRIBUTE}")
    personas.supplier_org.description = f"Leverandør {SCRIPT}"
    personas.supplier_org.save()
    assert_escaped(client.get(f"/en/suppliers/{personas.supplier_org.pk}/"), SCRIPT, ATTRIBUTE)


def test_a_dialogue_answer_is_escaped_for_the_buyers_who_read_it(client, personas):
    need = hostile_need(personas.oslo)
    starts = timezone.now() + datetime.timedelta(days=14)
    meeting = Meeting.objects.create(
        need=need,
        kind=MeetingKind.WORKSHOP,
        title="Dialogmøte",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        registration_deadline=starts - datetime.timedelta(days=2),
        place="Rådhuset",
    )
    services.sync_hosts(meeting)
    services.publish(meeting)
    question = meeting.questions.create(kind=QuestionKind.TEXT, text="Hva trenger dere?")
    services.register(meeting, personas.supplier_org, personas.supplier, [("Kari", "kari@test.example")])
    services.answer_question(
        question, personas.supplier_org, personas.supplier, text=f"Vi trenger {SCRIPT} og {ATTRIBUTE}"
    )
    client.force_login(personas.owner)
    assert_escaped(client.get(f"/en/dialogue/{meeting.pk}/"), SCRIPT, ATTRIBUTE)


def test_a_key_figures_name_is_escaped_on_its_page_and_on_the_wall(client, personas):
    figure = KeyFigure.objects.create(
        owner=personas.oslo,
        name_nb=f"Syklister {SCRIPT}",
        name_en=f"Cyclists {SCRIPT}",
        unit="stk",
        period="month",
    )
    store(figure, [("2026-01", 10), ("2026-02", 12)], source="test")
    screen = Screen.objects.create(owner=personas.oslo, name=f"Vegg {ATTRIBUTE}")
    Tile.objects.create(screen=screen, figure=figure, kind="sparkline", order=0)
    client.force_login(personas.owner)
    assert_escaped(client.get(f"/en/kpis/{figure.pk}/"), SCRIPT)
    assert_escaped(client.get(screen.wall_url()), SCRIPT, ATTRIBUTE)


def test_no_template_renders_user_text_unescaped():
    """|safe and autoescape off only where the text is Skala's own: SVG drawn from numbers, plain mail."""
    from pathlib import Path

    skala = Path(__file__).resolve().parents[2]
    allowed = {
        "kpis/templates/kpis/figure_detail.html": "{{ chart|safe }}",
        "kpis/templates/kpis/_wall_pages.html": "{{ view.chart|safe }}",
        "templates/registration/password_reset_email.html": "{% autoescape off %}",
    }
    found = []
    for path in skala.rglob("templates/**/*.html"):
        name = path.relative_to(skala).as_posix()
        text = path.read_text(encoding="utf-8").replace(allowed.get(name, "\0"), "")
        found.extend(f"{name}: {marker}" for marker in ("|safe", "autoescape off") if marker in text)
    assert found == []
