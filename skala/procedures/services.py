"""What other apps ask of notices: the notices most like a text, with why they match."""

from dataclasses import dataclass

from skala.corpus import services as corpus
from skala.corpus.models import DocumentKind
from skala.matching.index import Match, Query
from skala.procedures.models import Notice


@dataclass
class SimilarNotice:
    notice: Notice
    match: Match


def similar_notices(query: Query, top: int = 5) -> list[SimilarNotice]:
    """Imported notices most like the query, best first, each with why it matched."""
    matches = corpus.similar(query, top=top, kind=DocumentKind.NOTICE)
    ids = [match.key.split(":", 1)[1] for match in matches]
    notices = Notice.objects.in_bulk(ids, field_name="import_id")
    return [SimilarNotice(notices[i], match) for i, match in zip(ids, matches, strict=True) if i in notices]
