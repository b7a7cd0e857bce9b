"""The suggester's ranking: codes from other divisions get a fair place, and the scores say the order."""

from skala.matching.suggest import Suggestion, diversify


def suggestion(code: str, score: float) -> Suggestion:
    return Suggestion(code=code, score=score, label_terms=[], neighbours=[])


def test_diversified_suggestions_are_best_first_by_the_score_they_show():
    ranked = [
        suggestion("45233222", 3.0),
        suggestion("45233220", 2.9),
        suggestion("45233200", 2.8),
        suggestion("90620000", 2.5),
    ]
    chosen = diversify(ranked, top=4)
    assert [s.code for s in chosen][:2] == ["45233222", "90620000"]  # the other division moves up
    scores = [s.score for s in chosen]
    assert scores == sorted(scores, reverse=True)
