"""Importing a municipality's spend and reporting on its supplier base: `make bench-spend`.

Generates N spend lines (default 10,000,000) shaped like a large municipality's year: about 15,000
suppliers with a heavy tail (most of them paid under NOK 100,000 in the year), 50 offices, 40
ledger accounts, a year of dates, 2 % credit notes, 5 % of lines with a supplier name but no
organisation number (spelt as variants), as a semicolon-separated CSV with Norwegian headers,
dates as DD.MM.YYYY and decimal commas. Then, for each database in its own process (so settings
load for that database):

1. import: migrate, import the file (timed, lines per second), import it again (recognised as
   already imported: timed), the process's peak resident memory (ru_maxrss), and the CPU seconds
   the import used in this process and in PostgreSQL's (the machine may be shared: these say what
   the import cost whatever else ran);
2. report: the supplier-base report for the organisation and year (the median of 5 runs), and the
   alternatives measured beside it: the same figures with plain SQL GROUP BY over the raw lines,
   with DuckDB over the summary rows, and, on the raw lines loaded into memory, with DuckDB and
   with pandas. The figures pandas computes are checked against the report's.

    python -m bench.spend                             # 10,000,000 lines, SQLite
    python -m bench.spend --lines 200000              # a quick run
    python -m bench.spend --databases sqlite,postgres
    python -m bench.spend --save-baseline             # make this run bench/spend_baseline.json

PostgreSQL is reached at BENCH_SPEND_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/skala_bench_spend); the database is created with psql when it
is missing. The ratio is now / baseline: for lines per second above 1.00 is better, for seconds and
memory below 1.00 is better. Targets: import at least 100,000 lines/s; the report under 1 second for
10 million lines and at least 5 times faster than pandas.
"""

import argparse
import datetime
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import baselines
from bench.brreg import ensure_postgres_database, valid_orgnrs

ROOT = Path(__file__).resolve().parents[1]
BASELINE = Path(__file__).resolve().parent / "spend_baseline.json"
POSTGRES_URL = os.environ.get(
    "BENCH_SPEND_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/skala_bench_spend"
)
SEED = 2025
YEAR = 2025
SUPPLIERS = 15_000
OFFICES = 50
ORGNR = "958935420"
THRESHOLD = 100_000

WORDS = [
    "Nordlys", "Fjord", "Vest", "Bygg", "Data", "Helse", "Omsorg", "Teknikk", "Service", "Invest",
    "Consult", "Eiendom", "Transport", "Marin", "Energi", "Digital", "Design", "Regnskap", "Agro", "Fisk",
    "Rør", "Elektro", "Maler", "Snekker", "Vakt", "Renhold", "Kontor", "Papir", "Mat", "Catering",
]  # fmt: skip
FORMS = ["AS", "AS", "AS", "AS", "ASA", "ANS", "DA", "SA"]
ACCOUNTS = [
    "6300 Leie lokaler", "6340 Lys og varme", "6360 Renhold", "6500 Verktøy og inventar", "6540 Inventar",
    "6551 Datautstyr", "6552 Programvare", "6600 Reparasjon og vedlikehold", "6700 Konsulenttjenester",
    "6705 Regnskap og revisjon", "6720 Juridisk bistand", "6790 Andre fremmede tjenester",
    "6800 Kontorrekvisita",
    "6840 Aviser og tidsskrifter", "6860 Kurs", "6900 Telefon", "6940 Porto", "7000 Drivstoff",
    "7020 Vedlikehold biler", "7100 Bilgodtgjørelse", "7140 Reisekostnad", "7150 Diettkostnad",
    "7320 Reklame", "7350 Representasjon", "7400 Kontingenter", "7500 Forsikring", "7700 Styremøter",
    "4000 Matvarer", "4010 Medisinsk forbruksmateriell", "4020 Hjelpemidler", "4030 Lærebøker",
    "4040 Undervisningsmateriell", "4050 Arbeidstøy", "4060 Rengjøringsmidler", "4070 Byggevarer",
    "4080 Snørydding", "4090 Transporttjenester", "4100 Vikartjenester", "4110 Tolketjenester",
    "4120 Velferdsteknologi",
]  # fmt: skip
CPV_CODES = [
    "45000000", "50000000", "72000000", "79000000", "90910000", "15000000", "33140000", "30192000",
    "22110000", "80000000", "60000000", "79620000", "79540000", "48000000", "09134100", "18100000",
]  # fmt: skip
OFFICE_NAMES = [
    *(f"Bydel {name}" for name in (
        "Alna", "Bjerke", "Frogner", "Gamle Oslo", "Grorud", "Grünerløkka", "Nordre Aker", "Nordstrand",
        "Sagene", "St. Hanshaugen", "Stovner", "Søndre Nordstrand", "Ullern", "Vestre Aker", "Østensjø",
    )),
    "Sykehjemsetaten", "Helseetaten", "Utdanningsetaten", "Bymiljøetaten", "Kulturetaten",
    "Brann- og redningsetaten",
    "Eiendoms- og byfornyelsesetaten", "Plan- og bygningsetaten", "Vann- og avløpsetaten", "Renovasjons- og "
    "gjenvinningsetaten", "Utviklings- og kompetanseetaten", "Velferdsetaten", "Barne- og familieetaten",
    "Deichman", "Oslo Origo", "Kemnerkontoret", "Bydelsutvalgenes sekretariat", "Næringsetaten",
    "Beredskapsetaten", "Arbeidsinkluderingsetaten", "Omsorgsbygg", "Undervisningsbygg", "Boligbygg",
    "Oslo kommune Helseetaten legevakt", "Innkjøpsseksjonen", "Anskaffelsesenheten", "Innkjøp og logistikk",
    "Byrådsavdeling for finans", "Rådhusets forvaltningstjeneste", "Gravferdsetaten", "Oslobygg",
    "Kommunerevisjonen", "Elev- og lærlingombudet", "Oslo havn", "Sentralt innkjøp",
]  # fmt: skip
HEADER = "Bilagsdato;Leverandørnavn;Organisasjonsnummer;Beløp;Enhet;Konto;CPV;Beskrivelse\n"


def supplier_names(generator: random.Random, count: int) -> list[str]:
    """count distinct made-up supplier names, 'Nordlys Bygg AS'."""
    names: set[str] = set()
    ordered: list[str] = []
    while len(ordered) < count:
        name = f"{' '.join(generator.sample(WORDS, generator.randint(2, 3)))} {generator.choice(FORMS)}"
        if name in names:
            name = f"{name.rsplit(' ', 1)[0]} {len(ordered)} {generator.choice(FORMS)}"
        names.add(name)
        ordered.append(name)
    return ordered


def variant(generator: random.Random, name: str) -> str:
    """The name as someone typed it without the number: other case, legal form, punctuation."""
    base, form = name.rsplit(" ", 1)
    return generator.choice(
        [base, base.upper(), f"{base} {form}.", f"{base.lower()} {form.lower()}", f"{base},"]
    )


def generate(path: Path, count: int) -> int:
    """Write count spend lines as CSV; return the file's size in bytes."""
    import numpy

    generator = random.Random(SEED)
    rng = numpy.random.default_rng(SEED)
    names = supplier_names(generator, SUPPLIERS)
    orgnrs = valid_orgnrs(SUPPLIERS, start=91_000_000)
    # A heavy tail: supplier i's share of lines falls as 1 / i^1.3, and the big ones send larger invoices.
    weights = 1.0 / numpy.arange(1, SUPPLIERS + 1) ** 1.3
    weights /= weights.sum()
    scale = numpy.where(numpy.arange(SUPPLIERS) < 200, 1.6, 1.0)
    primary = [generator.randrange(len(ACCOUNTS)) for _ in range(SUPPLIERS)]
    cpv_of = [generator.choice(CPV_CODES) for _ in range(SUPPLIERS)]
    office_weights = numpy.array([1.0 / (i + 3) for i in range(OFFICES)])
    office_weights /= office_weights.sum()
    days = [
        (datetime.date(YEAR, 1, 1) + datetime.timedelta(days=offset)).strftime("%d.%m.%Y")
        for offset in range(365)
    ]
    chunk = 500_000
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER)
        written = 0
        while written < count:
            size = min(chunk, count - written)
            suppliers = rng.choice(SUPPLIERS, size=size, p=weights)
            offices = rng.choice(OFFICES, size=size, p=office_weights)
            amounts = numpy.round(rng.lognormal(6.9, 1.2, size=size) * scale[suppliers], 2)
            credit = rng.random(size) < 0.02
            no_number = rng.random(size) < 0.05
            other_account = rng.random(size) < 0.1
            with_cpv = rng.random(size) < 0.3
            spaced = rng.random(size) < 0.1
            day_of = rng.integers(0, 365, size=size)
            account_of = rng.integers(0, len(ACCOUNTS), size=size)
            out = []
            for i in range(size):
                supplier = int(suppliers[i])
                amount = -amounts[i] if credit[i] else amounts[i]
                text = f"{amount:,.2f}".replace(",", " ") if spaced[i] else f"{amount:.2f}"
                if no_number[i]:
                    name, number = variant(generator, names[supplier]), ""
                else:
                    name, number = names[supplier], orgnrs[supplier]
                account = ACCOUNTS[int(account_of[i]) if other_account[i] else primary[supplier]]
                out.append(
                    f"{days[day_of[i]]};{name};{number};{text.replace('.', ',')};{OFFICE_NAMES[offices[i]]};"
                    f"{account};{cpv_of[supplier] if with_cpv[i] else ''};"
                    f"{'Kreditnota' if credit[i] else ''}\n"
                )
            handle.write("".join(out))
            written += size
    return path.stat().st_size


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skala.settings")
    import django

    django.setup()


def child_import(path: Path) -> None:
    """In a process of its own: migrate, import the file twice, print the figures as JSON."""
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from skala.orgs.models import Organisation
    from skala.spend.importer import import_spend

    call_command("migrate", verbosity=0)
    oslo, _created = Organisation.objects.get_or_create(
        orgnr=ORGNR, country="NO", defaults={"name": "Oslo kommune", "kind": "municipality"}
    )
    quiet = lambda message: print(f"    {message}", file=sys.stderr, flush=True)  # noqa: E731
    # The machine is shared: the CPU seconds the import itself used, here and in the database server,
    # say what it costs whatever else was running.
    cpu, server = time.process_time(), server_cpu_seconds(connection)
    first = import_spend(path, oslo, progress=quiet)
    cpu, server = time.process_time() - cpu, server_cpu_seconds(connection) - server
    quiet(str(first).splitlines()[0])
    started = time.perf_counter()
    again = import_spend(path, oslo, progress=quiet)
    again_seconds = time.perf_counter() - started
    quiet(str(again))
    assert first.lines > 0, first
    assert again.already_imported is not None, again
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "lines": first.lines,
                "import_lines_per_second": first.lines_per_second,
                "import_seconds": first.seconds,
                "second_import_seconds": again_seconds,
                "import_peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "import_cpu_seconds": cpu,
                "import_server_cpu_seconds": server,
            }
        )
    )


def server_cpu_seconds(connection) -> float:
    """The CPU seconds PostgreSQL's process for this connection has used (0 on SQLite, which runs in ours)."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the server runs on another machine
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(function, runs: int = 1) -> tuple[float, object]:
    """The median time of runs calls, and the last result."""
    times, result = [], None
    for _run in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


# The core figures every engine computes, compared at the end: suppliers, spend, the long tail, the
# top-10 share, the HHI and spend per office.
def core_figures(spends: dict, offices: list[tuple]) -> dict:
    values = sorted((int(value) for value in spends.values()), reverse=True)
    total = sum(values)
    positive = [value for value in values if value > 0]
    paid = sum(positive)
    return {
        "suppliers": len(values),
        "spend_total": round(total / 100, 2),
        "long_tail_suppliers": sum(1 for value in values if value < THRESHOLD * 100),
        "top10_share": round(sum(values[:10]) / total, 9),
        "hhi": round(sum((value / paid) ** 2 for value in positive), 9),
        "by_office": sorted((int(office), int(count), int(spend)) for office, count, spend in offices),
    }


def sql_report(connection, top_id: int, table: str, division_sql: str, where: str) -> dict:
    """The core figures as plain GROUP BY queries in the database (over the summary or the raw lines)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT supplier_id, sum(amount_ore) FROM {table} WHERE {where} GROUP BY 1", [top_id, YEAR]
        )
        spends = dict(cursor.fetchall())
        for column in ("office_id", "category_id", division_sql):
            cursor.execute(
                f"SELECT {column}, count(DISTINCT supplier_id), sum(amount_ore) FROM {table} "
                f"WHERE {where} GROUP BY 1",
                [top_id, YEAR],
            )
            grouped = cursor.fetchall()
            if column == "office_id":
                offices = grouped
        cursor.execute(f"SELECT DISTINCT supplier_id FROM {table} WHERE {where}", [top_id, YEAR - 1])
        cursor.fetchall()
    return core_figures(spends, offices)


def raw_lines(connection) -> dict:
    """Every line's supplier, office, category, CPV division, year and amount, as numpy arrays."""
    import numpy

    if connection.vendor == "sqlite":
        year, division = (
            "CAST(substr(date, 1, 4) AS INTEGER)",
            "CAST(coalesce(nullif(substr(cpv, 1, 2), ''), '0') AS INTEGER)",
        )
    else:
        year, division = "EXTRACT(YEAR FROM date)::int", "coalesce(nullif(substr(cpv, 1, 2), ''), '0')::int"
    names = ("supplier_id", "office_id", "category_id", "division", "year", "amount_ore")
    chunks: list = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT supplier_id, office_id, category_id, {division}, {year}, amount_ore FROM spend_spendline"
        )
        while rows := cursor.fetchmany(500_000):
            chunks.append(numpy.array(rows, dtype=numpy.int64))
    data = numpy.concatenate(chunks) if chunks else numpy.zeros((0, len(names)), dtype=numpy.int64)
    return {name: numpy.ascontiguousarray(data[:, index]) for index, name in enumerate(names)}


def pandas_report(frame) -> dict:
    """The core figures with pandas over the raw lines in memory."""
    year = frame[frame["year"] == YEAR]
    spends = year.groupby("supplier_id")["amount_ore"].sum()
    groups = {}
    for column in ("office_id", "category_id", "division"):
        groups[column] = year.groupby(column).agg(
            suppliers=("supplier_id", "nunique"), spend=("amount_ore", "sum")
        )
    frame.loc[frame["year"] == YEAR - 1, "supplier_id"].unique()
    offices = groups["office_id"]
    return core_figures(
        dict(zip(spends.index.tolist(), spends.tolist(), strict=True)),
        list(
            zip(offices.index.tolist(), offices["suppliers"].tolist(), offices["spend"].tolist(), strict=True)
        ),
    )


def duckdb_report(duck) -> dict:
    """The core figures with DuckDB over the raw lines in memory."""
    spends = dict(
        duck.execute(
            "SELECT supplier_id, sum(amount_ore) FROM lines WHERE year = ? GROUP BY 1", [YEAR]
        ).fetchall()
    )
    offices = []
    for column in ("office_id", "category_id", "division"):
        grouped = duck.execute(
            f"SELECT {column}, count(DISTINCT supplier_id), sum(amount_ore) FROM lines "
            "WHERE year = ? GROUP BY 1",
            [YEAR],
        ).fetchall()
        if column == "office_id":
            offices = grouped
    duck.execute("SELECT DISTINCT supplier_id FROM lines WHERE year = ?", [YEAR - 1]).fetchall()
    return core_figures(spends, offices)


def child_report() -> None:
    """In a process of its own: time the report and the alternatives over the imported lines."""
    setup_django()
    import duckdb
    import pandas
    from django.db import connection

    from skala.orgs.models import Organisation
    from skala.spend.cube import open_cube
    from skala.spend.report import supplier_base

    oslo = Organisation.objects.get(orgnr=ORGNR)
    say = lambda message: print(f"    {message}", file=sys.stderr, flush=True)  # noqa: E731
    figures: dict[str, float] = {}
    first, _report = timed(lambda: supplier_base(oslo, YEAR))
    figures["report_first_seconds"] = first
    figures["report_seconds"], report = timed(lambda: supplier_base(oslo, YEAR), runs=5)
    say(f"report: {figures['report_seconds']:.3f} s (first {first:.3f} s)")
    duck_summary = open_cube(oslo)
    spends = dict(
        duck_summary.execute(
            "SELECT supplier_id, sum(amount_ore) FROM summary WHERE year = ? GROUP BY 1", [YEAR]
        ).fetchall()
    )
    offices = duck_summary.execute(
        "SELECT office_id, count(DISTINCT supplier_id), sum(amount_ore) FROM summary "
        "WHERE year = ? GROUP BY 1",
        [YEAR],
    ).fetchall()
    ours = core_figures(spends, offices)
    assert ours["suppliers"] == report["suppliers"], (ours, report)
    assert ours["spend_total"] == report["spend_total"], (ours, report)
    where = "organisation_id = %s AND year = %s"
    figures["sql_summary_seconds"], by_summary = timed(
        lambda: sql_report(connection, oslo.pk, "spend_spendsummary", "cpv_division", where), runs=3
    )
    say(f"SQL GROUP BY over the summary: {figures['sql_summary_seconds']:.3f} s")
    # Every line in the benchmark's database is the one organisation's: %s > 0 stands in for its filter.
    year_sql = (
        "CAST(substr(date, 1, 4) AS INTEGER)" if connection.vendor == "sqlite" else "EXTRACT(YEAR FROM date)"
    )
    division_sql = "substr(cpv, 1, 2)"
    line_where = f"%s > 0 AND {year_sql} = %s"
    figures["sql_lines_seconds"], by_lines = timed(
        lambda: sql_report(connection, oslo.pk, "spend_spendline", division_sql, line_where)
    )
    say(f"SQL GROUP BY over the raw lines: {figures['sql_lines_seconds']:.3f} s")
    figures["load_lines_seconds"], columns = timed(lambda: raw_lines(connection))
    say(f"raw lines loaded into memory: {figures['load_lines_seconds']:.1f} s")
    frame = pandas.DataFrame(columns)
    figures["pandas_seconds"], by_pandas = timed(lambda: pandas_report(frame), runs=3)
    say(f"pandas over the raw lines in memory: {figures['pandas_seconds']:.3f} s")
    duck = duckdb.connect()
    duck.register("lines", frame)
    figures["duckdb_lines_seconds"], by_duckdb = timed(lambda: duckdb_report(duck), runs=3)
    say(f"DuckDB over the raw lines in memory: {figures['duckdb_lines_seconds']:.3f} s")
    for name, other in (("SQL over the summary", by_summary), ("SQL over the lines", by_lines),
                        ("pandas", by_pandas), ("DuckDB over the lines", by_duckdb)):  # fmt: skip
        for key, value in ours.items():
            same = value == other[key] if not isinstance(value, float) else abs(value - other[key]) < 1e-6
            assert same, f"{name} differs on {key}: {other[key]} against the report's {value}"
    say("every engine computed the same figures as the report")
    figures["pandas_over_report"] = figures["pandas_seconds"] / figures["report_seconds"]
    print(json.dumps(figures))


FIGURES = [
    ("import_lines_per_second", "lines/s"),
    ("import_seconds", "s"),
    ("import_peak_memory_mib", "MiB"),
    ("import_cpu_seconds", "s"),
    ("import_server_cpu_seconds", "s"),
    ("second_import_seconds", "s"),
    ("report_seconds", "s"),
    ("report_first_seconds", "s"),
    ("sql_summary_seconds", "s"),
    ("sql_lines_seconds", "s"),
    ("load_lines_seconds", "s"),
    ("pandas_seconds", "s"),
    ("duckdb_lines_seconds", "s"),
    ("pandas_over_report", "×"),
]


def run_child(argument: list[str], environment: dict) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bench.spend", *argument],
        cwd=ROOT,
        env=environment,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_database(database: str, path: Path) -> dict:
    """Import the file into one fresh database and time the report, each in a child process."""
    environment = dict(os.environ, DJANGO_SETTINGS_MODULE="skala.settings")
    with tempfile.TemporaryDirectory(prefix="skala-bench-spend-") as folder:
        environment["SKALA_VAR_DIR"] = folder
        environment["SKALA_SPEND_DIR"] = f"{folder}/spend"
        if database == "sqlite":
            environment["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        else:
            ensure_postgres_database(POSTGRES_URL)
            subprocess.run(
                ["psql", POSTGRES_URL, "-qc", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"],
                check=True,
                capture_output=True,
            )
            environment["DATABASE_URL"] = POSTGRES_URL
        figures = run_child(["--child-import", str(path)], environment)
        figures.update(run_child(["--child-report"], environment))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--databases", default="sqlite", help="sqlite, postgres or both (sqlite,postgres)")
    parser.add_argument("--save-baseline", action="store_true")
    parser.add_argument(
        "--note", default="", help="With --save-baseline: the conditions of the run (what else was running)."
    )
    parser.add_argument("--child-import", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-report", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child_import:
        child_import(arguments.child_import)
        return
    if arguments.child_report:
        child_report()
        return
    databases = baselines.database_names(parser, arguments.databases)

    with tempfile.TemporaryDirectory(prefix="skala-bench-spend-") as folder:
        path = Path(folder) / "spend.csv"
        started = time.perf_counter()
        size = generate(path, arguments.lines)
        print(
            f"Generated {arguments.lines:,} lines in {time.perf_counter() - started:.0f} s: "
            f"{size / 2**20:,.0f} MiB",
            flush=True,
        )
        results = {}
        for database in databases:
            print(f"== {database}", flush=True)
            results[database] = run_database(database, path)

    figures = baselines.per_database(results, FIGURES)
    baseline = baselines.read(BASELINE)
    conditions = {"lines": arguments.lines}
    print("\n" + "\n".join(baselines.beside(figures, baseline, decimals=3)))
    for database, result in results.items():
        print(
            f"  {database}: import {result['import_lines_per_second']:,.0f} lines/s (target 100,000); report "
            f"{result['report_seconds']:.3f} s (target < 1 s), "
            f"{result['pandas_over_report']:.1f}× faster than "
            "pandas (target 5×)"
        )
    if baseline.get("conditions", {}).get("note"):
        print(f"  (the baseline's conditions: {baseline['conditions']['note']})")
    for line in baselines.differences(conditions, baseline):
        print(line)
    if arguments.save_baseline:
        baselines.save(BASELINE, figures, {**conditions, "note": arguments.note})


if __name__ == "__main__":
    sys.exit(main())
