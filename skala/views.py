"""Site-wide pages: the front page, the API reference, the accessibility statement and the health check."""

import logging
from functools import cache

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from skala.api import reference

logger = logging.getLogger(__name__)


@require_GET
def home(request):
    """What Skala is and where to go next; for a signed-in person, what waits for them."""
    from skala import home as front

    work = front.work_of(request.user) if request.user.is_authenticated else None
    return render(request, "skala/home.html", {"figures": front.figures(), "work": work})


@never_cache
@require_GET
def healthz(request):
    """200 when Skala can reach its database; 503 otherwise, for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Health check cannot reach the database: %s", error)
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@cache
def api_schema() -> dict:
    """The API's OpenAPI schema; it is fixed while the process runs."""
    from skala.api import api

    return api.get_openapi_schema(path_prefix="/api/v1/")


@require_GET
def api_reference(request):
    """Every operation and schema of the JSON API on an accessible page of Skala's own."""
    schema = api_schema()
    context = {
        "info": schema.get("info", {}),
        "groups": reference.operations(schema),
        "schemas": reference.schemas(schema),
    }
    return render(request, "skala/api_reference.html", context)


@require_GET
def privacy_statement(request):
    """What Skala keeps about people, why, and what they can do about it."""
    context = {
        "contact": settings.SKALA_PRIVACY_CONTACT,
        "overview_url": reverse("privacy:overview"),
        "account_url": reverse("account"),
    }
    return render(request, "skala/privacy_statement.html", context)


def accessibility(request):
    """The accessibility statement: what Skala meets, how it is checked, what it does not yet meet."""
    context = {"contact": settings.SKALA_ACCESSIBILITY_CONTACT, "reference_url": reverse("api_reference")}
    return render(request, "skala/accessibility.html", context)
