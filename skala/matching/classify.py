"""A CPV division classifier learnt from the documents that already carry codes.

Nearest neighbours vote with a handful of documents; a linear model weighs every classified
document at once. The classifier is a small ensemble whose members see the text differently, each
member's scores scaled to 0..1 and summed with fixed weights:

- ``terms``: a linear support-vector classifier over our analysed terms (stems and fragments);
- ``characters``: the same over character 3-5-grams of the title, which do not depend on the
  stemmer the language detector picked (a short Swedish title detected as "mul" or Danish gets
  other stems than the Swedish-analysed corpus, but the same character n-grams);
- with embeddings, ``embedding``: a logistic regression over the documents' dense vectors, and
  ``embedding_neighbours``: the divisions of the ten documents nearest in embedding space.

Given the CPV vocabulary, the two linear members also learn from every code's label, as a
lighter training document of its division, in the languages the corpus is written in: a title
whose words no classified document has used yet may still name a code. Labels in the corpus's
other languages hurt (Danish and Norwegian labels beside Swedish titles blur the character n-grams),
so they are left out.

The weights were tuned on a validation split carved from the training buyers of the Swedish 2021
procurements (never on the held-out buyers bench/matching.py measures on); docs/matching.md has
the figures and what else was tried.
"""

import functools
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from skala.matching.analysis import matching_terms
from skala.matching.cpv import code8

MINIMUM_DOCUMENTS = 30
# Training time grows faster than accuracy: 20,000 documents train in seconds on one core,
# 200,000 in minutes, for a point or two. Larger corpora are sampled, evenly.
MAXIMUM_TRAINING_DOCUMENTS = 20_000
# How much each member counts; the terms model is the reference.
WEIGHTS = {"terms": 1.0, "characters": 0.5, "embedding": 1.0, "embedding_neighbours": 0.4, "tuned": 3.0}
EMBEDDING_NEIGHBOURS = 10
# A neighbour's vote falls off with its distance: exp((similarity - 1) / this).
EMBEDDING_TEMPERATURE = 0.05
# Titles carry the classifier's character n-grams; a long query text is cut to this many characters.
CHARACTER_TEXT = 500
# A CPV label counts this much against a classified document (tuned on the validation split).
LABEL_WEIGHT = 0.4
# A language whose labels are learnt must be this share of the classified documents at least.
LABEL_LANGUAGE_SHARE = 0.2
# The vocabulary has no nynorsk labels; bokmål's are the nearest.
LABEL_LANGUAGE = {"nn": "nb"}


def label_languages(languages: Iterable[str]) -> list[str]:
    """The label languages worth learning for a corpus whose classified documents have these languages."""
    counts = Counter(LABEL_LANGUAGE.get(language, language) for language in languages)
    total = sum(counts.values())
    return sorted(
        language for language, count in counts.items() if total and count / total >= LABEL_LANGUAGE_SHARE
    )


def label_documents(
    vocabulary: Iterable[tuple[str, Mapping[str, str]]], languages: Sequence[str]
) -> tuple[list[tuple[str, ...]], list[str], list[str]]:
    """Each code's label in each of the languages as a document: (terms, codes, texts)."""
    labelled = tuple(
        (code, language, label)
        for code, labels in vocabulary
        for language in languages
        if (label := (labels.get(language) or "").strip())
    )
    # The vocabulary rarely changes but the index is rebuilt with every corpus change: analyse its
    # labels once.
    if labelled not in _analysed_labels:
        _analysed_labels.clear()
        _analysed_labels[labelled] = [
            tuple(matching_terms(label, language)) for _c, language, label in labelled
        ]
    terms = _analysed_labels[labelled]
    return list(terms), [code for code, _l, _t in labelled], [label for _c, _l, label in labelled]


_analysed_labels: dict[tuple, list[tuple[str, ...]]] = {}


def identity(terms):
    return terms


def spread(values: np.ndarray) -> np.ndarray:
    """Scale one member's scores so its best division is 1 and its worst 0."""
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values, dtype=np.float64)


def decide(model, matrix) -> np.ndarray:
    """One score per class of the model for the single row in matrix.

    A binary linear model gives one decision value (for its second class); make it two.
    """
    decision = np.atleast_1d(model.decision_function(matrix)[0]).astype(np.float64)
    return np.array([-decision[0], decision[0]]) if decision.size == 1 else decision


class DivisionClassifier:
    """Scores every CPV division for a query; trained once per corpus.

    ``texts`` (titles) feed the character member and ``vectors`` (document embeddings) the
    embedding members; either may be left out, and a member without data is not trained.
    ``weights`` weigh the documents (1 each by default).
    """

    @classmethod
    def for_corpus(
        cls,
        terms: Sequence[Sequence[str]],
        codes: Sequence[str],
        languages: Sequence[str],
        texts: Sequence[str] | None = None,
        vectors: np.ndarray | None = None,
        vocabulary: Iterable[tuple[str, Mapping[str, str]]] = (),
        tuned=None,
    ) -> "DivisionClassifier":
        """A classifier over the corpus's classified documents and, given the vocabulary
        ((code, {language: label}) pairs), its labels in the corpus's languages. tuned: a fine-tuned
        transformer to add as a member, if one was trained: skala.matching.served.ServedDivisionModel,
        or the skala.matching.tuned.TunedDivisionModel it was saved from."""
        count = len(codes)
        texts = list(texts) if texts is not None else [""] * count
        chosen = label_languages(languages[n] for n in range(count) if codes[n])
        label_terms, label_codes, label_texts = label_documents(vocabulary, chosen)
        if vectors is not None and label_codes:
            vectors = np.vstack([vectors, np.zeros((len(label_codes), vectors.shape[1]), vectors.dtype)])
        return cls(
            list(terms) + label_terms,
            list(codes) + label_codes,
            texts=texts + label_texts,
            vectors=vectors,
            weights=[1.0] * count + [LABEL_WEIGHT] * len(label_codes),
            trained_documents=count,
            tuned=tuned,
        )

    def __init__(
        self,
        terms: Sequence[Sequence[str]],
        codes: Sequence[str],
        texts: Sequence[str] | None = None,
        vectors: np.ndarray | None = None,
        weights: Sequence[float] | None = None,
        trained_documents: int | None = None,
        tuned=None,
    ):
        self.tuned = tuned
        # A transformer pass costs tens of milliseconds where the linear members cost a fraction of one,
        # and a need's page asks for its suggestions and its similar needs: this classifier's last texts
        # are kept (per classifier, so a replaced index's classifier is not kept alive).
        self.tuned_scores = functools.lru_cache(maxsize=256)(self.uncached_tuned_scores)
        count = len(codes)
        texts = list(texts) if texts is not None else [""] * count
        # Only the first trained_documents rows are the corpus's; the rest (labels) are always kept
        # and do not count towards the minimum a classifier needs.
        corpus_size = count if trained_documents is None else trained_documents
        # How many of the corpus's documents had a code: an index keeps this classifier until that moves.
        self.learnt_from = sum(1 for n in range(corpus_size) if codes[n])
        usable = [n for n in range(count) if codes[n] and (terms[n] or texts[n].strip())]
        rows = [n for n in usable if n < corpus_size]
        extra = [n for n in usable if n >= corpus_size]
        if len(rows) > MAXIMUM_TRAINING_DOCUMENTS:
            step = len(rows) / MAXIMUM_TRAINING_DOCUMENTS
            rows = [rows[int(n * step)] for n in range(MAXIMUM_TRAINING_DOCUMENTS)]
        enough = len(rows) >= MINIMUM_DOCUMENTS
        rows += extra
        labels = np.array([code8(codes[n])[:2] for n in rows])
        sample_weight = np.array([weights[n] for n in rows]) if weights is not None else None
        self.divisions: np.ndarray = np.array([])
        self.members: dict[str, object] = {}
        self.neighbour_vectors: np.ndarray | None = None
        if not enough or len(set(labels)) < 2:
            return
        self.divisions = np.unique(labels)
        self.terms_vectoriser = TfidfVectorizer(analyzer=identity, sublinear_tf=True)
        matrix = self.terms_vectoriser.fit_transform([list(terms[n]) for n in rows])
        self.members["terms"] = LinearSVC(C=0.5, random_state=0).fit(
            matrix, labels, sample_weight=sample_weight
        )
        titled = [k for k, n in enumerate(rows) if texts[n].strip()]
        if len(titled) >= MINIMUM_DOCUMENTS:
            self.train_characters(
                [texts[rows[k]][:CHARACTER_TEXT] for k in titled],
                labels[titled],
                None if sample_weight is None else sample_weight[titled],
            )
        if vectors is not None:
            self.train_embedding(vectors, rows, labels)

    def train_characters(
        self, texts: list[str], labels: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> None:
        if len(set(labels)) < 2:
            return
        self.characters_vectoriser = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2, lowercase=True
        )
        matrix = self.characters_vectoriser.fit_transform(texts)
        # A loose tolerance halves the training time (20,000 titles: 14 s to 7 s) for the same
        # validation accuracy.
        self.members["characters"] = LinearSVC(C=0.3, tol=0.1, random_state=0).fit(
            matrix, labels, sample_weight=sample_weight
        )

    def train_embedding(self, vectors: np.ndarray, rows: list[int], labels: np.ndarray) -> None:
        """The embedding members, from the rows that have a vector (a zero row has none)."""
        with_vector = [k for k, n in enumerate(rows) if vectors[n].any()]
        if len(with_vector) < MINIMUM_DOCUMENTS or len(set(labels[with_vector])) < 2:
            return
        matrix = np.ascontiguousarray(vectors[[rows[k] for k in with_vector]], dtype=np.float32)
        with warnings.catch_warnings():
            # lbfgs may stop a little short of its tolerance; the scores are good before that.
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.members["embedding"] = LogisticRegression(C=30, max_iter=300).fit(
                matrix, labels[with_vector]
            )
        self.neighbour_vectors = matrix
        division_number = {division: n for n, division in enumerate(self.divisions)}
        self.neighbour_divisions = np.array([division_number[d] for d in labels[with_vector]])

    @property
    def trained(self) -> bool:
        return self.divisions.size > 0

    def member_scores(
        self, terms: Sequence[str], text: str = "", vector: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """Each member's raw scores over self.divisions, for the members that can speak."""
        found: dict[str, np.ndarray] = {}
        if terms:
            model = self.members["terms"]
            found["terms"] = self.aligned(
                model.classes_, decide(model, self.terms_vectoriser.transform([list(terms)]))
            )
        if "characters" in self.members and text.strip():
            model = self.members["characters"]
            matrix = self.characters_vectoriser.transform([text[:CHARACTER_TEXT]])
            if matrix.nnz:
                found["characters"] = self.aligned(model.classes_, decide(model, matrix))
        if (
            self.neighbour_vectors is not None
            and vector is not None
            and vector.shape[0] == self.neighbour_vectors.shape[1]
            and vector.any()
        ):
            model = self.members["embedding"]
            found["embedding"] = self.aligned(model.classes_, decide(model, vector[None, :]))
            found["embedding_neighbours"] = self.neighbour_vote(vector)
        if self.tuned is not None and text.strip():
            found["tuned"] = self.tuned_scores(text[:CHARACTER_TEXT]).copy()
        return found

    def uncached_tuned_scores(self, text: str) -> np.ndarray:
        """The fine-tuned model's scores over self.divisions; a division it never learnt gets its lowest."""
        values = self.tuned.logits([text])[0].astype(np.float64)
        known = np.isin(self.tuned.divisions, self.divisions)
        return self.aligned(self.tuned.divisions[known], values[known])

    def aligned(self, classes: np.ndarray, values: np.ndarray) -> np.ndarray:
        """A member's scores laid out over self.divisions; a division it never saw gets its lowest score."""
        out = np.full(self.divisions.size, float(values.min()))
        out[np.searchsorted(self.divisions, classes)] = values
        return out

    def neighbour_vote(self, vector: np.ndarray) -> np.ndarray:
        similarity = self.neighbour_vectors @ vector.astype(np.float32)
        count = min(EMBEDDING_NEIGHBOURS, similarity.size)
        nearest = np.argpartition(-similarity, count - 1)[:count]
        votes = np.zeros(self.divisions.size)
        np.add.at(
            votes,
            self.neighbour_divisions[nearest],
            np.exp((similarity[nearest].astype(np.float64) - 1) / EMBEDDING_TEMPERATURE),
        )
        return votes

    def scores(
        self, terms: Sequence[str], text: str = "", vector: np.ndarray | None = None
    ) -> dict[str, float]:
        """Each division's score, scaled so the best is 1 and the worst 0; empty when untrained.

        Each member's scores are scaled to 0..1 first, then weighed (WEIGHTS) and summed.
        """
        if not self.trained:
            return {}
        members = self.member_scores(terms, text, vector)
        if not members:
            return {}
        total = sum(WEIGHTS[name] * spread(values) for name, values in members.items())
        return dict(zip(self.divisions.tolist(), spread(total).tolist(), strict=True))
