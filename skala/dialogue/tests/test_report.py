"""The dialogue report: counts, themes with quotes, anonymity, the buyer's summary, PDF and DOCX."""

import io

import docx
import pytest
from django.utils import translation
from django.utils.translation import gettext

from skala.dialogue import report as reports
from skala.dialogue import services
from skala.dialogue.models import QuestionKind, QuestionPhase
from skala.dialogue.tests.builders import make_meeting, make_need, make_supplier

pytestmark = pytest.mark.django_db

ANSWERS = [
    "Vi trenger mer innsikt i brukerne og hva pårørende opplever om natten.",
    "Brukerne må involveres tidlig, ellers treffer vi ikke behovet.",
    "Tidsplanen for konkurransen er for stram; fristen bør forlenges.",
    "Kunngjøringen kommer for sent til at vi rekker et godt tilbud innen fristen.",
    "Åpenhet og likebehandling gir tillit mellom leverandører og kommunen.",
    "Integrasjon med journalsystemet er det vanskeligste.",
]


@pytest.fixture
def answered_meeting(personas):
    meeting = make_meeting(make_need(personas.oslo))
    free = meeting.questions.create(kind=QuestionKind.TEXT, text="Hva er viktigst for dere?")
    choice = meeting.questions.create(
        kind=QuestionKind.SINGLE, text="Vil dere delta videre?", choices=["Ja", "Nei"]
    )
    scale = meeting.questions.create(
        kind=QuestionKind.SCALE, text="Hvor nyttig var møtet?", scale_min=1, scale_max=5
    )
    advice = meeting.questions.create(
        kind=QuestionKind.TEXT, text="Siste råd på vei ut?", phase=QuestionPhase.AFTER, is_last_advice=True
    )
    for number, text in enumerate(ANSWERS):
        supplier, user = make_supplier(number)
        services.register(
            meeting, supplier, user, [("P", f"p{number}@test.example")], may_be_named=number == 0
        )
        services.answer_question(free, supplier, user, text=text, shareable=number != 5)
        services.answer_question(choice, supplier, user, choices=["Ja" if number < 4 else "Nei"])
        services.answer_question(scale, supplier, user, number=3 + number % 3)
        services.answer_question(advice, supplier, user, text=f"Råd nummer {number}", shareable=number < 2)
    return meeting


def test_choices_are_counted_and_scales_averaged(answered_meeting):
    content = reports.build(answered_meeting)
    by_text = {question["text"]: question for question in content["questions"]}
    assert by_text["Vil dere delta videre?"]["counts"] == [
        {"choice": "Ja", "count": 4},
        {"choice": "Nei", "count": 2},
    ]
    assert by_text["Hvor nyttig var møtet?"]["mean"] == pytest.approx(4.0)
    assert content["suppliers_registered"] == 6


def test_free_text_is_grouped_into_themes_with_quotes(answered_meeting):
    themes = {theme["key"]: theme for theme in reports.build(answered_meeting)["themes"]}
    assert themes["users"]["count"] == 2
    assert themes["timeline"]["count"] == 2
    assert themes["trust"]["count"] == 1
    assert themes["technology"]["count"] == 1
    with translation.override("nb"):
        assert themes["users"]["label"] == gettext("Understanding the users")
    quoted = [quote["text"] for quote in themes["timeline"]["quotes"]]
    assert ANSWERS[2] in quoted


def test_only_shareable_answers_are_quoted_and_only_consenting_suppliers_named(answered_meeting):
    content = reports.build(answered_meeting)
    quotes = [quote for theme in content["themes"] for quote in theme["quotes"]]
    assert ANSWERS[5] not in [quote["text"] for quote in quotes]  # confidential: counted, never quoted
    named = {quote["supplier"] for quote in quotes} - {None}
    assert named == {"Leverandør 0 AS"}
    assert [quote["text"] for quote in content["last_advice"]] == ["Råd nummer 0", "Råd nummer 1"]


def test_the_buyer_edits_the_summary_and_publishes_then_the_public_reads_it(
    client, personas, answered_meeting
):
    url = f"/nb/dialogue/{answered_meeting.pk}/report/"
    assert client.get(url).status_code == 404
    client.force_login(personas.supplier)
    assert client.get(url).status_code == 404
    client.force_login(personas.owner)
    assert "Leverandør 0 AS" in client.get(url).text
    client.post(url, {"action": "save", "summary": "Leverandørene ba om mer tid."})
    client.post(url, {"action": "publish", "summary": "Leverandørene ba om mer tid."})
    client.logout()
    page = client.get(url).text
    assert "Leverandørene ba om mer tid." in page
    assert ANSWERS[2] in page
    assert "Leverandør 3 AS" not in page
    assert client.get(f"/nb/dialogue/{answered_meeting.pk}/report.pdf").content.startswith(b"%PDF")
    document = docx.Document(
        io.BytesIO(client.get(f"/nb/dialogue/{answered_meeting.pk}/report.docx").content)
    )
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "Leverandørene ba om mer tid." in text
    assert "Tidsplanen for konkurransen" in text


def test_answers_that_fit_no_known_theme_are_grouped_among_themselves(personas):
    meeting = make_meeting(make_need(personas.oslo))
    free = meeting.questions.create(kind=QuestionKind.TEXT, text="Annet?")
    texts = [
        "Sensorene må tåle fukt på badet",
        "Fukt på badet ødelegger sensorene",
        "Batteriene i sensorene må vare lenge",
        "Batteriene bør byttes sjelden",
        "Radar virker gjennom vegger",
        "Radar i taket ser hele rommet",
    ]
    for number, text in enumerate(texts):
        supplier, user = make_supplier(100 + number)
        services.answer_question(free, supplier, user, text=text, shareable=True)
    themes = reports.build(meeting)["themes"]
    assert sum(theme["count"] for theme in themes) == 6
    assert all(theme["terms"] for theme in themes)


def test_a_need_report_covers_its_published_meetings(client, personas, answered_meeting):
    url = f"/nb/dialogue/need/{answered_meeting.need_id}/report/"
    assert client.get(url).status_code == 404  # nothing published yet
    client.force_login(personas.owner)
    client.post(f"/nb/dialogue/{answered_meeting.pk}/report/", {"action": "publish", "summary": "Mer tid."})
    client.logout()
    page = client.get(url).text
    assert ANSWERS[2] in page
    assert "Mer tid." in page
    assert "Leverandør 3 AS" not in page
    assert client.get(url, {"format": "pdf"}).content.startswith(b"%PDF")
    document = docx.Document(io.BytesIO(client.get(url, {"format": "docx"}).content))
    assert any("Tidsplanen" in paragraph.text for paragraph in document.paragraphs)
