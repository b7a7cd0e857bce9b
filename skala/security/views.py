"""/.well-known/security.txt (RFC 9116): where to report a vulnerability in this deployment of Skala."""

import datetime

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe


@require_safe
def security_txt(request):
    """The contact from SKALA_SECURITY_CONTACT (and the policy, when given), valid for a year from now."""
    expires = (timezone.now() + datetime.timedelta(days=365)).replace(microsecond=0)
    lines = [
        f"Contact: {settings.SKALA_SECURITY_CONTACT}",
        f"Expires: {expires.astimezone(datetime.UTC).isoformat().replace('+00:00', 'Z')}",
        "Preferred-Languages: nb, sv, en",
        f"Canonical: {settings.SITE_URL}/.well-known/security.txt",
    ]
    if settings.SKALA_SECURITY_POLICY_URL:
        lines.append(f"Policy: {settings.SKALA_SECURITY_POLICY_URL}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
