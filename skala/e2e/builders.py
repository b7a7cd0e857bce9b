"""Data the browser flows start from, made directly: what a flow tests is done through the pages."""

from skala.needs.models import Need, NeedStatus
from skala.needs.services import sync_to_corpus
from skala.reference.models import CpvCode, cpv_level

# Social work services, as CPV 2008 names it (the reference data is emptied by earlier live-server tests).
SOCIAL_WORK = ("85310000", "5", "Social work services", "Sosialtjenester", "Socialt arbete")


def cpv_code(code8: str, check_digit: str, label_en: str, label_nb: str, label_sv: str) -> CpvCode:
    """One CPV code, from the reference data when it is loaded, else made with its real labels."""
    labels = {"label_en": label_en, "label_nb": label_nb, "label_sv": label_sv}
    code, _created = CpvCode.objects.get_or_create(
        code8=code8,
        defaults={
            "check_digit": check_digit,
            "level": cpv_level(code8),
            "label_da": label_en,
            "label_fi": label_en,
            **labels,
            **{f"search_{key[-2:]}": value.casefold() for key, value in labels.items()},
        },
    )
    return code


def published_need(organisation, title: str, problem: str, *, cpv: tuple = SOCIAL_WORK) -> Need:
    """A public, published need with one CPV code, known to the matcher."""
    need = Need.objects.create(
        organisation=organisation, title=title, problem=problem, status=NeedStatus.PUBLISHED
    )
    need.cpv_codes.set([cpv_code(*cpv)])
    sync_to_corpus(need)
    return need
