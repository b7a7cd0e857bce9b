"""Organisation numbers: Norway's organisasjonsnummer and Sweden's organisationsnummer."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NORWEGIAN_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def norwegian_check_digit(first_eight: str) -> int | None:
    """The mod-11 check digit for the first eight digits; None where no digit is valid."""
    remainder = sum(int(d) * w for d, w in zip(first_eight, NORWEGIAN_WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        return 0
    return None if check == 10 else check


def normalise_norwegian_orgnr(value: str) -> str:
    """Validate a Norwegian organisation number and return its nine digits (spaces removed)."""
    digits = re.sub(r"[\s.]", "", value or "")
    if not re.fullmatch(r"\d{9}", digits):
        raise ValidationError(
            _("A Norwegian organisation number has nine digits, as 974 760 673."),
            code="orgnr_format",
        )
    if norwegian_check_digit(digits[:8]) != int(digits[8]):
        raise ValidationError(
            _("%(value)s is not a valid organisation number: the check digit does not match."),
            code="orgnr_check_digit",
            params={"value": digits},
        )
    return digits


def luhn_valid(digits: str) -> bool:
    """True when the digits pass the Luhn (mod-10) check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def normalise_swedish_orgnr(value: str) -> str:
    """Validate a Swedish organisationsnummer and return it as NNNNNN-NNNN."""
    digits = re.sub(r"[\s-]", "", value or "")
    if len(digits) == 12 and digits.startswith("16"):
        # The twelve-digit form some registers use prefixes the century-like "16".
        digits = digits[2:]
    if not re.fullmatch(r"\d{10}", digits):
        raise ValidationError(
            _("A Swedish organisation number has ten digits, as 212000-0142."), code="orgnr_format"
        )
    if not luhn_valid(digits):
        raise ValidationError(
            _("%(value)s is not a valid organisation number: the check digit does not match."),
            code="orgnr_check_digit",
            params={"value": f"{digits[:6]}-{digits[6:]}"},
        )
    return f"{digits[:6]}-{digits[6:]}"


NORMALISERS = {"NO": normalise_norwegian_orgnr, "SE": normalise_swedish_orgnr}


def normalise_orgnr(country: str, value: str) -> str:
    """Validate and normalise an organisation number for its country; other countries pass trimmed."""
    normaliser = NORMALISERS.get(country)
    return normaliser(value) if normaliser else (value or "").strip()
