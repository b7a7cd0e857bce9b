"""Response headers Django does not set itself, and a cap on the size of a request's body.

Django's SecurityMiddleware already sends X-Content-Type-Options, Referrer-Policy,
Cross-Origin-Opener-Policy and (in production) HSTS; XFrameOptionsMiddleware sends X-Frame-Options.
This adds the Content-Security-Policy (Django 5.2 has none built in) and the Permissions-Policy.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

# Browser features no page of Skala uses: a page, or a script injected into one, cannot ask for them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


def content_security_policy(*, frame_ancestors: str, upgrade: bool) -> str:
    """The policy: everything from Skala's own origin, no inline or evaluated script, no plugins.

    Style attributes stay allowed (style-src-attr) because pages draw bars and colours with
    style="width: 40%" computed on the server, and htmx swaps such fragments in; <style> elements and
    stylesheets from elsewhere are refused. No inline script is allowed anywhere.
    """
    directives = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        # Swagger UI's stylesheet draws its icons as data: images.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ]
    if upgrade:
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)


class SecurityHeadersMiddleware:
    """Send the Content-Security-Policy and Permissions-Policy on every response.

    A response that a view marked with @xframe_options_exempt (the wall screen) may be framed by
    the origins in SKALA_WALL_FRAME_ANCESTORS; every other response may not be framed at all.
    A view that sets its own Content-Security-Policy keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        upgrade = settings.PRODUCTION
        self.policy = content_security_policy(frame_ancestors="'none'", upgrade=upgrade)
        self.framed_policy = content_security_policy(
            frame_ancestors=" ".join(settings.SKALA_WALL_FRAME_ANCESTORS) or "'none'", upgrade=upgrade
        )

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            framed = getattr(response, "xframe_options_exempt", False)
            response["Content-Security-Policy"] = self.framed_policy if framed else self.policy
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class RequestSizeMiddleware:
    """Refuse a request whose declared body is larger than any upload Skala accepts, before it is read.

    Django caps form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams files to disk whatever their
    size; the file validators then refuse them. This stops a huge body at the door instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit = settings.SKALA_MAX_UPLOAD_SIZE + (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.limit:
            return HttpResponse(
                _("The request is larger than %(megabytes)s MB, the most Skala accepts.")
                % {"megabytes": round(self.limit / 1_000_000)},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class NulCharacterMiddleware:
    """Refuse text with a NUL character in the address, a form or a JSON body, naming the field.

    No text column can keep it (PostgreSQL refuses it outright), so a search or a save that carried
    one answered 500; found by fuzzing the API (skala/security/tests/test_api_fuzz.py). Files are
    left alone: an upload may hold any bytes, and its own validator reads it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            field = self.field_with_nul(request)
        except RequestDataTooBig:
            # A body over DATA_UPLOAD_MAX_MEMORY_SIZE: said here, where it is first read.
            if request.path.startswith("/api/"):  # the API speaks English, as its other messages
                return JsonResponse(
                    {"detail": "The request body is larger than this server accepts."}, status=413
                )
            message = _("The request body is larger than this server accepts.")
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        if field is None:
            return self.get_response(request)
        message = _("The field %(field)s holds a NUL character, which text in Skala cannot contain.") % {
            "field": field
        }
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")

    @staticmethod
    def field_with_nul(request) -> str | None:
        """The name of the first parameter or field with a NUL character in it, if any."""
        forms = [request.GET]
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            forms.append(request.POST)
        for form in forms:
            for name, values in form.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return name.replace("\x00", "\\0")
        if content_type.startswith("application/json") and (
            b"\\u0000" in request.body or b"\x00" in request.body
        ):
            return "body"
        return None
