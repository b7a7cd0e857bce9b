"""Ranking documents (needs and notices) for a query: BM25 fused with CPV and embedding similarity.

BM25 comes from bm25s, which precomputes every document's term weights in a sparse matrix, so one
query costs a few sparse column sums even at hundreds of thousands of documents. bm25s cannot add a
document to that matrix, so a change is applied to an index as a small delta (``MatchIndex.updated``):
the replaced or removed rows are masked, and new rows are weighted by the same BM25 formula with the
built index's statistics. The caller rebuilds in full from the analysed terms it stores once the
delta has grown to a share of the index, when the document frequencies have drifted enough to matter.
"""

import copy
import math
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import bm25s
import numpy as np
from scipy import sparse

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


def bm25_weights(
    terms: Sequence[str], frequency: Mapping[str, int], total: int, average_length: float, k1: float, b: float
) -> dict[str, float]:
    """Each term's BM25 weight in one document, as bm25s computes it by default (its "lucene" variant:
    idf log(1 + (N - df + 0.5) / (df + 0.5)) times tf / (tf + k1 (1 - b + b · length / average))), given
    the statistics of the index the document is added to. A term the index has never seen counts as
    in one document, this one."""
    counts = Counter(terms) if terms else Counter({"": 1})
    length = sum(counts.values())
    norm = k1 * ((1 - b) + b * length / average_length)
    weights = {}
    for term, count in counts.items():
        df = frequency.get(term, 0) or 1
        weights[term] = math.log(1 + (total - df + 0.5) / (df + 0.5)) * count / (norm + count)
    return weights


def scaled(values: np.ndarray) -> np.ndarray:
    """Scale scores to 0..1 by the best one; all zeros stay zeros."""
    best = float(values.max()) if values.size else 0.0
    return values / best if best > 0 else values


class TrainedOnce:
    """A value made on first use by whichever thread asks first; the others wait for it."""

    def __init__(self, value=None):
        self.value = value
        self.lock = threading.Lock()

    def get(self, make):
        if self.value is None:
            with self.lock:
                if self.value is None:
                    self.value = make()
        return self.value


class MatchIndex:
    """An immutable index over documents; ``updated`` gives a new one with documents changed.

    Rows are never reused: a document replaced or removed after the build keeps its row, masked in
    ``alive``, and a new or replaced one is appended, so the BM25 matrix built with the index stays valid.
    """

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
        # What the BM25 matrix was built from, to weight the rows added later by the same measure.
        self.base_rows = len(self.documents)
        self.base_frequency = self.document_frequency
        self.base_average_length = (
            sum(max(1, len(document.terms)) for document in self.documents) / self.base_rows
            if self.base_rows
            else 1.0
        )
        self.alive = np.ones(self.base_rows, dtype=bool)
        self.dead = 0
        # The added rows' BM25 weights: a term's row in delta_matrix holds its weight in each added document.
        self.delta_vocabulary: dict[str, int] = {}
        self.delta_entries = (np.array([], dtype=np.int32),) * 2 + (np.array([], dtype=np.float32),)
        self.delta_matrix: sparse.csr_matrix | None = None
        self.kinds = np.array([document.kind for document in self.documents])
        main = [code8(document.cpv[0]) if document.cpv else "" for document in self.documents]
        # The main code's ancestors as arrays, so CPV closeness is computed for every document at once.
        self.cpv_prefixes = {
            digits: np.array([code[:digits] if code else "" for code in main]) for digits in (2, 3, 4, 5, 8)
        }
        # The built rows' embeddings; rows added later have theirs in added_vectors (of the same width).
        self.vectors = self.stack_vectors()
        self.added_vectors: np.ndarray | None = None
        self.vector_width = 0 if self.vectors is None else self.vectors.shape[1]
        # Each document's division as a small integer, so a division prior is one table lookup.
        self.division_names, self.division_ids = (
            np.unique(self.cpv_prefixes[2], return_inverse=True)
            if self.documents
            else (np.array([]), np.array([], dtype=np.int64))
        )
        # Shared with the indexes derived from this one by `updated`, so the classifier is trained once,
        # by whichever asks first, and every derived index has it.
        self.trained = TrainedOnce(classifier)

    @property
    def classifier_if_trained(self):
        """The division classifier if it has been trained already (it is trained on first use), else None."""
        return self.trained.value

    @property
    def classified(self) -> int:
        """How many documents carry a CPV code: what the division classifier learns from."""
        return int(np.count_nonzero((self.cpv_prefixes[2] != "") & self.alive)) if self.documents else 0

    @property
    def added_rows(self) -> int:
        """How many rows were added since the BM25 matrix was built."""
        return len(self.documents) - self.base_rows

    @property
    def drift(self) -> float:
        """How far the index has moved from the one its BM25 statistics describe: the rows added or
        masked since it was built, as a share of the rows it was built with."""
        return (self.added_rows + self.dead) / max(1, self.base_rows)

    def live_documents(self) -> list[Document]:
        """The documents as they are now, without the rows replaced or removed since the build."""
        if not self.dead:
            return list(self.documents)
        return [document for document, alive in zip(self.documents, self.alive, strict=True) if alive]

    @property
    def classifier(self):
        """The CPV division classifier over this index's classified documents, trained on first use."""
        return self.trained.get(self.train_classifier)

    def train_classifier(self):
        from skala.matching.classify import DivisionClassifier

        documents = self.live_documents()
        vectors = self.all_vectors()
        return DivisionClassifier.for_corpus(
            [document.terms for document in documents],
            [document.cpv[0] if document.cpv else "" for document in documents],
            [document.language for document in documents],
            texts=[document.title for document in documents],
            vectors=vectors[self.alive] if vectors is not None and self.dead else vectors,
            vocabulary=self.vocabulary,
            tuned=self.tuned,
        )

    def all_vectors(self) -> np.ndarray | None:
        """Every row's embedding in one matrix (zeros where there is none), or None without embeddings."""
        if not self.vector_width:
            return None
        built = (
            self.vectors
            if self.vectors is not None
            else np.zeros((self.base_rows, self.vector_width), np.float32)
        )
        if self.added_vectors is None:
            return built
        return np.vstack([built, self.added_vectors])

    def has_vector(self, row: int) -> bool:
        if row < self.base_rows:
            return self.vectors is not None and bool(self.vectors[row].any())
        return self.added_vectors is not None and bool(self.added_vectors[row - self.base_rows].any())

    def __len__(self) -> int:
        """How many documents the index holds now (its rows less those masked)."""
        return len(self.documents) - self.dead

    def stack_vectors(self, documents: Sequence[Document] | None = None, width: int = 0) -> np.ndarray | None:
        """The documents' embeddings (all of this index's by default) as one matrix; rows without one,
        or with one of another width, are zeros."""
        documents = self.documents if documents is None else documents
        width = width or next(
            (document.vector.shape[0] for document in documents if document.vector is not None), 0
        )
        if not width:
            return None
        matrix = np.zeros((len(documents), width), dtype=np.float32)
        for n, document in enumerate(documents):
            if document.vector is not None and document.vector.shape[0] == width:
                matrix[n] = document.vector
        return matrix

    def updated(self, changed: Sequence[Document] = (), removed: Iterable[str] = ()) -> "MatchIndex":
        """A new index with these documents added (or put in place of those with their keys) and the
        documents with these keys taken out; this one stays as it was, for whoever is reading it.

        Only the changed documents are weighted, by BM25 with this index's statistics: applying a change
        costs milliseconds where building anew costs seconds per hundred thousand documents. The
        classifier, if trained, is kept. Rebuild once ``drift`` grows (document frequencies move)."""
        changed = list({document.key: document for document in changed}.values())
        if not self.base_rows:
            gone = set(removed) | {document.key for document in changed}
            kept = [document for document in self.live_documents() if document.key not in gone]
            return MatchIndex(
                [*kept, *changed], self.vocabulary, classifier=self.classifier_if_trained, tuned=self.tuned
            )
        new = copy.copy(self)
        start = len(self.documents)
        alive = np.concatenate([self.alive, np.ones(len(changed), dtype=bool)])
        position = dict(self.position)
        frequency = self.document_frequency.copy()
        for key in [*removed, *(document.key for document in changed)]:
            row = position.pop(key, None)
            if row is not None:
                alive[row] = False
                frequency.subtract(set(self.documents[row].terms))
        for n, document in enumerate(changed):
            position[document.key] = start + n
            frequency.update(set(document.terms))
        new.documents = [*self.documents, *changed]
        new.alive, new.dead, new.position, new.document_frequency = (
            alive,
            int((~alive).sum()),
            position,
            frequency,
        )
        new.kinds = np.concatenate([self.kinds, np.array([document.kind for document in changed], dtype=str)])
        main = [code8(document.cpv[0]) if document.cpv else "" for document in changed]
        new.cpv_prefixes = {
            digits: np.concatenate([prefixes, np.array([code[:digits] for code in main], dtype=str)])
            for digits, prefixes in self.cpv_prefixes.items()
        }
        new.division_names, new.division_ids = self.updated_divisions(new.cpv_prefixes[2][start:])
        new.vector_width, new.added_vectors = self.updated_vectors(changed)
        new.add_delta_rows(changed, first=start - self.base_rows)
        return new

    def updated_divisions(self, added: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The division names and each row's division number with these rows' divisions appended; a
        division not seen before is added at the end (the names need no order)."""
        names = list(self.division_names)
        number = {name: n for n, name in enumerate(names)}
        ids = []
        for name in added:
            if name not in number:
                number[name] = len(names)
                names.append(name)
            ids.append(number[name])
        return np.array(names, dtype=str), np.concatenate([self.division_ids, np.array(ids, dtype=np.int64)])

    def updated_vectors(self, changed: Sequence[Document]) -> tuple[int, np.ndarray | None]:
        """The embedding width and the added rows' embeddings with these documents' appended: only the
        added rows are copied, never the built matrix."""
        width = self.vector_width or next(
            (document.vector.shape[0] for document in changed if document.vector is not None), 0
        )
        if not width:
            return 0, None
        previous = (
            self.added_vectors
            if self.added_vectors is not None
            else np.zeros((self.added_rows, width), dtype=np.float32)
        )
        return width, np.vstack([previous, self.stack_vectors(changed, width=width)])

    def add_delta_rows(self, changed: Sequence[Document], first: int) -> None:
        """Weight the added documents (the delta's rows first, first + 1, ...) and rebuild the small
        matrix of all added rows' weights."""
        vocabulary = dict(self.delta_vocabulary)
        rows, columns, weights = [], [], []
        for n, document in enumerate(changed):
            for term, weight in bm25_weights(
                document.terms,
                self.base_frequency,
                self.base_rows,
                self.base_average_length,
                self.bm25.k1,
                self.bm25.b,
            ).items():
                rows.append(vocabulary.setdefault(term, len(vocabulary)))
                columns.append(first + n)
                weights.append(weight)
        old_rows, old_columns, old_weights = self.delta_entries
        self.delta_entries = (
            np.concatenate([old_rows, np.array(rows, dtype=np.int32)]),
            np.concatenate([old_columns, np.array(columns, dtype=np.int32)]),
            np.concatenate([old_weights, np.array(weights, dtype=np.float32)]),
        )
        self.delta_vocabulary = vocabulary
        entry_rows, entry_columns, entry_weights = self.delta_entries
        self.delta_matrix = sparse.csr_matrix(
            (entry_weights, (entry_rows, entry_columns)), shape=(len(vocabulary), first + len(changed))
        )

    def lexical_scores(self, query: Query) -> np.ndarray:
        scores = np.zeros(len(self.documents), dtype=np.float32)
        if not self.documents or not query.terms:
            return scores
        if self.base_rows:
            scores[: self.base_rows] = self.bm25.get_scores(list(query.terms))
        if self.delta_matrix is not None:
            # A repeated query term counts again, as bm25s counts it.
            ids = [self.delta_vocabulary[term] for term in query.terms if term in self.delta_vocabulary]
            if ids:
                scores[self.base_rows :] = np.asarray(self.delta_matrix[ids].sum(axis=0)).ravel()
        if self.dead:
            scores[~self.alive] = 0.0
        return scores

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
        if query.vector is None or not self.vector_width or query.vector.shape[0] != self.vector_width:
            return None
        if self.added_vectors is None and self.vectors is not None:
            return self.vectors @ query.vector
        scores = np.zeros(len(self.documents), dtype=np.float32)
        if self.vectors is not None:
            scores[: self.base_rows] = self.vectors @ query.vector
        if self.added_vectors is not None:
            scores[self.base_rows :] = self.added_vectors @ query.vector
        return scores

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
        if self.dead:
            eligible &= self.alive
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
        embedding = float(dense[n]) if dense is not None and self.has_vector(n) else None
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
