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

The weights were tuned on a validation split carved from the training buyers of the Swedish 2021
procurements (never on the held-out buyers bench/matching.py measures on); docs/matching.md has
the figures and what else was tried.
"""

import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from skala.matching.cpv import code8

MINIMUM_DOCUMENTS = 30
# Training time grows faster than accuracy: 20,000 documents train in seconds on one core,
# 200,000 in minutes, for a point or two. Larger corpora are sampled, evenly.
MAXIMUM_TRAINING_DOCUMENTS = 20_000
# How much each member counts; the terms model is the reference.
WEIGHTS = {"terms": 1.0, "characters": 0.5, "embedding": 1.0, "embedding_neighbours": 0.4}
EMBEDDING_NEIGHBOURS = 10
# A neighbour's vote falls off with its distance: exp((similarity - 1) / this).
EMBEDDING_TEMPERATURE = 0.05
# Titles carry the classifier's character n-grams; a long query text is cut to this many characters.
CHARACTER_TEXT = 500


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
    """

    def __init__(
        self,
        terms: Sequence[Sequence[str]],
        codes: Sequence[str],
        texts: Sequence[str] | None = None,
        vectors: np.ndarray | None = None,
    ):
        count = len(codes)
        texts = list(texts) if texts is not None else [""] * count
        rows = [n for n in range(count) if codes[n] and (terms[n] or texts[n].strip())]
        if len(rows) > MAXIMUM_TRAINING_DOCUMENTS:
            step = len(rows) / MAXIMUM_TRAINING_DOCUMENTS
            rows = [rows[int(n * step)] for n in range(MAXIMUM_TRAINING_DOCUMENTS)]
        labels = np.array([code8(codes[n])[:2] for n in rows])
        self.divisions: np.ndarray = np.array([])
        self.members: dict[str, object] = {}
        self.neighbour_vectors: np.ndarray | None = None
        if len(rows) < MINIMUM_DOCUMENTS or len(set(labels)) < 2:
            return
        self.divisions = np.unique(labels)
        self.terms_vectoriser = TfidfVectorizer(analyzer=identity, sublinear_tf=True)
        matrix = self.terms_vectoriser.fit_transform([list(terms[n]) for n in rows])
        self.members["terms"] = LinearSVC(C=0.5).fit(matrix, labels)
        titled = [k for k, n in enumerate(rows) if texts[n].strip()]
        if len(titled) >= MINIMUM_DOCUMENTS:
            self.train_characters([texts[rows[k]][:CHARACTER_TEXT] for k in titled], labels[titled])
        if vectors is not None:
            self.train_embedding(vectors, rows, labels)

    def train_characters(self, texts: list[str], labels: np.ndarray) -> None:
        if len(set(labels)) < 2:
            return
        self.characters_vectoriser = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2, lowercase=True
        )
        matrix = self.characters_vectoriser.fit_transform(texts)
        # A loose tolerance halves the training time (20,000 titles: 14 s to 7 s) for the same
        # validation accuracy.
        self.members["characters"] = LinearSVC(C=0.3, tol=0.1).fit(matrix, labels)

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
        return found

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
