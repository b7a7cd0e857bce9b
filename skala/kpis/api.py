"""Key figures as JSON."""

from ninja import Router

router = Router(tags=["key figures"])
