"""A CPV division classifier learnt from the documents that already carry codes.

Nearest neighbours vote with a handful of documents; a linear model weighs every classified
document at once. Measured on Swedish procurement titles, a linear support-vector classifier over
our analysed terms names the right division about five points more often than the neighbours'
vote (bench/matching.py); the suggester uses both.
"""

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from skala.matching.cpv import code8

MINIMUM_DOCUMENTS = 30
# Training time grows faster than accuracy: 20,000 documents train in about five seconds on one
# core, 200,000 in over four minutes, for a point or two. Larger corpora are sampled, evenly.
MAXIMUM_TRAINING_DOCUMENTS = 20_000


def identity(terms):
    return terms


class DivisionClassifier:
    """Scores every CPV division for a query's terms; trained once per corpus."""

    def __init__(self, terms: Sequence[Sequence[str]], codes: Sequence[str]):
        labelled = [(list(t), code8(c)[:2]) for t, c in zip(terms, codes, strict=True) if c and t]
        if len(labelled) > MAXIMUM_TRAINING_DOCUMENTS:
            step = len(labelled) / MAXIMUM_TRAINING_DOCUMENTS
            labelled = [labelled[int(n * step)] for n in range(MAXIMUM_TRAINING_DOCUMENTS)]
        self.divisions: np.ndarray = np.array([])
        if len(labelled) < MINIMUM_DOCUMENTS or len({division for _t, division in labelled}) < 2:
            return
        self.vectoriser = TfidfVectorizer(analyzer=identity, sublinear_tf=True, min_df=1)
        matrix = self.vectoriser.fit_transform([t for t, _d in labelled])
        self.model = LinearSVC(C=0.5)
        self.model.fit(matrix, [division for _t, division in labelled])
        self.divisions = self.model.classes_

    @property
    def trained(self) -> bool:
        return self.divisions.size > 0

    def scores(self, terms: Sequence[str]) -> dict[str, float]:
        """Each division's score, scaled so the best is 1 and the worst 0; empty when untrained."""
        if not self.trained or not terms:
            return {}
        decision = self.model.decision_function(self.vectoriser.transform([list(terms)]))[0]
        if self.divisions.size == 2:
            decision = np.array([-decision, decision])
        low, high = float(decision.min()), float(decision.max())
        spread = high - low or 1.0
        return {
            division: (float(value) - low) / spread
            for division, value in zip(self.divisions, decision, strict=True)
        }
