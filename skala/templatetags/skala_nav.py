"""The main navigation says where the person is (aria-current), for the eye and for screen readers."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

register = template.Library()


def within(path: str, target: str) -> bool:
    return path == target or path.startswith(target.rstrip("/") + "/")


@register.simple_tag(takes_context=True)
def nav_current(context, url_name: str) -> str:
    """` aria-current="page"` on the link of the section the page is in: the link whose address is the
    longest that the page's address starts with (notices at /procedures/notices/ are not procurements
    at /procedures/)."""
    request = context.get("request")
    if request is None:
        return ""
    try:
        target = reverse(url_name)
    except NoReverseMatch:
        return ""
    if not within(request.path, target):
        return ""
    longer = getattr(request, "_skala_nav_targets", [])
    if any(len(other) > len(target) and within(request.path, other) for other in longer):
        return ""
    return format_html(' aria-current="{}"', "page")


@register.simple_tag(takes_context=True)
def nav_targets(context, *url_names: str) -> str:
    """Tell nav_current every link of the navigation, so that only the most specific one is current."""
    request = context.get("request")
    if request is not None:
        targets = []
        for name in url_names:
            try:
                targets.append(reverse(name))
            except NoReverseMatch:
                continue
        request._skala_nav_targets = targets
    return ""
