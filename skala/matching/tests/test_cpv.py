from skala.matching.cpv import ancestors, best_shared, closeness, shared_level


def test_shared_levels():
    assert shared_level("45223100", "45223100-7") == ("code", "45223100")
    assert shared_level("45223100", "45223200") == ("category", "45223000")
    assert shared_level("45223100", "45230000") == ("group", "45200000")
    assert shared_level("45223100", "45000000") == ("division", "45000000")
    assert shared_level("45223100", "33000000") is None


def test_closeness_falls_with_each_level():
    assert (
        closeness("45223100", "45223100")
        > closeness("45223100", "45223200")
        > closeness("45223100", "45100000")
        > 0
    )
    assert closeness("45223100", "85000000") == 0


def test_best_shared_pair():
    assert best_shared(["33000000", "45223100"], ["45223000"]) == (0.85, ("category", "45223000"))


def test_ancestors():
    assert ancestors("45223100") == ["45000000", "45200000", "45220000", "45223000"]
    assert ancestors("45000000") == []
