"""The API's pagination: django-ninja's limit and offset, with an offset no database refuses.

An offset past 2**63 - 1 is more than SQLite and PostgreSQL can take as a number, and answered a 500;
a bound far beyond any real list answers 422 instead (found by fuzzing the schema).
"""

from ninja import Field, Schema
from ninja.conf import settings
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination

MAX_OFFSET = 2**31 - 1


class LimitOffsetPagination(NinjaLimitOffsetPagination):
    """limit (1 to NINJA_PAGINATION_MAX_LIMIT) and offset (0 to MAX_OFFSET) in the query string."""

    class Input(Schema):
        limit: int = Field(settings.PAGINATION_PER_PAGE, ge=1, le=settings.PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
