"""A refusal is one line in the log; a server error keeps its traceback."""

import logging
import sys

from skala.ops.log_filters import RefusalsWithoutTraceback


def record(status: int) -> logging.LogRecord:
    try:
        raise PermissionError("refused")
    except PermissionError:
        made = logging.LogRecord("django.request", logging.WARNING, "", 0, "Forbidden", (), sys.exc_info())
    made.status_code = status
    return made


def test_a_refusal_loses_its_traceback_and_a_server_error_keeps_it():
    keep = RefusalsWithoutTraceback()
    refused, failed = record(403), record(500)
    assert keep.filter(refused)
    assert keep.filter(failed)
    assert refused.exc_info is None
    assert failed.exc_info is not None
    assert "Traceback" in logging.Formatter().format(failed)
    assert "Traceback" not in logging.Formatter().format(refused)
