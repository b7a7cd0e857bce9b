"""Logging filters for operations."""

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """A refused request (403) is logged on one line, without the traceback Django attaches.

    A refusal is Skala working as meant; a traceback per refusal buries the real errors in the log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
