"""The error page that tells a database outage apart from a bug."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger(__name__)

# How long a client should wait before asking again while the database is away.
RETRY_AFTER_SECONDS = 5


def database_unavailable(exception: BaseException | None) -> bool:
    """True for the errors of a database that cannot be reached or was restarted under us."""
    return isinstance(exception, OperationalError | InterfaceError)


def server_error(request):
    """handler500: a 503 with a message while the database cannot be reached, else Django's 500 page.

    Django calls this inside its exception handler, so the exception is the one being handled.
    """
    exception = sys.exc_info()[1]
    if not database_unavailable(exception):
        return django_server_error(request)
    logger.warning("Database unavailable for %s: %s", request.path, exception)
    message = _("Skala cannot reach its database just now. Please try again in a moment.")
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = render(request, "ops/503.html", {"message": message}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
