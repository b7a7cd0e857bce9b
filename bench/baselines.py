"""A benchmark's saved baseline run: read it, print this run's figures beside it, save this run.

Each benchmark keeps its baseline in a JSON file beside it: the machine, the conditions of the run
(sizes, what else was running) and every figure with its unit. A later run prints each figure next
to the baseline's and the ratio now / baseline, so for times and memory below 1.00 is better.
"""

import json
import os
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path

Figures = Mapping[str, tuple[float, str]]


def machine() -> str:
    return f"{platform.machine()} {platform.python_version()} {os.cpu_count()} cores"


def read(path: Path) -> dict:
    """The saved baseline, or an empty one when none has been saved yet."""
    return json.loads(path.read_text()) if path.exists() else {"figures": {}}


def ratio(value: float, before: Mapping | None) -> str:
    return f"{value / before['value']:.2f}" if before and before["value"] else "–"


def beside(figures: Figures, baseline: Mapping, *, decimals: int = 1, width: int = 40) -> list[str]:
    """The table of this run's figures beside the baseline's, one line a figure, header first."""
    lines = [f"  {'figure':<{width}} {'baseline':>12} {'now':>12} {'unit':<8} now/baseline"]
    for key, (value, unit) in figures.items():
        before = baseline["figures"].get(key)
        was = f"{before['value']:,.{decimals}f}" if before else "–"
        lines.append(f"  {key:<{width}} {was:>12} {value:>12,.{decimals}f} {unit:<8} {ratio(value, before)}")
    return lines


def differences(conditions: Mapping, baseline: Mapping) -> list[str]:
    """A line for every condition this run and the baseline's ran under differently."""
    saved = baseline.get("conditions", {})
    return [
        f"  (the baseline ran with {name} {saved[name]!r}; this run with {value!r})"
        for name, value in conditions.items()
        if name in saved and saved[name] != value
    ]


DATABASES = ("sqlite", "postgres")


def database_names(parser, value: str) -> list[str]:
    """The databases a --databases option names ("sqlite,postgres"); an unknown name is the parser's error."""
    databases = [name.strip() for name in value.split(",") if name.strip()]
    if unknown := set(databases) - set(DATABASES):
        parser.error(f"unknown databases: {', '.join(sorted(unknown))}")
    return databases


def per_database(results: Mapping[str, Mapping[str, float]], names: Sequence[tuple[str, str]]) -> dict:
    """Figures named "database.figure" from each database's results, for the (name, unit) pairs given."""
    return {
        f"{database}.{name}": (result[name], unit)
        for database, result in results.items()
        for name, unit in names
    }


def save(path: Path, figures: Figures, conditions: Mapping | None = None) -> None:
    document = {
        "machine": machine(),
        "conditions": dict(conditions or {}),
        "figures": {key: {"value": value, "unit": unit} for key, (value, unit) in figures.items()},
    }
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    print(f"Saved as the baseline: {path}")
