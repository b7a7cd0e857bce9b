"""Spend and the supplier base as JSON."""

from ninja import Router

router = Router(tags=["spend"])
