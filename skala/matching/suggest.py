"""CPV codes for a text, from the CPV labels in five languages and from already-classified documents.

Two sources, fused: BM25 over each code's labels (en, nb, sv, da, fi, each stemmed in its own
language), and the codes of the nearest documents that carry CPV codes. A neighbour's code also
supports the codes near it in the tree, so ten neighbours spread over one group agree on that group.
The more needs and notices the platform holds, the more neighbours speak, so suggestions improve as
data grows.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import bm25s
import numpy as np

from skala.matching.analysis import is_fragment, matching_terms
from skala.matching.cpv import closeness, code8
from skala.matching.index import MatchIndex, Query, scaled

# Tuned on a validation split of the training buyers (docs/matching.md): with the classifier's
# ensemble, more weight on its division evidence names the right division more often.
WEIGHTS = {"neighbours": 0.5, "division": 2.5, "labels": 0.25}
# Each further code from a division already on the list counts this much less, so the first few
# suggestions span the divisions the evidence points to rather than ten siblings of one code.
SAME_DIVISION_DISCOUNT = 0.8
# How much the learnt classifier counts against the neighbours' vote in the division evidence.
# Once trained it already weighs every neighbour's text, and mixing in their vote lost accuracy on
# the validation split; the vote decides alone while the corpus is too small to train on.
CLASSIFIER_SHARE = 1.0
LABEL_CANDIDATES = 40


@dataclass(frozen=True)
class CpvEntry:
    """A code of the vocabulary with its labels by language."""

    code8: str
    labels: dict[str, str]


@dataclass
class Suggestion:
    """A suggested code, its score, and why."""

    code: str
    score: float
    label_terms: list[str] = field(default_factory=list)
    neighbours: list[str] = field(default_factory=list)
    # How strongly the division evidence (the classifier learnt from classified documents, and the
    # neighbours' vote) points to this code's division, against the division it points to most: 0..1.
    division_share: float = 0.0

    def why(self) -> dict:
        return {
            "label_terms": self.label_terms,
            "neighbours": self.neighbours,
            "division_share": self.division_share,
        }


class CpvSuggester:
    """Suggests CPV codes; build it once per vocabulary and pass the current document index."""

    def __init__(self, entries: Iterable[CpvEntry]):
        self.entries = list(entries)
        self.codes = [entry.code8 for entry in self.entries]
        self.position = {code: n for n, code in enumerate(self.codes)}
        self.label_terms = [
            [term for language, label in entry.labels.items() for term in matching_terms(label, language)]
            for entry in self.entries
        ]
        self.bm25 = bm25s.BM25()
        self.bm25.index([terms or [""] for terms in self.label_terms], show_progress=False)

    def suggest(
        self,
        query: Query,
        index: MatchIndex | None = None,
        top: int = 10,
        neighbours: int = 25,
        voters_allowed: np.ndarray | None = None,
    ) -> list[Suggestion]:
        """The best codes for the query, best first. `voters_allowed` (one flag per document) limits
        the neighbours whose codes vote, to documents anyone may see."""
        labels = (
            scaled(np.asarray(self.bm25.get_scores(list(query.terms)), dtype=np.float32))
            if query.terms
            else np.zeros(len(self.codes), dtype=np.float32)
        )
        candidates: dict[str, float] = {}
        for n in np.argsort(-labels)[:LABEL_CANDIDATES]:
            if labels[n] > 0:
                candidates[self.codes[n]] = 0.0

        voters: list[tuple[float, str, str]] = []
        if index is not None and len(index):
            # Neighbours are found on text alone: the query's own codes are what we are guessing.
            plain = Query(
                query.text, query.language, query.terms, (), query.vector, query.truncated, query.surface
            )
            coded = index.cpv_prefixes[8] != ""
            if voters_allowed is not None:
                coded = coded & voters_allowed
            for match in index.search(plain, top=neighbours, require=coded):
                for code in match.document.cpv[:3]:
                    voters.append((match.score, code8(code), match.document.key))
                    candidates.setdefault(code8(code), 0.0)

        support: dict[str, float] = defaultdict(float)
        votes: dict[str, float] = defaultdict(float)
        for weight, voted, _key in voters:
            votes[voted[:2]] += weight
        best_vote = max(votes.values(), default=0.0)
        learnt = index.division_prior(query) if index is not None else {}
        # The division evidence: the neighbours' vote and the classifier, each scaled to 0..1.
        share = CLASSIFIER_SHARE if learnt else 0.0
        divisions = {
            division: (1 - share) * (votes.get(division, 0.0) / best_vote if best_vote else 0.0)
            + share * learnt.get(division, 0.0)
            for division in set(votes) | set(learnt)
        }
        for division in sorted(learnt, key=learnt.__getitem__, reverse=True)[:5]:
            # The division itself is a candidate, so a strong division with no neighbour still shows.
            candidates.setdefault(f"{division}000000", 0.0)
        for code in candidates:
            for weight, voted, _key in voters:
                support[code] += weight * closeness(code, voted)
        support_scaled = dict(
            zip(candidates, scaled(np.array([support[c] for c in candidates], dtype=np.float32)), strict=True)
        )
        best_division = max(divisions.values(), default=0.0)

        scored = []
        query_terms = {term for term in query.terms if not is_fragment(term)}
        for code in candidates:
            n = self.position.get(code)
            label_score = float(labels[n]) if n is not None else 0.0
            division_share = divisions.get(code[:2], 0.0) / best_division if best_division else 0.0
            if n is None:
                continue
            score = (
                WEIGHTS["neighbours"] * float(support_scaled[code])
                + WEIGHTS["division"] * division_share
                + WEIGHTS["labels"] * label_score
            )
            scored.append(
                Suggestion(
                    code=code,
                    score=round(score, 4),
                    label_terms=sorted(query_terms & set(self.label_terms[n]))[:6] if n is not None else [],
                    neighbours=[key for _weight, voted, key in voters if voted == code][:5],
                    division_share=round(division_share, 3),
                )
            )
        scored.sort(key=lambda suggestion: (-suggestion.score, suggestion.code))
        return diversify([suggestion for suggestion in scored if suggestion.score > 0], top)


def diversify(ranked: list[Suggestion], top: int) -> list[Suggestion]:
    """Re-rank so that codes from divisions not yet listed get a fair place near the top. Each code's
    score is the one it was ranked by, so the scores fall as the list goes on (best first)."""
    chosen: list[Suggestion] = []
    seen: dict[str, int] = defaultdict(int)
    pool = list(ranked)

    def ranked_by(suggestion: Suggestion) -> float:
        return suggestion.score * SAME_DIVISION_DISCOUNT ** seen[suggestion.code[:2]]

    while pool and len(chosen) < top:
        best = max(pool, key=ranked_by)
        pool.remove(best)
        chosen.append(replace(best, score=round(ranked_by(best), 4)))
        seen[best.code[:2]] += 1
    return chosen
