import pytest

from skala.matching.languages import MULTILINGUAL, detect_language, normalise_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Velferdsteknologi for hjemmeboende eldre som trenger tilsyn om natten", "nb"),
        ("Velferdsteknologi for heimebuande eldre, kva treng dei om natta", "nn"),
        ("Välfärdsteknik för äldre i hemtjänsten som behöver tillsyn på natten", "sv"),
        ("Velfærdsteknologi til ældre borgere i hjemmeplejen, som har brug for tilsyn", "da"),
        ("Welfare technology for elderly people who need supervision at night", "en"),
    ],
)
def test_detects_the_five_languages(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "42", "Ab"])
def test_too_little_text_is_multilingual(text):
    assert detect_language(text) == MULTILINGUAL


@pytest.mark.parametrize(
    ("given", "expected"),
    [("no", "nb"), ("sv-SE", "sv"), ("NN", "nn"), ("de", MULTILINGUAL), (None, MULTILINGUAL)],
)
def test_given_languages_are_normalised_and_unknown_ones_become_multilingual(given, expected):
    assert normalise_language(given) == expected
