"""Deployment checks for the security settings. Ids are stable: docs/settings.md lists them."""

from django.conf import settings
from django.core.checks import Info, Tags, register


@register(Tags.security, deploy=True)
def security_configuration(app_configs, **kwargs):
    """Say when login throttling counts less well than it could, or no real security contact is named."""
    if not settings.PRODUCTION:
        return []
    notes = []
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        notes.append(
            Info(
                "Failed logins are counted in each web process's own memory.",
                hint="Set REDIS_URL so every process shares the count; until then each process "
                "allows the limits on its own.",
                id="skala.I008",
            )
        )
    if not settings.SKALA_CLIENT_IP_HEADER:
        notes.append(
            Info(
                "Failed logins per address are counted by REMOTE_ADDR.",
                hint="Behind a proxy every visitor has the proxy's address: set SKALA_CLIENT_IP_HEADER "
                "(e.g. HTTP_X_FORWARDED_FOR) to the header the proxy writes the visitor's address in.",
                id="skala.I009",
            )
        )
    if settings.SKALA_SECURITY_CONTACT == "mailto:security@skala.example":
        notes.append(
            Info(
                "/.well-known/security.txt names the example security contact.",
                hint="Set SKALA_SECURITY_CONTACT to where this deployment's operator takes reports "
                "(mailto: or https:).",
                id="skala.I010",
            )
        )
    if not settings.SKALA_ACCESSIBILITY_CONTACT:
        notes.append(
            Info(
                "The accessibility statement names no contact for reporting accessibility problems.",
                hint="Set SKALA_ACCESSIBILITY_CONTACT to the operator's e-mail address or web form; "
                "Norway's regulation on universal design of ICT asks for one.",
                id="skala.I011",
            )
        )
    return notes
