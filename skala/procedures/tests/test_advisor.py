"""The procedure advisor's answers for a table of cases, pinned; each statement carries its source."""

import datetime
from decimal import Decimal

import pytest

from skala.procedures.advisor import Question, advise

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 23)

# value, buyer type, contract type, solution exists, R&D share, pays all, keeps all →
# regime, Doffin, TED, the first allowed procedure
CASES = [
    (80_000, "other", "goods_services", True, 0, True, True, "outside", False, False, "direct"),
    (800_000, "other", "goods_services", True, 0, True, True, "part_i", False, False, "national"),
    (
        800_000,
        "other",
        "goods_services",
        False,
        0,
        True,
        True,
        "part_i",
        False,
        False,
        "innovation_partnership",
    ),
    (1_400_000, "central", "goods_services", True, 0, True, True, "part_ii", True, False, "negotiation"),
    (1_500_000, "central", "goods_services", True, 0, True, True, "part_iii", True, True, "open"),
    (
        2_000_000,
        "other",
        "goods_services",
        False,
        0,
        True,
        True,
        "part_ii",
        True,
        False,
        "innovation_partnership",
    ),
    (
        2_300_000,
        "other",
        "goods_services",
        False,
        0,
        True,
        True,
        "part_iii",
        True,
        True,
        "innovation_partnership",
    ),
    (4_000_000, "utility", "goods_services", True, 0, True, True, "part_ii", True, False, "negotiation"),
    (5_000_000, "utility", "goods_services", True, 0, True, True, "utilities", True, True, "open"),
    (30_000_000, "other", "works", True, 0, True, True, "part_ii", True, False, "negotiation"),
    (60_000_000, "other", "works", False, 0, True, True, "part_iii", True, True, "innovation_partnership"),
    (5_000_000, "other", "special_services", True, 0, True, True, "part_ii", True, False, "negotiation"),
    (9_000_000, "other", "special_services", True, 0, True, True, "part_iv", True, True, "open"),
    (10_000_000, "other", "goods_services", False, "0.7", False, True, "rd_exemption", False, False, "pcp"),
    (10_000_000, "other", "goods_services", False, "0.7", True, False, "rd_exemption", False, False, "pcp"),
    (
        10_000_000,
        "other",
        "goods_services",
        False,
        "0.7",
        True,
        True,
        "part_iii",
        True,
        True,
        "innovation_partnership",
    ),
    (
        10_000_000,
        "other",
        "goods_services",
        False,
        "0.4",
        False,
        False,
        "part_iii",
        True,
        True,
        "innovation_partnership",
    ),
]


@pytest.mark.parametrize(
    ("value", "buyer", "contract", "exists", "rd", "pays", "keeps", "regime", "doffin", "ted", "first"), CASES
)
def test_the_advisor_table(value, buyer, contract, exists, rd, pays, keeps, regime, doffin, ted, first):
    advice = advise(
        Question(Decimal(value), buyer, contract, exists, Decimal(rd), pays, keeps, day=DAY), language="en"
    )
    assert (advice.regime, advice.announce_doffin, advice.announce_ted) == (regime, doffin, ted)
    assert advice.procedures[0] == first
    assert all(statement.source_url.startswith("https://") for statement in advice.statements)
    assert advice.statements


def test_the_advice_names_the_dated_threshold_set_it_used():
    advice = advise(Question(Decimal(2_500_000), "other", "goods_services", day=DAY))
    assert "eea_other_goods_services@2024-03-14" in advice.threshold_set
    assert "national@2024-01-01" in advice.threshold_set
    assert "eu_2026_other@2026-01-01" in advice.threshold_set


def test_above_the_eea_thresholds_the_minimum_deadlines_come_with_their_rules():
    advice = advise(Question(Decimal(3_000_000), "other", "goods_services", solution_exists=False, day=DAY))
    assert {(deadline.step, deadline.days) for deadline in advice.deadlines} == {
        ("tenders_open", 35),
        ("requests_to_participate", 30),
    }


def test_defence_and_concessions_are_outside_what_skala_covers_and_it_says_so():
    advice = advise(Question(Decimal(9_000_000), defence_or_concession=True, day=DAY), language="en")
    assert advice.regime == "out_of_scope"
    assert "does not cover" in advice.statements[0].text
    assert advice.statements[0].source_url.startswith("https://lovdata.no/")


def test_the_advisor_speaks_norwegian():
    advice = advise(Question(Decimal(50_000), day=DAY), language="nb")
    assert "gjelder ikke anskaffelsesloven" in advice.statements[0].text


def test_the_advisor_page_answers_without_a_login(client):
    response = client.get(
        "/en/procedures/advisor/",
        {
            "value_nok": "3000000",
            "buyer_type": "other",
            "contract_type": "goods_services",
            "solution_exists": "no",
            "rd_share": "0",
        },
    )
    assert response.status_code == 200
    assert "Innovation partnership" in response.text
    assert "Doffin and TED" in response.text
    assert "https://www.regjeringen.no/no/aktuelt/terskelverdier/id3030686/" in response.text


def test_the_advisor_page_names_a_bad_value(client):
    response = client.get("/en/procedures/advisor/", {"value_nok": "lots", "buyer_type": "other"})
    assert "Enter a number" in response.text


def test_the_advisor_through_the_api(client):
    answer = client.get(
        "/api/v1/procedures/advice",
        {
            "value_nok": "10000000",
            "solution_exists": "false",
            "rd_share": "0.7",
            "buyer_pays_full_cost": "false",
        },
    ).json()
    assert answer["regime"] == "rd_exemption"
    assert answer["procedures"][0] == "pcp"
    assert any("§ 2-5" in statement["source_title"] for statement in answer["statements"])
    assert client.get("/api/v1/procedures/advice", {"value_nok": "-1"}).status_code == 422
