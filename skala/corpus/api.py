"""The matcher as JSON: the same contract as `skala match`."""

from ninja import Router, Schema
from ninja.errors import HttpError

from skala.corpus.answers import MatchInputError, answer_cpv, answer_similar, check_top, parse_items
from skala.orgs.permissions import member_organisations

router = Router(tags=["matching"])


class MatchItem(Schema):
    id: int | str
    text: str
    language: str | None = None


def items_or_400(body: list[MatchItem], top: int):
    try:
        check_top(top)
        return parse_items([item.dict() for item in body])
    except MatchInputError as error:
        raise HttpError(400, str(error)) from None


@router.post("/cpv", summary="CPV codes for each text, best first")
def match_cpv(request, body: list[MatchItem], top: int = 10) -> list[dict]:
    return answer_cpv(items_or_400(body, top), top)


@router.post("/similar", summary="The most similar needs and notices for each text, with why")
def match_similar(request, body: list[MatchItem], top: int = 10) -> list[dict]:
    return answer_similar(items_or_400(body, top), top, member_organisations(request.user))
