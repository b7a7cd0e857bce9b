"""Run every benchmark on a fresh database and print each figure beside the committed baseline.

    python -m bench                  # run all, compare with bench/baseline.json
    python -m bench reference        # run the benchmarks whose module name contains 'reference'
    python -m bench --save-baseline  # run all and make this run the new baseline

Figures are medians or totals as each benchmark names them; the ratio is now / baseline, so for
times and memory below 1.00 is better.
"""

import argparse
import importlib
import os
import sys
import tempfile
from pathlib import Path

from bench import baselines

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
    baseline = baselines.read(BASELINE)
    figures: dict[str, tuple[float, str]] = {}
    print(f"  {'figure':<44} {'baseline':>12} {'now':>12} {'unit':<6} now/baseline")
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        if arguments.only not in path.stem:
            continue
        module = importlib.import_module(f"bench.{path.stem}")
        print(f"== {path.stem}: {module.__doc__.strip().splitlines()[0]}", flush=True)
        for name, (value, unit) in module.run().items():
            key = f"{path.stem}.{name}"
            figures[key] = (value, unit)
            before = baseline["figures"].get(key)
            was = f"{before['value']:.3f}" if before else "–"
            print(
                f"  {name:<44} {was:>12} {value:>12.3f} {unit:<6} {baselines.ratio(value, before)}",
                flush=True,
            )
    if arguments.save_baseline:
        baselines.save(BASELINE, figures)


if __name__ == "__main__":
    sys.exit(main())
