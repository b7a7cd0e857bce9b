"""Importing the whole of Enhetsregisteret, on SQLite and PostgreSQL: `make bench-brreg`.

Generates N units (default 1,000,000, about the national register's 1.1 million) in Brønnøysund's
JSON bulk format (`enheter_alle.json.gz`: one array, the API's field names, the fields real units
carry) into a temporary .json.gz, then, for each database in its own process (so settings load for
that database): migrate, empty the register table, import the file (timed), import it again (no
changes: timed) and report the process's peak resident memory (ru_maxrss).

    python -m bench.brreg                              # 1,000,000 units, SQLite and PostgreSQL
    python -m bench.brreg --units 100000 --databases sqlite
    python -m bench.brreg --save-baseline              # make this run bench/brreg_baseline.json

PostgreSQL is reached at BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/skala_bench);
the database is created with psql when it is missing. The ratio is now / baseline: for units per
second above 1.00 is better, for memory below 1.00 is better.
Target: the national register in under 2 minutes (over 9,200 units/s) and under 500 MB.
"""

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import baselines

ROOT = Path(__file__).resolve().parents[1]
BASELINE = Path(__file__).resolve().parent / "brreg_baseline.json"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/skala_bench")
SEED = 1995
API = "https://data.brreg.no/enhetsregisteret/api"

# Organisation forms with rough shares of the register.
FORMS = [
    ("ENK", "Enkeltpersonforetak", 40),
    ("AS", "Aksjeselskap", 34),
    ("FLI", "Forening/lag/innretning", 9),
    ("NUF", "Norskregistrert utenlandsk foretak", 3),
    ("ANS", "Ansvarlig selskap med solidarisk ansvar", 2),
    ("DA", "Selskap med delt ansvar", 2),
    ("SA", "Samvirkeforetak", 1),
    ("STI", "Stiftelse", 2),
    ("ESEK", "Eierseksjonssameie", 4),
    ("BRL", "Borettslag", 2),
    ("ORGL", "Organisasjonsledd", 1),
]
NACE = [
    ("62.010", "Programmeringstjenester"),
    ("70.220", "Bedriftsrådgivning og annen administrativ rådgivning"),
    ("43.210", "Elektrisk installasjonsarbeid"),
    ("41.200", "Oppføring av bygninger"),
    ("86.211", "Allmenn legetjeneste"),
    ("68.209", "Utleie av egen eller leid fast eiendom ellers"),
    ("47.911", "Postordre-/Internetthandel med bredt vareutvalg"),
    ("56.101", "Drift av restauranter og kafeer"),
    ("01.410", "Melkeproduksjon på storfe"),
    ("88.991", "Velferdstjenester for barn og ungdom"),
    ("72.190", "Annen forskning og utviklingsarbeid innen naturvitenskap og teknikk"),
    ("94.991", "Aktiviteter i andre interesseorganisasjoner ikke nevnt annet sted"),
]
PLACES = [
    ("0301", "OSLO", "0150"),
    ("4601", "BERGEN", "5003"),
    ("5001", "TRONDHEIM", "7011"),
    ("1103", "STAVANGER", "4006"),
    ("5501", "TROMSØ", "9008"),
    ("3301", "DRAMMEN", "3015"),
    ("4204", "KRISTIANSAND", "4611"),
    ("1508", "ÅLESUND", "6002"),
    ("1813", "BRØNNØY", "8900"),
    ("3907", "SANDEFJORD", "3210"),
]
WORDS = [
    "Nordlys", "Fjord", "Vest", "Bygg", "Data", "Helse", "Omsorg", "Teknikk", "Service", "Invest",
    "Consult", "Eiendom", "Transport", "Marin", "Energi", "Digital", "Design", "Regnskap", "Agro", "Fisk",
]  # fmt: skip
STREETS = ["Storgata", "Kirkegata", "Strandveien", "Industriveien", "Parkveien", "Skolegata", "Torget"]


def valid_orgnrs(count: int, start: int = 81_000_000) -> list[str]:
    """count distinct organisation numbers with valid mod-11 check digits, in order."""
    from skala.orgs.identifiers import norwegian_check_digit

    numbers: list[str] = []
    prefix = start
    while len(numbers) < count:
        digits = str(prefix)
        check = norwegian_check_digit(digits)
        if check is not None:
            numbers.append(f"{digits}{check}")
        prefix += 1
    return numbers


def address(generator: random.Random, municipality: str, town: str, postcode: str) -> dict:
    return {
        "land": "Norge",
        "landkode": "NO",
        "postnummer": postcode,
        "poststed": town,
        "adresse": [f"{generator.choice(STREETS)} {generator.randint(1, 120)}"],
        "kommune": town,
        "kommunenummer": municipality,
    }


def make_unit(generator: random.Random, orgnr: str, today: tuple[int, int, int]) -> dict:
    """One unit as the bulk file holds it, with the fields and the variety real units have."""
    code, description, _share = generator.choices(FORMS, weights=[share for *_, share in FORMS])[0]
    nace_code, nace_description = generator.choice(NACE)
    municipality, town, postcode = generator.choice(PLACES)
    year = generator.choices([generator.randint(1900, 2000), generator.randint(2001, today[0])], [30, 70])[0]
    registered = f"{year}-{generator.randint(1, 12):02d}-{generator.randint(1, 28):02d}"
    name = " ".join(generator.sample(WORDS, generator.randint(1, 3))).upper() + (
        f" {code}" if code in ("AS", "ANS", "DA", "SA") else ""
    )
    unit: dict = {
        "organisasjonsnummer": orgnr,
        "navn": name,
        "organisasjonsform": {
            "kode": code,
            "beskrivelse": description,
            "_links": {"self": {"href": f"{API}/organisasjonsformer/{code}"}},
        },
        "postadresse": address(generator, municipality, town, postcode),
        "registreringsdatoEnhetsregisteret": registered,
        "registrertIMvaregisteret": generator.random() < 0.45,
        "naeringskode1": {"kode": nace_code, "beskrivelse": nace_description},
        "harRegistrertAntallAnsatte": False,
        "forretningsadresse": address(generator, municipality, town, postcode),
        "institusjonellSektorkode": {"kode": "2100", "beskrivelse": "Private aksjeselskaper mv."},
        "registrertIForetaksregisteret": code in ("AS", "ANS", "DA", "SA", "NUF"),
        "registrertIStiftelsesregisteret": code == "STI",
        "registrertIFrivillighetsregisteret": code == "FLI" and generator.random() < 0.5,
        "konkurs": generator.random() < 0.01,
        "underAvvikling": generator.random() < 0.01,
        "underTvangsavviklingEllerTvangsopplosning": generator.random() < 0.005,
        "maalform": "Bokmål",
        "_links": {"self": {"href": f"{API}/enheter/{orgnr}"}},
    }
    staff = generator.random()
    if staff < 0.55:
        pass  # no employees registered: most sole proprietorships, associations and sections
    elif staff < 0.75:
        unit["harRegistrertAntallAnsatte"] = True  # 1–4 employees: the register hides the number
    else:
        unit["harRegistrertAntallAnsatte"] = True
        unit["antallAnsatte"] = int(generator.paretovariate(1.2) * 5)
        unit["registreringsdatoAntallAnsatteEnhetsregisteret"] = registered
    if code in ("AS", "ANS", "DA", "SA", "STI", "NUF"):
        unit["stiftelsesdato"] = registered
        unit["vedtektsdato"] = registered
        unit["vedtektsfestetFormaal"] = [f"{nace_description} og det som naturlig hører til."]
        unit["sisteInnsendteAarsregnskap"] = str(today[0] - 1)
    if generator.random() < 0.3:
        unit["hjemmeside"] = f"www.{name.split()[0].lower()}{orgnr[-3:]}.no"
    if generator.random() < 0.6:
        unit["aktivitet"] = [f"{nace_description}.", "Og annen virksomhet som naturlig hører til."]
    return unit


def generate(path: Path, count: int) -> int:
    """Write count units as one JSON array, gzipped; return the uncompressed size in bytes."""
    generator = random.Random(SEED)
    today = time.localtime()[:3]
    size = 0
    # Level 1 keeps generation quick; reading is about as fast at any level.
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as handle:
        handle.write("[")
        for number, orgnr in enumerate(valid_orgnrs(count)):
            text = json.dumps(make_unit(generator, orgnr, today), ensure_ascii=False)
            text = f",{text}" if number else text
            size += len(text.encode("utf-8"))
            handle.write(text)
        handle.write("]\n")
    return size + 2


def ensure_postgres_database(url: str) -> None:
    """Create the benchmark database with psql when it does not exist yet."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    found = subprocess.run(
        ["psql", admin, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if found != "1":
        create = f'CREATE DATABASE "{name}"'
        subprocess.run(["psql", admin, "-v", "ON_ERROR_STOP=1", "-qc", create], check=True)


def child(path: Path) -> None:
    """In a process of its own: migrate, empty the table, import twice, print the figures as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skala.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from skala.orgs.brreg_import import import_brreg
    from skala.orgs.models import RegistryEntry

    call_command("migrate", verbosity=0)
    RegistryEntry.objects.all().delete()
    quiet = lambda message: print(f"    {message}", file=sys.stderr, flush=True)  # noqa: E731
    first = import_brreg(path, progress=quiet)
    quiet(str(first))
    again = import_brreg(path, progress=quiet)
    quiet(str(again))
    assert first.created == first.read, first
    assert again.unchanged == again.read, again
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "units": first.read,
                "import_units_per_second": first.units_per_second,
                "import_seconds": first.seconds,
                "second_run_units_per_second": again.units_per_second,
                "peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


FIGURES = [
    ("import_units_per_second", "units/s"),
    ("import_seconds", "s"),
    ("second_run_units_per_second", "units/s"),
    ("peak_memory_mib", "MiB"),
]


def run_database(database: str, path: Path) -> dict:
    """Import the file into one database in a child process; its figures."""
    environment = dict(os.environ, DJANGO_SETTINGS_MODULE="skala.settings")
    with tempfile.TemporaryDirectory(prefix="skala-bench-brreg-") as folder:
        if database == "sqlite":
            environment["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
            environment["SKALA_VAR_DIR"] = folder
        else:
            ensure_postgres_database(POSTGRES_URL)
            environment["DATABASE_URL"] = POSTGRES_URL
        result = subprocess.run(
            [sys.executable, "-m", "bench.brreg", "--child", str(path)],
            cwd=ROOT,
            env=environment,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--save-baseline", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child)
        return
    databases = baselines.database_names(parser, arguments.databases)

    with tempfile.TemporaryDirectory(prefix="skala-bench-brreg-") as folder:
        path = Path(folder) / "enheter_alle.json.gz"
        started = time.perf_counter()
        size = generate(path, arguments.units)
        print(
            f"Generated {arguments.units:,} units in {time.perf_counter() - started:.0f} s: "
            f"{size / 2**20:,.0f} MiB of JSON, {path.stat().st_size / 2**20:,.0f} MiB gzipped",
            flush=True,
        )
        results = {}
        for database in databases:
            print(f"== {database}", flush=True)
            results[database] = run_database(database, path)

    figures = baselines.per_database(results, FIGURES)
    baseline = baselines.read(BASELINE)
    conditions = {"units": arguments.units}
    print("\n" + "\n".join(baselines.beside(figures, baseline) + baselines.differences(conditions, baseline)))
    if arguments.save_baseline:
        baselines.save(BASELINE, figures, conditions)


if __name__ == "__main__":
    sys.exit(main())
