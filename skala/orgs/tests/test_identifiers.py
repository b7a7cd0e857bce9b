import pytest
from django.core.exceptions import ValidationError

from skala.orgs.identifiers import normalise_norwegian_orgnr, normalise_orgnr, normalise_swedish_orgnr


@pytest.mark.parametrize(
    ("given", "expected"),
    [("958935420", "958935420"), ("958 935 420", "958935420"), ("889640782", "889640782")],
)
def test_valid_norwegian_numbers_are_normalised(given, expected):
    assert normalise_norwegian_orgnr(given) == expected


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("958935421", "orgnr_check_digit"),
        ("12345678", "orgnr_format"),
        ("95893542a", "orgnr_format"),
        # 99900000 + any digit: the mod-11 remainder gives 10, which no valid number has.
        ("000000010", "orgnr_check_digit"),
    ],
)
def test_invalid_norwegian_numbers_are_refused(given, code):
    with pytest.raises(ValidationError) as raised:
        normalise_norwegian_orgnr(given)
    assert raised.value.code == code


@pytest.mark.parametrize(
    ("given", "expected"),
    [("212000-0142", "212000-0142"), ("2120000142", "212000-0142"), ("162120000142", "212000-0142")],
)
def test_valid_swedish_numbers_are_normalised(given, expected):
    assert normalise_swedish_orgnr(given) == expected


@pytest.mark.parametrize("given", ["212000-0143", "21200-0142", "abcdef-ghij"])
def test_invalid_swedish_numbers_are_refused(given):
    with pytest.raises(ValidationError):
        normalise_swedish_orgnr(given)


def test_other_countries_numbers_pass_trimmed():
    assert normalise_orgnr("DK", " 12345678 ") == "12345678"
