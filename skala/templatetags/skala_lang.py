"""The language of what people wrote, marked in the page (WCAG 3.1.2): a Swedish need on an English
page is read by a screen reader in Swedish."""

import re

from django import template
from django.utils.html import format_html

register = template.Library()

# ISO 639-2 codes TED and OCDS write, and the BCP 47 tag a browser knows them by.
THREE_LETTER = {"nob": "nb", "nno": "nn", "nor": "no", "swe": "sv", "dan": "da", "eng": "en", "fin": "fi"}


@register.filter
def lang_attr(thing) -> str:
    """` lang="sv"` for an object whose `language` is a language (or whose `written_language` is, when
    it knows how to tell); nothing for "mul" (several, or not known) or an empty one, which then take
    the page's language."""
    code = (getattr(thing, "written_language", None) or getattr(thing, "language", "") or "").strip().lower()
    code = THREE_LETTER.get(code, code)
    if not re.fullmatch(r"[a-z]{2,3}", code) or code in {"mul", "und", "zxx"}:
        return ""
    return format_html(' lang="{}"', code)
