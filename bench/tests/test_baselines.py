"""The saved-baseline table every benchmark prints."""

import argparse

import pytest

from bench import baselines


def saved(tmp_path, figures, conditions=None):
    path = tmp_path / "baseline.json"
    baselines.save(path, figures, conditions)
    return baselines.read(path)


def test_a_figure_is_printed_beside_the_baseline_with_the_ratio(tmp_path):
    baseline = saved(tmp_path, {"query_p95_ms": (40.0, "ms")})

    header, line = baselines.beside({"query_p95_ms": (30.0, "ms")}, baseline)

    assert header.split() == ["figure", "baseline", "now", "unit", "now/baseline"]
    assert line.split() == ["query_p95_ms", "40.0", "30.0", "ms", "0.75"]


def test_a_figure_the_baseline_lacks_has_no_ratio(tmp_path):
    baseline = baselines.read(tmp_path / "none.json")

    _header, line = baselines.beside({"new_figure": (2.5, "s")}, baseline, decimals=2)

    assert line.split() == ["new_figure", "–", "2.50", "s", "–"]


def test_conditions_that_differ_from_the_baselines_are_named(tmp_path):
    baseline = saved(tmp_path, {}, {"sizes": "20000,200000", "tuned": False})

    lines = baselines.differences({"sizes": "20000", "tuned": False, "queries": 10}, baseline)

    assert lines == ["  (the baseline ran with sizes '20000,200000'; this run with '20000')"]


def test_the_databases_option_is_split_and_an_unknown_database_is_refused(capsys):
    parser = argparse.ArgumentParser()

    assert baselines.database_names(parser, "sqlite, postgres,") == ["sqlite", "postgres"]
    with pytest.raises(SystemExit):
        baselines.database_names(parser, "sqlite,oracle")
    assert "unknown databases: oracle" in capsys.readouterr().err


def test_each_databases_figures_are_named_after_it():
    results = {"sqlite": {"seconds": 2.0, "rows": 10}, "postgres": {"seconds": 1.0, "rows": 10}}

    figures = baselines.per_database(results, [("seconds", "s")])

    assert figures == {"sqlite.seconds": (2.0, "s"), "postgres.seconds": (1.0, "s")}
