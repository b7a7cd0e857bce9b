import datetime
import shutil

import pytest

from skala.reference.loading import DATA_DIR, ReferenceDataError, load_reference
from skala.reference.models import County, CpvCode, CpvLevel, Municipality, Sdg

pytestmark = pytest.mark.django_db


def quiet(message: str) -> None:
    pass


def test_reference_data_has_every_cpv_code_goal_county_and_municipality():
    assert CpvCode.objects.count() == 9454
    assert Sdg.objects.count() == 17
    assert Municipality.objects.filter(country="NO").count() == 357
    assert County.objects.filter(country="NO").count() == 15
    assert Municipality.objects.filter(country="SE").count() == 290
    assert County.objects.filter(country="SE").count() == 21


def test_second_load_changes_nothing():
    reports = load_reference(progress=quiet)
    assert [(r.created, r.updated) for r in reports] == [(0, 0)] * 5
    assert sum(r.unchanged for r in reports) == 9454 + 17 + 19 + 36 + 647


def test_load_repairs_a_changed_label():
    CpvCode.objects.filter(code8="03000000").update(label_nb="Feil")
    reports = load_reference(progress=quiet)
    assert reports[0].updated == 1
    assert CpvCode.objects.get(code8="03000000").label_nb.startswith("Landbruk")


def test_dry_run_reports_but_saves_nothing():
    CpvCode.objects.filter(code8="03000000").update(label_nb="Feil")
    reports = load_reference(dry_run=True, progress=quiet)
    assert reports[0].updated == 1
    assert CpvCode.objects.get(code8="03000000").label_nb == "Feil"


def test_bad_rows_are_reported_with_file_row_and_field_and_nothing_is_written(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    cpv = data / "cpv2008_nordic_en_nb_sv_da_fi.csv"
    lines = cpv.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("03110000-5,03110000", "0311000X-5,0311000X")
    lines[4] = lines[4].replace(",Frø,", ",,", 1)
    cpv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    CpvCode.objects.filter(code8="03000000").update(label_nb="Feil")

    with pytest.raises(ReferenceDataError) as raised:
        load_reference(data, progress=quiet)

    problems = {(p.file, p.row, p.field) for p in raised.value.problems}
    assert ("cpv2008_nordic_en_nb_sv_da_fi.csv", 4, "code") in problems
    assert ("cpv2008_nordic_en_nb_sv_da_fi.csv", 4, "code8") in problems
    assert ("cpv2008_nordic_en_nb_sv_da_fi.csv", 5, "nb") in problems
    assert "row 4" in str(raised.value)
    assert CpvCode.objects.get(code8="03000000").label_nb == "Feil"


def test_missing_column_is_reported(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    sdg = data / "sdg.csv"
    sdg.write_text(sdg.read_text(encoding="utf-8").replace("colour,", "farge,", 1), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"sdg.csv, row 1, field 'colour': column is missing"):
        load_reference(data, progress=quiet)


@pytest.mark.parametrize(
    ("code8", "level", "parent"),
    [
        ("03000000", CpvLevel.DIVISION, None),
        ("30000000", CpvLevel.DIVISION, None),
        ("03100000", CpvLevel.GROUP, "03000000"),
        ("03110000", CpvLevel.CLASS, "03100000"),
        ("03111000", CpvLevel.CATEGORY, "03110000"),
        ("03111100", CpvLevel.SUBCATEGORY, "03111000"),
        ("45215213", CpvLevel.SUBCATEGORY, "45215210"),
    ],
)
def test_cpv_level_and_parent_come_from_the_code(code8, level, parent):
    code = CpvCode.objects.get(code8=code8)
    assert code.level == level
    assert code.parent_id == parent


def test_norwegian_municipalities_get_their_organisation_numbers():
    numbers = dict(Municipality.objects.filter(country="NO").values_list("name", "orgnr"))
    assert numbers["Oslo"] == "958935420"
    # Two Vålers: each keeps its own number although Østfold's was renumbered in 2024.
    assert numbers["Våler (Østfold)"] == "959272581"
    assert numbers["Våler (Innlandet)"] == "871034222"
    assert numbers["Røros"] == "939898743"
    # Haram was split from Ålesund in 2024: the data has no number for it.
    assert numbers["Haram"] == ""
    assert sum(1 for orgnr in numbers.values() if orgnr) == 356


def test_sdg_names_in_three_languages():
    goal = Sdg.objects.get(number=13)
    assert (goal.name_en, goal.name_nb, goal.name_sv) == (
        "Climate action",
        "Stoppe klimaendringene",
        "Bekämpa klimatförändringarna",
    )
    assert goal.name("sv") == "Bekämpa klimatförändringarna"


def test_legal_facts_are_dated_and_sourced():
    from skala.reference.models import LegalFact

    national = LegalFact.objects.in_force(datetime.date(2026, 11, 23)).get(key="national")
    assert national.amount_nok == 1_300_000
    assert national.source_url.startswith("https://lovdata.no/")
    assert LegalFact.objects.in_force(datetime.date(2028, 1, 1)).filter(key="eu_2026_works").count() == 0


def test_a_legal_fact_without_a_date_is_named_with_its_row(tmp_path):
    import shutil

    from skala.reference.loading import DATA_DIR, ReferenceDataError

    for item in DATA_DIR.iterdir():
        shutil.copy(item, tmp_path / item.name)
    path = tmp_path / "legal_facts.csv"
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace("2024-01-01", "soon")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReferenceDataError, match=r"legal_facts\.csv, row \d+, field 'valid_from'"):
        load_reference(tmp_path, progress=quiet)
