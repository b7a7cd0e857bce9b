"""Looking one organisation up in Enhetsregisteret's open API, and storing what it says.

GET {BRREG_API_URL}/enheter/{orgnr} with Accept: application/json, standard library only. The answer
goes through the same reading (`skala.orgs.brreg.unit_from_json`) and the same flags and upsert
(`skala.orgs.brreg_import.store`) as the bulk import, so a looked-up unit is stored exactly as the
bulk file would have stored it.
"""

import json
import logging
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings

from skala.orgs.brreg import PATHS, FieldError, Unit, unit_from_json
from skala.orgs.brreg_import import store
from skala.orgs.identifiers import normalise_norwegian_orgnr
from skala.orgs.models import RegistryEntry

logger = logging.getLogger(__name__)

# 404: no unit has the number. 410: the unit has been deleted from the register.
NOT_FOUND = frozenset({404, 410})


class BrregApiError(Exception):
    """The register's API could not be reached or gave an answer that cannot be used."""


def unit_url(orgnr: str, base_url: str | None = None) -> str:
    base = (base_url or settings.BRREG_API_URL).rstrip("/")
    if urlsplit(base).scheme not in ("http", "https"):
        raise BrregApiError(f"BRREG_API_URL must be an http(s) address, not {base!r}.")
    return f"{base}/enheter/{orgnr}"


def lookup(orgnr: str, *, base_url: str | None = None, timeout: float | None = None) -> Unit | None:
    """The unit with this organisation number, or None when the register has no such unit.

    The number is validated first (ValidationError); any other failure is a BrregApiError.
    """
    orgnr = normalise_norwegian_orgnr(orgnr)
    url = unit_url(orgnr, base_url)
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "Skala"})
    try:
        # The scheme is checked in unit_url: no file:// or other surprises from a bad setting.
        with urllib.request.urlopen(request, timeout=timeout or settings.BRREG_API_TIMEOUT) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        error.close()
        if error.code in NOT_FOUND:
            return None
        raise BrregApiError(f"Enhetsregisteret answered HTTP {error.code} for {url}.") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise BrregApiError(f"Enhetsregisteret could not be reached at {url}: {reason}.") from None
    try:
        answer = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BrregApiError(f"Enhetsregisteret's answer for {url} is not valid JSON ({error}).") from None
    try:
        unit = unit_from_json(answer)
    except FieldError as error:
        field = PATHS.get(error.key, error.key)
        raise BrregApiError(
            f"Enhetsregisteret's answer for {url}: {field or 'the unit'} {error.reason}."
        ) from None
    if unit.orgnr != orgnr:
        raise BrregApiError(f"Enhetsregisteret answered with unit {unit.orgnr} for {url}.")
    return unit


def refresh(orgnr: str, *, base_url: str | None = None, timeout: float | None = None) -> RegistryEntry | None:
    """Look the unit up and create or update its entry; None (and nothing changed) when it is not found."""
    unit = lookup(orgnr, base_url=base_url, timeout=timeout)
    if unit is None:
        logger.info("Enhetsregisteret has no unit %s", orgnr)
        return None
    return store(unit)
