"""Saying in words why a document matched (skala.matching's Why), the same way on every page."""

import functools

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from skala.matching.index import Why

register = template.Library()

LEVELS = {
    "division": gettext_lazy("division"),
    "group": gettext_lazy("group"),
    "class": gettext_lazy("class"),
    "category": gettext_lazy("category"),
    "code": gettext_lazy("code"),
}


@functools.lru_cache(maxsize=4096)
def cpv_label(code: str, language: str) -> str:
    """A code's label in the page's language: a code alone tells a buyer little. The vocabulary is
    reference data, so what was read once is kept."""
    from skala.reference.models import CpvCode

    found = CpvCode.objects.filter(code8=code.split("-")[0]).first()
    return found.label(language) if found else ""


@register.filter
def reasons(why: Why) -> list[str]:
    """The reasons, each a short phrase: shared words, shared word parts, CPV, meaning."""
    said = []
    if why.words or why.terms:
        said.append(_("shared words: %(words)s") % {"words": ", ".join(why.words or why.terms)})
    if why.parts:
        said.append(_("words that share a part: %(words)s") % {"words": ", ".join(why.parts)})
    if why.cpv:
        level, code = why.cpv
        said.append(
            _("same CPV %(level)s %(code)s") % {"level": LEVELS.get(level, level), "code": code}
            + (f" {label}" if (label := cpv_label(code, get_language() or "")) else "")
        )
    if why.embedding is not None:
        said.append(_("similar meaning %(score)s") % {"score": number_format(why.embedding, 2)})
    return said
