"""Site-wide pages: the front page and the health check."""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from skala.orgs.models import Organisation
from skala.reference.models import CpvCode, Municipality

logger = logging.getLogger(__name__)


@require_GET
def home(request):
    """What Skala is, and where to go next."""
    figures = {
        "organisations": Organisation.objects.count(),
        "cpv_codes": CpvCode.objects.count(),
        "municipalities": Municipality.objects.count(),
    }
    return render(request, "skala/home.html", {"figures": figures})


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
