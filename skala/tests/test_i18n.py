"""Languages: nb by default, sv and en; the language is in the URL; every string is translated."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[1] / "locale"

pytestmark = pytest.mark.django_db


def test_the_front_page_redirects_to_norwegian(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/nb/"


def test_the_front_page_follows_the_browsers_language(client):
    response = client.get("/", headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert response["Location"] == "/sv/"


@pytest.mark.parametrize(
    ("language", "text"),
    [("nb", "Hopp til hovedinnhold"), ("sv", "Hoppa till huvudinnehåll"), ("en", "Skip to main content")],
)
def test_pages_speak_the_language_in_the_url(client, language, text):
    response = client.get(f"/{language}/organisations/")
    assert f'lang="{language}"' in response.text
    assert text in response.text


def test_the_switcher_links_to_the_same_page_in_each_language(client):
    response = client.get("/nb/reference/cpv/?q=skole")
    assert 'href="/sv/reference/cpv/?q=skole"' in response.text
    assert 'href="/en/reference/cpv/?q=skole"' in response.text
    assert 'aria-current="true"' in response.text


def message_statistics(po_file: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is not installed")
@pytest.mark.parametrize("language", ["nb", "sv"])
def test_every_message_is_translated(language):
    statistics = message_statistics(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert re.fullmatch(r"\d+ translated messages?\.\n", statistics), statistics


def msgids(po_file: Path) -> set[str]:
    """Every message id in a catalogue, with wrapped lines joined; obsolete entries left out."""
    ids, current, collecting = set(), None, False
    for line in po_file.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            current, collecting = line[7:-1], True
        elif collecting and line.startswith('"'):
            current += line[1:-1]
        else:
            if collecting and current:
                ids.add(current)
            collecting = False
    return ids


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_the_catalogues_hold_every_string_in_the_code(tmp_path):
    """A string added to code or templates but not to the catalogues fails here: run make makemessages."""
    source = Path(__file__).resolve().parents[1]
    copy = tmp_path / "skala"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("tests", "__pycache__", "*.mo", "data"))
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "nb", "--no-location"],
        cwd=copy,
        env=environment,
        check=True,
        capture_output=True,
    )
    extracted = msgids(copy / "locale" / "nb" / "LC_MESSAGES" / "django.po")
    for language in ["nb", "sv"]:
        missing = sorted(extracted - msgids(LOCALE / language / "LC_MESSAGES" / "django.po"))
        assert missing == [], f"not in the {language} catalogue: {missing[:10]}"


def test_english_dates_read_day_before_month_on_a_24_hour_clock():
    """Django's American "02/10/2027 9 a.m." is misread in the Nordics."""
    import datetime

    from django.utils import formats, translation

    moment = datetime.datetime(2027, 2, 10, 9, 0)
    with translation.override("en"):
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == "2027-02-10"
        assert formats.date_format(moment, "DATE_FORMAT") == "10 February 2027"
        assert formats.time_format(moment.time()) == "09:00"
    with translation.override("nb"):
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == "10.02.2027"
