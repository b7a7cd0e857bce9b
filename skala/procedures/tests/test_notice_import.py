"""`skala import notices`: three formats, keyed by import id, atomic, every bad record named."""

import datetime
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from skala.corpus.answers import Item, answer_similar
from skala.corpus.models import CorpusDocument
from skala.procedures.models import Notice
from skala.procedures.notice_import import NoticeImportError, import_notices

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"


def notice_line(identifier="N-1", **fields) -> dict:
    line = {
        "id": identifier,
        "title": "Trygghetsalarmer for hjemmeboende eldre",
        "description": "Digitale trygghetsalarmer med mobil enhet og responssenter.",
        "language": "nb",
        "cpv": ["32581200-1", "85311000"],
        "buyer": {"name": "Bergen kommune", "orgnr": "964 338 531", "country": "NO"},
        "published": "2024-03-01",
        "url": "https://doffin.no/notices/2024-101",
    }
    line.update(fields)
    return line


def write_jsonl(tmp_path, *lines, name="notices.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def test_skala_notice_format_is_imported_into_the_notices_and_the_corpus(tmp_path):
    report = import_notices(write_jsonl(tmp_path, notice_line()))
    assert (report.created, report.updated, report.unchanged) == (1, 0, 0)
    notice = Notice.objects.get(import_id="N-1")
    assert notice.cpv == ["32581200", "85311000"]
    assert (notice.buyer_name, notice.buyer_orgnr, notice.buyer_country) == (
        "Bergen kommune",
        "964338531",
        "NO",
    )
    assert notice.published == datetime.date(2024, 3, 1)
    document = CorpusDocument.objects.get(key="notice:N-1")
    assert document.kind == "notice"
    assert document.cpv == ["32581200", "85311000"]


def test_a_second_import_of_the_same_file_changes_nothing(tmp_path):
    path = write_jsonl(tmp_path, notice_line("A"), notice_line("B", title="Skolemat"))
    import_notices(path)
    stamp = CorpusDocument.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    report = import_notices(path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert Notice.objects.count() == 2
    assert (
        CorpusDocument.objects.order_by("-updated_at").values_list("updated_at", flat=True).first() == stamp
    )


def test_a_changed_record_updates_its_notice_and_corpus_entry(tmp_path):
    import_notices(write_jsonl(tmp_path, notice_line("A")))
    report = import_notices(write_jsonl(tmp_path, notice_line("A", title="Sensorer i sykehjem")))
    assert (report.created, report.updated) == (0, 1)
    assert CorpusDocument.objects.get(key="notice:A").title == "Sensorer i sykehjem"


def test_every_bad_line_is_reported_with_its_number_and_nothing_is_written(tmp_path):
    path = write_jsonl(
        tmp_path,
        notice_line("ok"),
        "{not json",
        notice_line("no-title", title=""),
        notice_line("bad-cpv", cpv=["4522"]),
        notice_line("unknown-cpv", cpv=["99999999"]),
        notice_line("ok"),
        notice_line("bad-orgnr", buyer={"name": "X", "orgnr": "123456789", "country": "NO"}),
        notice_line("bad-date", published="1 March"),
    )
    with pytest.raises(NoticeImportError) as raised:
        import_notices(path)
    text = str(raised.value)
    assert "notices.jsonl, line 2: not valid JSON" in text
    assert "line 3, field 'title': is missing or empty" in text
    assert "line 4, field 'cpv': '4522' is not a CPV code" in text
    assert "line 5, field 'cpv': not in the CPV 2008 vocabulary: 99999999" in text
    assert "line 6, field 'id': the id 'ok' is also at notices.jsonl, line 1" in text
    assert "line 7, field 'buyer.orgnr'" in text
    assert "line 8, field 'published'" in text
    assert len(raised.value.problems) == 7
    assert not Notice.objects.exists()
    assert not CorpusDocument.objects.exists()


def test_an_unknown_language_is_kept_and_matched_as_multilingual(tmp_path):
    import_notices(write_jsonl(tmp_path, notice_line(language="de")))
    assert CorpusDocument.objects.get().language == "mul"


def test_a_language_by_name_is_read_and_one_that_names_none_is_detected_from_the_text(tmp_path):
    path = write_jsonl(
        tmp_path,
        notice_line("A", language="Svenska", title="Skolmåltider", description="Lunch i skolan för eleverna"),
        notice_line("B", language="Norwegian"),
        notice_line("C", language="som i fjor"),
    )
    import_notices(path)
    assert dict(Notice.objects.values_list("import_id", "language")) == {"A": "sv", "B": "nb", "C": ""}
    assert CorpusDocument.objects.get(key="notice:C").language == "nb"


def test_a_buyer_with_a_long_name_is_imported_on_every_database(tmp_path):
    name = "Innkjøpssamarbeidet for kommunene på Vestlandet " * 10  # 480 characters
    import_notices(write_jsonl(tmp_path, notice_line(buyer={"name": name.strip(), "country": "NO"})))
    assert Notice.objects.get().buyer_name == name.strip()
    assert CorpusDocument.objects.get().owner_name == name.strip()[:300]
    ted = ted_with(tmp_path, "ted-20-157399.xml", "")
    text = ted.read_text(encoding="utf-8")
    start = text.index("<OFFICIALNAME>") + len("<OFFICIALNAME>")
    ted.write_text(text[:start] + "Lang " * 150 + text[start:], encoding="utf-8")
    import_notices(ted)
    assert len(Notice.objects.get(source="ted").buyer_name) == 500


def test_a_dry_run_validates_and_writes_nothing(tmp_path):
    out = io.StringIO()
    call_command("import", "notices", str(write_jsonl(tmp_path, notice_line())), "--dry-run", stdout=out)
    assert "Would import 1 notices: 1 new" in out.getvalue()
    assert not Notice.objects.exists()


def test_the_command_names_the_problems_and_fails(tmp_path):
    path = write_jsonl(tmp_path, notice_line(title=""))
    with pytest.raises(CommandError, match="line 1, field 'title'"):
        call_command("import", "notices", str(path), stdout=io.StringIO())


def test_the_command_lists_every_bad_line_however_many(tmp_path):
    lines = [notice_line(f"N-{n}", title="" if n % 2 else "Skolemat") for n in range(1, 141)]
    errors = io.StringIO()
    with pytest.raises(CommandError, match=r"70 problem\(s\), each listed above; nothing was imported"):
        call_command(
            "import", "notices", str(write_jsonl(tmp_path, *lines)), stdout=io.StringIO(), stderr=errors
        )
    listed = [line for line in errors.getvalue().splitlines() if "field 'title'" in line]
    assert len(listed) == 70
    assert "line 139, field 'title'" in listed[-1]
    assert not Notice.objects.exists()


def test_a_ted_notice_is_read_from_its_original_language_form():
    import_notices(DATA / "ted-20-157399.xml")
    notice = Notice.objects.get()
    assert notice.import_id == "154292-2020"
    assert notice.source == "ted"
    assert notice.title.startswith("Winter Maintenance of Municipal Roads and Spaces, Kåfjord Kommune")
    assert notice.buyer_name == "Kåfjord Kommune"
    assert notice.buyer_country == "NO"
    assert notice.buyer_orgnr == "940363586"
    assert notice.cpv[0] == "90620000"
    assert notice.published == datetime.date(2020, 3, 31)
    assert notice.language == "en"
    assert notice.url.startswith("http://ted.europa.eu/")


def test_a_ted_notice_links_to_its_page_in_its_own_language_not_the_first_listed(tmp_path):
    text = (DATA / "ted-20-157399.xml").read_text(encoding="utf-8")
    english = re.search(r"<URI_DOC LG=\"EN\">([^<]+)</URI_DOC>", text)
    danish = english.group(0).replace('LG="EN"', 'LG="DA"').replace(":TEXT:EN:", ":TEXT:DA:")
    (tmp_path / "notice.xml").write_text(
        text.replace(english.group(0), danish + english.group(0)), encoding="utf-8"
    )
    import_notices(tmp_path / "notice.xml")
    assert Notice.objects.get().url == english.group(1)


def test_a_folder_of_ted_notices_imports_each_file(tmp_path):
    for name in ["ted-20-157399.xml", "ted-20-382921.xml"]:
        shutil.copy(DATA / name, tmp_path / name)
    report = import_notices(tmp_path)
    assert report.created == 2
    uk = Notice.objects.get(import_id="373612-2020")
    assert uk.buyer_country == "GB"
    assert uk.cpv[:2] == ["65100000", "38421100"]


def test_broken_xml_is_reported_with_its_line(tmp_path):
    (tmp_path / "broken.xml").write_text("<TED_EXPORT>\n<CODED_DATA_SECTION>\n</TED_EXPORT>\n")
    with pytest.raises(NoticeImportError, match=r"broken.xml, line 3: not well-formed XML"):
        import_notices(tmp_path / "broken.xml")


def test_xml_with_entity_declarations_is_refused(tmp_path):
    path = tmp_path / "bomb.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<TED_EXPORT>&a;</TED_EXPORT>\n'
    )
    with pytest.raises(NoticeImportError, match=r"bomb\.xml: refused"):
        import_notices(path)


def test_an_ocds_release_is_read_with_its_items_cpv():
    import_notices(DATA / "ocds-uk-contracts-finder.json")
    notice = Notice.objects.get()
    assert notice.import_id == "ocds-b5fd17-2c330cf9-adc8-11e6-9901-0019b9f3037b"
    assert notice.source == "ocds"
    assert notice.title.startswith("Climate Science for Service Partnership")
    assert notice.cpv == ["73000000"]
    assert notice.buyer_name == "Met Office"
    assert notice.language == "en"  # en-GB in the release


def ocds_release(ocid, date, tender=None, tag="tender"):
    release = {"ocid": ocid, "id": f"{ocid}-{date}", "date": date, "tag": [tag], "language": "sv"}
    if tender is not None:
        release["tender"] = tender
    return release


def test_ocds_releases_of_one_process_merge_and_planning_only_processes_are_skipped(tmp_path):
    package = {
        "uri": "https://example.org/package.json",
        "releases": [
            ocds_release("ocds-x-1", "2024-01-01T00:00:00Z", None, tag="planning"),
            ocds_release(
                "ocds-x-2",
                "2024-02-01T00:00:00Z",
                {
                    "title": "Digital tillsyn",
                    "items": [{"classification": {"scheme": "CPV", "id": "48000000-8"}}],
                },
            ),
            ocds_release("ocds-x-2", "2024-03-01T00:00:00Z", {"description": "Kameror för nattillsyn"}),
        ],
    }
    path = tmp_path / "package.json"
    path.write_text(json.dumps(package))
    report = import_notices(path)
    assert (report.created, report.skipped) == (1, 1)
    notice = Notice.objects.get()
    assert (notice.title, notice.description, notice.cpv) == (
        "Digital tillsyn",
        "Kameror för nattillsyn",
        ["48000000"],
    )


def test_an_ocds_tender_without_a_title_is_named(tmp_path):
    path = tmp_path / "package.json"
    path.write_text(json.dumps({"releases": [ocds_release("ocds-x-9", "2024-01-01", {"description": "x"})]}))
    with pytest.raises(
        NoticeImportError, match=r"package.json, release 1 \(ocid ocds-x-9\), field 'tender.title'"
    ):
        import_notices(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(NoticeImportError, match="no such file or folder"):
        import_notices(tmp_path / "nowhere.jsonl")


def test_imported_notices_are_found_by_the_matcher_under_their_import_id(tmp_path):
    import_notices(
        write_jsonl(
            tmp_path,
            notice_line("DOFFIN-2024-101"),
            notice_line("other", title="Asfalt", description="Veidekke", cpv=["45233222"]),
        )
    )
    [answer] = answer_similar([Item("q", "trygghetsalarm for eldre som bor hjemme", "nb")], top=5)
    assert answer["matches"][0]["id"] == "DOFFIN-2024-101"
    assert answer["matches"][0]["kind"] == "notice"


def test_a_notice_keyed_by_a_whole_number_is_answered_with_that_number(client, tmp_path):
    import_notices(
        write_jsonl(
            tmp_path,
            notice_line(2024101),
            notice_line("2024102", title="Trygghetsalarm for hjemmeboende eldre"),
        )
    )
    [answer] = answer_similar([Item("q", "trygghetsalarm for eldre som bor hjemme", "nb")], top=5)
    assert sorted(map(repr, (match["id"] for match in answer["matches"]))) == ["'2024102'", "2024101"]
    assert client.get("/api/v1/notices/2024101").json()["id"] == 2024101  # the notices API agrees
    assert client.get("/api/v1/notices/2024102").json()["id"] == "2024102"
    # The same notice under the same key given as text is the same notice, answered as text from then on.
    report = import_notices(write_jsonl(tmp_path, notice_line("2024101"), name="again.jsonl"))
    assert (report.created, report.updated) == (0, 1)
    [answer] = answer_similar([Item("q", "trygghetsalarm for eldre som bor hjemme", "nb")], top=5)
    assert {match["id"] for match in answer["matches"]} == {"2024101", "2024102"}


def test_a_ted_award_notice_fills_its_awards_with_suppliers_values_and_sme_flags():
    report = import_notices(DATA / "ted-21-205737-award.xml")
    notice = Notice.objects.get()
    [award] = notice.awards.all()
    assert (award.supplier_name, award.supplier_country, award.is_sme) == ("Cellnex UK Ltd", "GB", False)
    assert (str(award.value), award.currency) == ("118114040.00", "GBP")
    assert award.awarded_on == datetime.date(2021, 1, 21)
    assert report.created == 1
    assert import_notices(DATA / "ted-21-205737-award.xml").unchanged == 1


def test_ocds_awards_fill_suppliers_and_a_changed_award_updates_the_notice(tmp_path):
    def package(amount):
        release = ocds_release("ocds-x-5", "2024-05-01T00:00:00Z", {"title": "Digitalt tilsyn"}, tag="award")
        release["parties"] = [
            {
                "id": "S1",
                "name": "Sensor AS",
                "identifier": {"scheme": "NO-BRC", "id": "999000029"},
                "details": {"scale": "sme"},
            }
        ]
        release["awards"] = [
            {
                "id": "A1",
                "status": "active",
                "date": "2024-05-01",
                "value": {"amount": amount, "currency": "NOK"},
                "suppliers": [{"id": "S1", "name": "Sensor AS"}],
            }
        ]
        return {"releases": [release]}

    path = tmp_path / "awards.json"
    path.write_text(json.dumps(package(250000)))
    import_notices(path)
    award = Notice.objects.get().awards.get()
    assert (award.supplier_name, award.supplier_orgnr, award.is_sme, award.value) == (
        "Sensor AS",
        "999000029",
        True,
        250000,
    )
    path.write_text(json.dumps(package(300000)))
    assert import_notices(path).updated == 1
    assert Notice.objects.get().awards.get().value == 300000


def test_a_notice_from_one_format_is_not_replaced_by_another_with_the_same_id(tmp_path):
    import_notices(DATA / "ted-21-205737-award.xml")
    ted = Notice.objects.get()
    awards = ted.awards.count()
    path = write_jsonl(tmp_path, notice_line(ted.import_id, title="Noe annet"))
    with pytest.raises(NoticeImportError, match=r"belongs to a notice imported from TED XML"):
        import_notices(path)
    ted.refresh_from_db()
    assert (ted.source, ted.awards.count()) == ("ted", awards)
    assert ted.title != "Noe annet"


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        ({"releases": "abc"}, r"package.json, field 'releases': expected a list"),
        ({"records": [{"releases": None}]}, r"field 'records.releases': expected a list"),
        ({"releases": [{"ocid": "ocds-x-1", "tender": ["a"]}]}, r"field 'tender': expected an object"),
        ({"releases": [{"ocid": "ocds-x-1", "tender": "x"}]}, r"field 'tender': expected an object"),
        (
            {"releases": [{"ocid": "ocds-x-1", "tender": {"title": "T", "tenderPeriod": "2024"}}]},
            r"field 'tender.tenderPeriod': expected an object",
        ),
        (
            {
                "releases": [
                    {
                        "ocid": "ocds-x-1",
                        "tender": {"title": "T"},
                        "parties": [{"id": ["a"], "details": {"scale": ["sme"]}}],
                        "awards": [{"suppliers": [{"id": ["a"], "name": "AS"}], "value": {"amount": 1e300}}],
                    }
                ]
            },
            r"field 'awards.value.amount': 1e\+300 is too large",
        ),
        (
            {
                "releases": [
                    {
                        "ocid": "ocds-x-1",
                        "tender": {"title": "T"},
                        "awards": [
                            {"suppliers": [{"name": "AS"}], "value": {"amount": 5, "currency": "EURO"}}
                        ],
                    }
                ]
            },
            r"'EURO' is not a currency code",
        ),
        (
            # A record that points at its releases (as Paraguay publishes them), with no compiledRelease.
            {
                "records": [
                    {
                        "ocid": "ocds-x-2",
                        "releases": [
                            {
                                "url": "https://example.org/planning/2.json",
                                "date": "2014-11-20",
                                "tag": ["planning"],
                            }
                        ],
                    }
                ]
            },
            r"field 'records\[1\].releases': the releases are links \(url, date, tag\), not the releases",
        ),
        ({"releases": []}, r"package.json: holds no releases"),
        ({"records": []}, r"package.json: holds no releases"),
    ],
)
def test_ocds_of_the_wrong_shape_is_refused_with_its_place(tmp_path, package, expected):
    path = tmp_path / "package.json"
    path.write_text(json.dumps(package))
    with pytest.raises(NoticeImportError, match=expected):
        import_notices(path)
    assert not Notice.objects.exists()


def test_json_nested_too_deeply_is_refused_plainly(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(NoticeImportError, match=r"deep.json: nested too deeply"):
        import_notices(path)
    lines = write_jsonl(tmp_path, "[" * 100_000 + "]" * 100_000)
    with pytest.raises(NoticeImportError, match=r"notices.jsonl, line 1: nested too deeply"):
        import_notices(lines)


def ted_with(tmp_path, original: str, replace: str) -> Path:
    text = (DATA / original).read_text(encoding="utf-8")
    path = tmp_path / "notice.xml"
    path.write_text(text.replace(*replace.split("=>")) if replace else text, encoding="utf-8")
    return path


def test_a_ted_notice_without_its_original_language_is_still_read(tmp_path):
    import re

    text = re.sub(r"<LG_ORIG>[^<]*</LG_ORIG>", "", (DATA / "ted-20-157399.xml").read_text(encoding="utf-8"))
    (tmp_path / "notice.xml").write_text(text, encoding="utf-8")
    assert import_notices(tmp_path / "notice.xml").created == 1


def test_a_ted_award_value_too_large_or_negative_is_refused(tmp_path):
    import re

    original = (DATA / "ted-21-205737-award.xml").read_text(encoding="utf-8")
    assert "<VAL_TOTAL" in original
    for value, reason in (("123456789012345678901234567890", "too large"), ("-5", "negative")):
        text = re.sub(r"(<VAL_TOTAL[^>]*>)[^<]*(</VAL_TOTAL>)", rf"\g<1>{value}\g<2>", original)
        (tmp_path / "award.xml").write_text(text, encoding="utf-8")
        with pytest.raises(NoticeImportError, match=rf"award.xml, field 'VAL_TOTAL': .*{reason}"):
            import_notices(tmp_path / "award.xml")
        assert not Notice.objects.exists()


def test_json_lines_name_the_line_of_an_encoding_fault_and_accept_a_bom(tmp_path):
    path = tmp_path / "notices.jsonl"
    good = json.dumps(notice_line("N-1")).encode()
    path.write_bytes(
        b"\xef\xbb\xbf"
        + good
        + b"\n\n"
        + json.dumps(notice_line("N-2", title="Bl\u00e5"), ensure_ascii=False).encode("latin-1")
        + b"\n"
    )
    with pytest.raises(NoticeImportError, match=r"notices.jsonl, line 3: not UTF-8 text"):
        import_notices(path)
    path.write_bytes(b"\xef\xbb\xbf" + good + b"\n")
    assert import_notices(path).created == 1


def test_an_empty_file_is_not_a_successful_import(tmp_path):
    (tmp_path / "empty.jsonl").write_text("\n\n")
    with pytest.raises(NoticeImportError, match=r"empty.jsonl: holds no notices"):
        import_notices(tmp_path / "empty.jsonl")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"published": "2024-03-01garbage"}, r"field 'published': '2024-03-01garbage' is not a date"),
        ({"id": 1.5}, r"field 'id': must be text or a whole number, not 1.5"),
    ],
)
def test_json_lines_fields_are_read_whole(tmp_path, fields, expected):
    with pytest.raises(NoticeImportError, match=expected):
        import_notices(write_jsonl(tmp_path, notice_line(**fields)))


def test_problems_in_a_folder_name_the_file_below_it(tmp_path):
    (tmp_path / "2024" / "mars").mkdir(parents=True)
    write_jsonl(tmp_path / "2024" / "mars", notice_line(title=""))
    with pytest.raises(NoticeImportError, match=r"2024/mars/notices.jsonl, line 1, field 'title'"):
        import_notices(tmp_path)


def test_a_nul_character_is_refused_with_its_line_on_every_database(tmp_path):
    path = write_jsonl(tmp_path, notice_line("N-1"), notice_line("N-2", title="Ti\u0000tel"))
    with pytest.raises(
        NoticeImportError, match=r"notices.jsonl, line 2, field 'title': holds a NUL character"
    ):
        import_notices(path)
    assert not Notice.objects.exists()


def test_a_lone_surrogate_is_refused_with_its_line_not_a_crash(tmp_path):
    path = write_jsonl(tmp_path, notice_line("N-1"), notice_line("N-2", title="Vei \ud800 vedlikehold"))
    with pytest.raises(
        NoticeImportError,
        match=r"notices.jsonl, line 2, field 'title': holds a lone surrogate \(\\ud800\) at character 5",
    ):
        import_notices(path)
    assert not Notice.objects.exists()
