"""The matcher as JSON: the same contract as `skala match`."""

import json
from typing import Any

from ninja import Router, Schema
from ninja.errors import HttpError

from skala.corpus.answers import (
    MatchInputError,
    answer_cpv,
    answer_similar,
    check_request_size,
    check_top,
    parse_items,
)
from skala.needs.services import shared_need_keys
from skala.orgs.api import read_auth
from skala.orgs.permissions import member_organisations

router = Router(tags=["matching"])


class MatchItem(Schema):
    # Checked by parse_items, so that a missing or empty text is a 400 that names its item, as the
    # command line names its line, rather than a validation error of another shape.
    id: Any = None
    text: Any = None
    # Any value: one that names no language Skala knows is matched as multilingual, never refused.
    language: Any = None


def items_or_400(request, top: int):
    """The body's items as sent (the schema lets any item through, so that each is checked here, with
    the command line's messages: 42 is not an object, rather than an object with no id)."""
    try:
        check_top(top)
        items = parse_items(json.loads(request.body), unit="item")
        check_request_size(items)
        return items
    except MatchInputError as error:
        raise HttpError(400, str(error)) from None


@router.post(
    "/cpv",
    auth=read_auth,
    summary="CPV codes for each text, best first",
    description="At most 500 texts and 500,000 characters a request; a text counts up to its first 20,000.",
)
def match_cpv(request, body: list[MatchItem], top: int = 10) -> list[dict]:
    return answer_cpv(items_or_400(request, top), top)


@router.post(
    "/similar",
    auth=read_auth,
    summary="The most similar needs and notices for each text, with why",
    description="At most 500 texts and 500,000 characters a request; a text counts up to its first 20,000.",
)
def match_similar(request, body: list[MatchItem], top: int = 10) -> list[dict]:
    user = request.user
    return answer_similar(items_or_400(request, top), top, member_organisations(user), shared_need_keys(user))
