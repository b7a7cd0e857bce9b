"""Ranking documents (needs and notices) for a query: BM25 fused with CPV and embedding similarity.

BM25 comes from bm25s, which precomputes every document's term weights in a sparse matrix, so one
query costs a few sparse column sums even at hundreds of thousands of documents. The index is
rebuilt from the analysed terms the caller stores; rebuilding is cheap because no text is analysed
again, and necessary because BM25's document frequencies change with every document added.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import bm25s
import numpy as np

from skala.matching import clip
from skala.matching.analysis import fragments, is_fragment, matching_terms, surface_words
from skala.matching.cpv import CLOSENESS, best_shared, code8
from skala.matching.embeddings import Embedder
from skala.matching.languages import detect_language, normalise_language

# How much each signal counts in the fused score. Lexical and dense scores are scaled to 0..1
# within each query first, so the weights compare like with like.
WEIGHTS = {"lexical": 1.0, "cpv": 0.35, "dense": 0.8, "division": 0.5}
# A query word shares a part with a document when this many of its character four-grams are the
# document's (seven letters in a row): "nattillsyn" and "nattilsyn" share six; "sykehus" and
# "sykehjem" three, which is chance; a common ending such as "-ing>" alone is one.
PART_FRAGMENTS = 4


def shares_part(stem: str, held: set[str]) -> bool:
    """Whether the document holds a part of this stem: four of its four-grams, or all of a short
    word's but its start (a compound ends in it: "alarm" in "trygghetsalarm")."""
    grams = set(fragments([stem]))
    common = len(grams & held)
    return common >= PART_FRAGMENTS or (common >= 2 and common == len(grams) - 1)


@dataclass(frozen=True)
class Document:
    """One searchable text: a need or a notice, already analysed."""

    key: str
    kind: str
    title: str
    language: str
    terms: tuple[str, ...]
    cpv: tuple[str, ...] = ()
    vector: np.ndarray | None = field(default=None, compare=False)
    owner: str = ""


@dataclass
class Query:
    """What to match: the analysed text, optional CPV codes, and optional embedding."""

    text: str
    language: str
    terms: list[str]
    cpv: tuple[str, ...] = ()
    vector: np.ndarray | None = None
    truncated: bool = False
    # Each stem with the word of the text it came from: explanations show words, not stems.
    surface: Mapping[str, str] = field(default_factory=dict)


def make_query(
    text: str, language: str | None = None, cpv: Iterable[str] = (), embedder: Embedder | None = None
) -> Query:
    """Analyse a text for matching; the language is detected when not given."""
    text, truncated = clip(text)
    language = normalise_language(language) if language else detect_language(text)
    vector = embedder.query(text) if embedder is not None and text.strip() else None
    return Query(
        text=text,
        language=language,
        terms=matching_terms(text, language),
        cpv=tuple(code8(code) for code in cpv),
        vector=vector,
        truncated=truncated,
        surface=surface_words(text, language),
    )


@dataclass
class Why:
    """Why a document matched: the terms it shares, the CPV level it shares, the embedding similarity.

    ``terms`` are the shared stems (as the index holds them), ``words`` the query's words they came
    from, and ``parts`` the query's words that share only a part with the document (a compound such
    as "trygghetsalarm" meeting "alarm").
    """

    terms: list[str]
    cpv: tuple[str, str] | None
    embedding: float | None
    words: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.terms or self.parts or self.cpv or self.embedding is not None)

    def as_dict(self) -> dict:
        return {
            "shared_terms": self.terms,
            "shared_words": self.words,
            "shared_word_parts": self.parts,
            "shared_cpv": {"level": self.cpv[0], "code": self.cpv[1]} if self.cpv else None,
            "embedding_similarity": None if self.embedding is None else round(self.embedding, 3),
        }


@dataclass
class Match:
    """One document found for a query, with its fused score and the reasons."""

    document: Document
    score: float
    why: Why

    @property
    def key(self) -> str:
        return self.document.key


def scaled(values: np.ndarray) -> np.ndarray:
    """Scale scores to 0..1 by the best one; all zeros stay zeros."""
    best = float(values.max()) if values.size else 0.0
    return values / best if best > 0 else values


class MatchIndex:
    """An immutable index over documents; build a new one when documents change."""

    def __init__(
        self,
        documents: Sequence[Document],
        vocabulary: Iterable[tuple[str, Mapping[str, str]]] = (),
        classifier=None,
        tuned=None,
    ):
        """vocabulary: the CPV codes with their labels by language, (code, {language: label}) pairs,
        which the division classifier learns from beside the classified documents. classifier: one
        already trained (on nearly the same documents) to use instead of training another. tuned: a
        fine-tuned division model (skala.matching.tuned) the classifier adds as a member."""
        self.tuned = tuned
        self.documents = list(documents)
        self.vocabulary = list(vocabulary)
        self.position = {document.key: n for n, document in enumerate(self.documents)}
        self.document_frequency = Counter(term for document in self.documents for term in set(document.terms))
        self.bm25 = bm25s.BM25()
        if self.documents:
            self.bm25.index(
                [list(document.terms) or [""] for document in self.documents], show_progress=False
            )
        self.kinds = np.array([document.kind for document in self.documents])
        main = [code8(document.cpv[0]) if document.cpv else "" for document in self.documents]
        # The main code's ancestors as arrays, so CPV closeness is computed for every document at once.
        self.cpv_prefixes = {
            digits: np.array([code[:digits] if code else "" for code in main]) for digits in (2, 3, 4, 5, 8)
        }
        self.vectors = self.stack_vectors()
        # Each document's division as a small integer, so a division prior is one table lookup.
        self.division_names, self.division_ids = (
            np.unique(self.cpv_prefixes[2], return_inverse=True)
            if self.documents
            else (np.array([]), np.array([], dtype=np.int64))
        )
        self._classifier = classifier

    @property
    def classifier_if_trained(self):
        """The division classifier if it has been trained already (it is trained on first use), else None."""
        return self._classifier

    @property
    def classified(self) -> int:
        """How many documents carry a CPV code: what the division classifier learns from."""
        return int(np.count_nonzero(self.cpv_prefixes[2])) if self.documents else 0

    @property
    def classifier(self):
        """The CPV division classifier over this index's classified documents, trained on first use."""
        if self._classifier is None:
            from skala.matching.classify import DivisionClassifier

            self._classifier = DivisionClassifier.for_corpus(
                [document.terms for document in self.documents],
                [document.cpv[0] if document.cpv else "" for document in self.documents],
                [document.language for document in self.documents],
                texts=[document.title for document in self.documents],
                vectors=self.vectors,
                vocabulary=self.vocabulary,
                tuned=self.tuned,
            )
        return self._classifier

    def __len__(self) -> int:
        return len(self.documents)

    def stack_vectors(self) -> np.ndarray | None:
        """All documents' embeddings as one matrix; rows without one are zeros."""
        width = next(
            (document.vector.shape[0] for document in self.documents if document.vector is not None), 0
        )
        if not width:
            return None
        matrix = np.zeros((len(self.documents), width), dtype=np.float32)
        for n, document in enumerate(self.documents):
            if document.vector is not None and document.vector.shape[0] == width:
                matrix[n] = document.vector
        return matrix

    def lexical_scores(self, query: Query) -> np.ndarray:
        if not self.documents or not query.terms:
            return np.zeros(len(self.documents), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(list(query.terms)), dtype=np.float32)

    def cpv_scores(self, query: Query) -> np.ndarray | None:
        if not query.cpv or not self.documents:
            return None
        best = np.zeros(len(self.documents), dtype=np.float32)
        for code in query.cpv:
            for digits, name in ((8, "code"), (5, "category"), (4, "class"), (3, "group"), (2, "division")):
                same = self.cpv_prefixes[digits] == code[:digits]
                best = np.maximum(best, np.where(same, CLOSENESS[name], 0.0).astype(np.float32))
        return best

    def dense_scores(self, query: Query) -> np.ndarray | None:
        if query.vector is None or self.vectors is None or query.vector.shape[0] != self.vectors.shape[1]:
            return None
        return self.vectors @ query.vector

    def division_prior(self, query: Query) -> dict[str, float]:
        """The learnt classifier's scores for the query's CPV division; empty when it cannot tell."""
        return self.classifier.scores(query.terms, query.text, query.vector) if len(self) else {}

    def search(
        self,
        query: Query,
        top: int = 10,
        kind: str | Iterable[str] | None = None,
        exclude: Iterable[str] = (),
        require: np.ndarray | None = None,
        division_prior: dict[str, float] | None = None,
    ) -> list[Match]:
        """The best documents for the query, best first; documents with no signal at all are left out.

        A query without CPV codes may bring a division prior (the classifier's belief about its
        division): documents of likely divisions then rank higher among equally worded ones.
        """
        if not self.documents:
            return []
        lexical = self.lexical_scores(query)
        fused = WEIGHTS["lexical"] * scaled(lexical)
        cpv = self.cpv_scores(query)
        if cpv is not None:
            fused = fused + WEIGHTS["cpv"] * cpv
        if division_prior and cpv is None:
            # One score per division, spread to every document through its division's number.
            table = np.array(
                [division_prior.get(name, 0.0) for name in self.division_names], dtype=np.float32
            )
            prior = table[self.division_ids]
            fused = fused + WEIGHTS["division"] * prior * (lexical > 0)
        dense = self.dense_scores(query)
        if dense is not None:
            # Embedding similarities of one model sit in a narrow band; what counts is how far a
            # document stands above the typical one for this query.
            floor = float(np.percentile(dense, 90)) if dense.size > 20 else float(dense.min())
            fused = fused + WEIGHTS["dense"] * scaled(np.clip(dense - floor, 0, None))
        eligible = fused > 0
        if isinstance(kind, str):
            eligible &= self.kinds == kind
        elif kind is not None:
            eligible &= np.isin(self.kinds, list(kind))
        if require is not None:
            eligible &= require
        for key in exclude:
            if key in self.position:
                eligible[self.position[key]] = False
        candidates = np.flatnonzero(eligible)
        if candidates.size == 0:
            return []
        count = min(top, candidates.size)
        best = candidates[np.argpartition(-fused[candidates], count - 1)[:count]]
        best = best[np.argsort(-fused[best], kind="stable")]
        return [self.explain(query, int(n), float(fused[n]), dense) for n in best]

    def explain(self, query: Query, n: int, score: float, dense: np.ndarray | None) -> Match:
        document = self.documents[n]
        held = set(document.terms)
        shared = {term for term in set(query.terms) & held if not is_fragment(term)}
        # Rarer shared terms say more about why two texts belong together.
        terms = sorted(shared, key=lambda term: (self.document_frequency[term], term))[:8]
        words = list(dict.fromkeys(query.surface.get(term, term) for term in terms))
        parts = [
            query.surface.get(stem, stem)
            for stem in dict.fromkeys(term for term in query.terms if not is_fragment(term))
            if stem not in shared and shares_part(stem, held)
        ][:5]
        _closeness, cpv = best_shared(list(query.cpv), list(document.cpv)) if query.cpv else (0.0, None)
        embedding = (
            float(dense[n])
            if dense is not None and self.vectors is not None and self.vectors[n].any()
            else None
        )
        return Match(
            document=document,
            score=round(score, 4),
            why=Why(
                terms=terms,
                cpv=cpv,
                embedding=embedding,
                words=words,
                parts=[p for p in parts if p not in words],
            ),
        )
