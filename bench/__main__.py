"""Run every benchmark on a fresh database and print each figure beside the committed baseline.

    python -m bench                  # run all, compare with bench/baseline.json
    python -m bench reference        # run the benchmarks whose module name contains 'reference'
    python -m bench --save-baseline  # run all and make this run the new baseline

Figures are medians or totals as each benchmark names them; the ratio is now / baseline, so for
times and memory below 1.00 is better.
"""

import argparse
import importlib
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BASELINE = BENCH_DIR / "baseline.json"


def prepare_database() -> None:
    """A fresh SQLite file (unless DATABASE_URL is set), migrated, so runs compare like with like."""
    if "DATABASE_URL" not in os.environ:
        folder = tempfile.mkdtemp(prefix="skala-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skala.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("only", nargs="?", default="", help="run only benchmarks whose name contains this")
    parser.add_argument("--save-baseline", action="store_true")
    arguments = parser.parse_args()

    prepare_database()
    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {"figures": {}}
    figures: dict[str, dict] = {}
    print(f"  {'figure':<44} {'baseline':>12} {'now':>12} {'unit':<6} now/baseline")
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        if arguments.only not in path.stem:
            continue
        module = importlib.import_module(f"bench.{path.stem}")
        print(f"== {path.stem}: {module.__doc__.strip().splitlines()[0]}", flush=True)
        for name, (value, unit) in module.run().items():
            key = f"{path.stem}.{name}"
            figures[key] = {"value": value, "unit": unit}
            before = baseline["figures"].get(key)
            ratio = f"{value / before['value']:.2f}" if before and before["value"] else "–"
            was = f"{before['value']:.3f}" if before else "–"
            print(f"  {name:<44} {was:>12} {value:>12.3f} {unit:<6} {ratio}", flush=True)
    if arguments.save_baseline:
        BASELINE.write_text(
            json.dumps(
                {"machine": f"{platform.machine()} {platform.python_version()}", "figures": figures},
                indent=2,
                sort_keys=True,
            )
            + "\n"
        )
        print(f"Saved as the baseline: {BASELINE}")


if __name__ == "__main__":
    sys.exit(main())
