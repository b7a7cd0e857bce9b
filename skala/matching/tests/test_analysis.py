from skala.matching.analysis import analyse, fragments, matching_terms, words


def test_words_are_lower_cased_and_stripped_of_punctuation():
    assert words("Trygghetsalarmer, sensorer & IoT-løsninger!") == [
        "trygghetsalarmer",
        "sensorer",
        "iot",
        "løsninger",
    ]


def test_norwegian_plural_and_definite_forms_share_a_stem():
    assert analyse("sensorer", "nb") == analyse("sensoren", "nb") == analyse("sensor", "nb")


def test_stop_words_are_dropped():
    assert analyse("tilsyn for de eldre og syke", "nb") == analyse("tilsyn eldre syke", "nb")


def test_swedish_is_stemmed_as_swedish():
    assert analyse("larmen", "sv") == analyse("larm", "sv")


def test_unknown_language_is_stemmed_by_every_stemmer():
    stems = analyse("larmen sensorerne", "mul")
    assert "larm" in stems
    assert "sensor" in stems


def test_fragments_let_compounds_meet_their_parts():
    assert "#larm" in fragments(["trygghetslarm"])
    assert set(matching_terms("trygghetslarm", "sv")) & set(matching_terms("larm", "sv"))


def test_what_every_need_says_is_no_reason_to_match():
    from skala.matching.analysis import analyse

    assert analyse("Vi trenger trygghetsalarmer", "nb") == analyse("trygghetsalarmer", "nb")
