"""The error handler tells a database outage (503, with a message) from a bug (Django's 500 page)."""

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory
from django.utils import translation

from skala.ops.views import server_error


def handled(path: str, error: Exception, **headers):
    """What handler500 answers for `path` while `error` is being handled, as Django calls it."""
    request = RequestFactory().get(path, **headers)
    with translation.override("en"):  # the language the assertions read, whatever nb says
        try:
            raise error
        except type(error):
            return server_error(request)


@pytest.mark.parametrize(
    "error", [OperationalError("connection refused"), InterfaceError("connection closed")]
)
def test_a_page_says_the_database_is_away_with_a_503(error):
    response = handled("/en/needs/", error)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "cannot reach its database" in response.content.decode()
    assert "connection refused" not in response.content.decode()


def test_the_api_answers_json_while_the_database_is_away():
    response = handled("/api/v1/needs", OperationalError("server closed the connection unexpectedly"))
    assert response.status_code == 503
    assert "cannot reach its database" in json.loads(response.content)["detail"]


def test_any_other_error_is_still_the_500_page():
    response = handled("/en/needs/", ValueError("a bug"))
    assert response.status_code == 500
