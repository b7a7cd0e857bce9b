"""The matcher's contract, shared by `skala match` and `POST /api/v1/match/...`.

Input: a list of {"id": ..., "text": ..., "language"?: ...}. CPV answers: {"id", "cpv": [{"code",
"score"}]}; similar answers: {"id", "matches": [{"id", "kind", "score", "why"}]}, best first. A text
longer than 20,000 characters is matched on its first 20,000 and its answer carries "truncated": true.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from skala.corpus import services
from skala.corpus.models import DocumentKind
from skala.matching import MAX_TEXT_CHARACTERS
from skala.procedures.models import Notice
from skala.text import lone_surrogate

MAX_TOP = 100
# One request to the API answers at most this much; the command line has no limit. A long text takes
# about a fifth of a second, a short one a few milliseconds.
MAX_ITEMS_PER_REQUEST = 500
MAX_CHARACTERS_PER_REQUEST = 500_000


@dataclass
class Item:
    id: Any
    text: str
    language: str | None


@dataclass
class Problem:
    """What is wrong, and where: a line of a file, an item of a JSON list, or the request itself."""

    line: int | None
    reason: str
    unit: str = "line"

    def __str__(self) -> str:
        return self.reason if self.line is None else f"{self.unit} {self.line}: {self.reason}"


class MatchInputError(ValueError):
    """Some input items are unusable; nothing was matched."""

    # The message names this many; `problems` holds every one (the command line prints them all).
    SHOWN = 20

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        more = f"; ... and {len(problems) - self.SHOWN} more" if len(problems) > self.SHOWN else ""
        super().__init__("; ".join(str(problem) for problem in problems[: self.SHOWN]) + more)


def parse_items(raw: Iterable[Any], lines: Iterable[int] | None = None, unit: str = "line") -> list[Item]:
    """Validate every item first and report every problem with where it is: its line in the file
    (`lines`, when blank lines were skipped) or its place in the list, counted from 1."""
    items, problems = [], []
    raw = list(raw)
    for line, value in zip(lines or range(1, len(raw) + 1), raw, strict=True):
        if not isinstance(value, dict):
            problems.append(Problem(line, "expected an object with 'id' and 'text'", unit))
            continue
        if "id" not in value or value["id"] in (None, ""):
            problems.append(Problem(line, "'id' is missing", unit))
            continue
        if isinstance(value["id"], bool) or not isinstance(value["id"], str | int):
            problems.append(Problem(line, "'id' must be text or a whole number", unit))
            continue
        text = value.get("text")
        if text is None or (isinstance(text, str) and not text.strip()):
            problems.append(Problem(line, "'text' is empty", unit))
            continue
        if not isinstance(text, str):
            problems.append(Problem(line, "'text' must be text", unit))
            continue
        if (where := lone_surrogate(text)) is not None:
            problems.append(
                Problem(
                    line,
                    f"'text' holds a lone surrogate (\\u{ord(text[where]):04x}) at character {where + 1}, "
                    "which is not a character; send the text as UTF-8",
                    unit,
                )
            )
            continue
        if isinstance(value["id"], str) and lone_surrogate(value["id"]) is not None:
            problems.append(Problem(line, "'id' holds a lone surrogate, which is not a character", unit))
            continue
        language = value.get("language")
        items.append(Item(value["id"], text, language if isinstance(language, str) else None))
    if problems:
        raise MatchInputError(problems)
    return items


def check_top(top: int) -> int:
    if not 1 <= top <= MAX_TOP:
        raise MatchInputError([Problem(None, f"top must be between 1 and {MAX_TOP}, not {top}")])
    return top


def check_request_size(items: list[Item]) -> None:
    """One API request matches a bounded amount of text, so that one caller cannot hold a worker."""
    if len(items) > MAX_ITEMS_PER_REQUEST:
        raise MatchInputError(
            [
                Problem(
                    None, f"{len(items)} texts in one request; send at most {MAX_ITEMS_PER_REQUEST} at a time"
                )
            ]
        )
    characters = sum(min(len(item.text), MAX_TEXT_CHARACTERS) for item in items)
    if characters > MAX_CHARACTERS_PER_REQUEST:
        raise MatchInputError(
            [
                Problem(
                    None,
                    f"{characters} characters in one request; send at most {MAX_CHARACTERS_PER_REQUEST} "
                    "at a time (a text counts up to its first 20,000)",
                )
            ]
        )


def with_truncation(answer: dict, query) -> dict:
    if query.truncated:
        answer["truncated"] = True
    return answer


def answer_cpv(items: list[Item], top: int) -> list[dict]:
    """The best CPV codes for each text."""
    queries = (services.query_for(item.text, item.language) for item in items)
    answers = []
    for item, (query, suggestions) in zip(
        items, services.suggest_cpv_for_each(queries, top=top), strict=True
    ):
        cpv = [{"code": s.code, "score": s.score} for s in suggestions]
        answers.append(with_truncation({"id": item.id, "cpv": cpv}, query))
    return answers


def public_id(key: str, numbered_notices: Collection[str] = ()) -> Any:
    """need:12 → 12; notice:TED-2021-1 → "TED-2021-1" (the notice's import id, a number again where the
    file gave one: `numbered_notices`)."""
    kind, _, identifier = key.partition(":")
    if identifier.lstrip("-").isdigit() and (kind == "need" or identifier in numbered_notices):
        return int(identifier)
    return identifier


def numbered_notices(keys: Iterable[str]) -> set[str]:
    """The import ids among these notice keys that a file gave as whole numbers."""
    ids = [key.partition(":")[2] for key in keys if key.startswith(f"{DocumentKind.NOTICE}:")]
    if not ids:
        return set()
    return set(
        Notice.objects.filter(import_id__in=ids, import_id_is_number=True).values_list("import_id", flat=True)
    )


def answer_similar(
    items: list[Item], top: int, visible_owner_ids: Iterable[int] = (), visible_keys: Iterable[str] = ()
) -> list[dict]:
    """The most similar needs and notices for each text, with why: public ones, and those the caller may
    see (its organisations' own, and `visible_keys`, the needs shared with it)."""
    owners, keys = list(visible_owner_ids), set(visible_keys)
    answers = []
    for item in items:
        query = services.query_for(item.text, item.language)
        matches = services.similar(
            query,
            top=top,
            kind=(DocumentKind.NEED, DocumentKind.NOTICE),
            visible_owner_ids=owners,
            visible_keys=keys,
        )
        numbered = numbered_notices(m.key for m in matches)
        found = [
            {
                "id": public_id(m.key, numbered),
                "kind": m.document.kind,
                "score": m.score,
                "why": m.why.as_dict(),
            }
            for m in matches
        ]
        answers.append(with_truncation({"id": item.id, "matches": found}, query))
    return answers
