"""Numbers as people read them: shares as percentages in the reader's locale."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(share, decimals: int = 1) -> str:
    """0.2413 → "24.1 %" ("24,1 %" in Norwegian and Swedish); nothing for no value."""
    if share is None or share == "":
        return ""
    return f"{number_format(float(share) * 100, int(decimals))} %"
