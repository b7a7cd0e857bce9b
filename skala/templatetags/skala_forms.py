"""Template helpers that make forms accessible without repeating markup on every page."""

from django import template
from django.forms import BoundField

register = template.Library()


@register.filter
def accessible(field: BoundField):
    """Render the widget tied to its help text and errors, and marked invalid when it is."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_help")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
    attrs = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
    if field.field.required:
        attrs["required"] = True
    return field.as_widget(attrs=attrs)
