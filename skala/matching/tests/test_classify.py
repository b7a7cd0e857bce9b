import numpy as np

from skala.matching.analysis import matching_terms
from skala.matching.classify import DivisionClassifier, spread

ROADS = ["Asfaltering av gator", "Beläggning av vägar", "Asfaltsarbeten på gång- och cykelvägar"]
CLEANING = ["Städtjänster för skolor", "Lokalvård i förskolor", "Fönsterputs och städning"]
FOOD = ["Livsmedel till skolkök", "Frukt och grönt", "Mejeriprodukter till förskolor"]


def corpus(groups: dict[str, list[str]], copies: int = 10) -> tuple[list[str], list[str]]:
    """Each group's titles, repeated so there are enough documents to train on."""
    titles, codes = [], []
    for code, texts in groups.items():
        for n in range(copies):
            for text in texts:
                titles.append(f"{text} {n}")
                codes.append(code)
    return titles, codes


def classifier(groups, vectors=None, with_titles=True) -> DivisionClassifier:
    titles, codes = corpus(groups)
    return DivisionClassifier(
        [matching_terms(title, "sv") for title in titles],
        codes,
        texts=titles if with_titles else None,
        vectors=vectors,
    )


def best(scores: dict[str, float]) -> str:
    return max(scores, key=scores.__getitem__)


def test_scores_span_zero_to_one_with_the_right_division_on_top():
    model = classifier({"45233222": ROADS, "90911000": CLEANING, "15000000": FOOD})
    scores = model.scores(matching_terms("Asfaltering av vägar", "sv"), "Asfaltering av vägar")
    assert best(scores) == "45"
    assert max(scores.values()) == 1.0
    assert min(scores.values()) == 0.0


def test_titles_train_a_character_member_that_needs_no_shared_stem():
    model = classifier({"45233222": ROADS, "90911000": CLEANING, "15000000": FOOD})
    assert set(model.members) == {"terms", "characters"}
    # No stem in common with the corpus (as when a short title is stemmed as another language),
    # but the character n-grams of "städ" and "skol" are there.
    scores = model.scores([], "Skolstädningen")
    assert best(scores) == "90"


def test_without_titles_only_the_terms_member_is_trained():
    model = classifier({"45233222": ROADS, "90911000": CLEANING}, with_titles=False)
    assert set(model.members) == {"terms"}
    assert model.scores([], "Städning") == {}


def test_two_divisions_give_a_score_to_each():
    model = classifier({"45233222": ROADS, "90911000": CLEANING})
    scores = model.scores(matching_terms("Lokalvård", "sv"), "Lokalvård")
    assert set(scores) == {"45", "90"}
    assert best(scores) == "90"


def test_embeddings_add_members_that_decide_when_the_words_are_unknown():
    titles, codes = corpus({"45233222": ROADS, "90911000": CLEANING, "15000000": FOOD})
    centre = {"45233222": 0, "90911000": 1, "15000000": 2}
    generator = np.random.default_rng(0)
    vectors = np.zeros((len(titles), 8), dtype=np.float32)
    for n, code in enumerate(codes):
        vectors[n, centre[code]] = 1.0
        vectors[n] += generator.normal(0, 0.05, 8).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    model = DivisionClassifier(
        [matching_terms(t, "sv") for t in titles], codes, texts=titles, vectors=vectors
    )
    assert "embedding" in model.members
    query = np.zeros(8, dtype=np.float32)
    query[2] = 1.0
    found = model.member_scores([], "", query)
    assert set(found) == {"embedding", "embedding_neighbours"}
    assert best(model.scores([], "", query)) == "15"
    # A zero vector is a document or query without an embedding: the members stay silent.
    assert model.scores([], "", np.zeros(8, dtype=np.float32)) == {}


def test_too_few_documents_train_nothing():
    model = DivisionClassifier([["asfalt"]] * 5, ["45000000"] * 5, texts=["asfalt"] * 5)
    assert not model.trained
    assert model.scores(["asfalt"], "asfalt") == {}


def test_spread_maps_a_members_scores_to_zero_and_one():
    assert spread(np.array([-1.0, 0.0, 3.0])).tolist() == [0.0, 0.25, 1.0]
    assert spread(np.array([2.0, 2.0])).tolist() == [0.0, 0.0]


def test_the_index_trains_its_classifier_on_titles_and_embeddings():
    from skala.matching.index import Document, MatchIndex, make_query

    titles, codes = corpus({"45233222": ROADS, "90911000": CLEANING, "15000000": FOOD})
    vectors = np.eye(3, 8, dtype=np.float32)[[int(code[0] == "9") + 2 * (code[0] == "1") for code in codes]]
    index = MatchIndex(
        [
            Document(
                f"notice:{n}", "notice", title, "sv", tuple(matching_terms(title, "sv")), (code,), vectors[n]
            )
            for n, (title, code) in enumerate(zip(titles, codes, strict=True))
        ]
    )
    assert set(index.classifier.members) == {"terms", "characters", "embedding"}
    prior = index.division_prior(make_query("Skolstädningen", "sv"))
    assert best(prior) == "90"


def test_labels_teach_a_division_no_classified_document_has_named_yet():
    titles, codes = corpus({"45233222": ROADS, "90911000": CLEANING, "15000000": FOOD})
    vocabulary = [
        ("34144510", {"sv": "Brandbilar", "nb": "Brannbiler"}),
        ("45233222", {"sv": "Beläggningsarbeten", "nb": "Asfaltarbeid"}),
    ]
    terms = [matching_terms(title, "sv") for title in titles]
    query = "Nya brandbilar"
    without = DivisionClassifier.for_corpus(terms, codes, ["sv"] * len(codes), texts=titles)
    learnt = DivisionClassifier.for_corpus(
        terms, codes, ["sv"] * len(codes), texts=titles, vocabulary=vocabulary
    )
    assert "34" not in without.scores(matching_terms(query, "sv"), query)
    assert best(learnt.scores(matching_terms(query, "sv"), query)) == "34"


def test_labels_alone_train_nothing():
    vocabulary = [(f"{division}000000", {"sv": f"Etikett {division}"}) for division in range(10, 99)]
    model = DivisionClassifier.for_corpus(
        [["asfalt"]] * 5, ["45233222"] * 5, ["sv"] * 5, vocabulary=vocabulary
    )
    assert not model.trained


def test_labels_are_learnt_in_the_corpus_languages_only():
    from skala.matching.classify import label_languages

    assert label_languages(["sv"] * 8 + ["nb"] * 2) == ["nb", "sv"]
    assert label_languages(["sv"] * 9 + ["da"]) == ["sv"]
    # Nynorsk documents learn from the bokmål labels, the nearest the vocabulary has.
    assert label_languages(["nn"] * 3 + ["nb"]) == ["nb"]
    assert label_languages([]) == []


def test_the_same_documents_train_the_same_classifier_whatever_the_random_state():
    """Two processes (the web workers, the command line) give the same scores to the digit: the linear
    members' solver shuffles with a fixed seed, not numpy's global one."""
    generator = np.random.default_rng(7)
    letters = list("abdefghijklmnoprstuvyæøå")
    words = ["".join(generator.choice(letters, size=7)) for _ in range(600)]
    texts = [" ".join(generator.choice(words, size=5)) for _ in range(800)]
    codes = [["45", "33", "90", "15", "31"][int(generator.integers(5))] + "000000" for _ in texts]
    terms = [tuple(matching_terms(text, "nb")) for text in texts]
    scores = []
    for seed in (1, 2):
        np.random.seed(seed)
        trained = DivisionClassifier(terms, codes, texts=texts)
        scores.append(trained.member_scores(terms[0], texts[0]))
    assert set(scores[0]) == {"terms", "characters"}
    for member in scores[0]:
        assert np.array_equal(scores[0][member], scores[1][member])
