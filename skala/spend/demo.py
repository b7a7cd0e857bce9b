"""A made-up year of spend for Oslo kommune: a few thousand invoice lines across some of its offices.

The lines are generated from a fixed seed and imported through the real importer, as a CSV file
would be: the same file every time, so a second load is recognised as already imported. The
suppliers include the demo suppliers; the others are made up, with organisation numbers in the
999 series (which the register has not assigned). Everything created is marked as demo.
"""

import datetime
import random
import tempfile
from pathlib import Path

from skala.orgs.identifiers import norwegian_check_digit
from skala.orgs.models import Organisation
from skala.spend.importer import import_spend

OSLO = "958935420"
YEAR = 2025
LINES = 3_000
OFFICES = [
    "Sykehjemsetaten",
    "Helseetaten",
    "Bymiljøetaten",
    "Utdanningsetaten",
    "Innkjøpsseksjonen",
    "Bydel Frogner",
]
# (name, organisation number or None for the next free made-up one, account, CPV code, size, weight)
SUPPLIERS = [
    ("Demo Velferdsteknologi AS", "999000010", "4120 Velferdsteknologi", "33196200", "SMB", 30),
    ("Demo Sensorikk AS", "999000029", "4120 Velferdsteknologi", "33196200", "Oppstart", 8),
    ("Demo Storkjøkken AS", None, "4000 Matvarer", "15000000", "Stor", 60),
    ("Demo Renhold Øst AS", None, "6360 Renhold", "90910000", "SMB", 40),
    ("Demo Konsulentgruppen ASA", None, "6700 Konsulenttjenester", "79400000", "Stor", 35),
    ("Demo Datautstyr AS", None, "6551 Datautstyr", "30213000", "", 25),
    ("Demo Bemanning AS", None, "4100 Vikartjenester", "79620000", "Stor", 45),
]
SMALL_TRADES = [
    ("Rørlegger", "6600 Reparasjon og vedlikehold", "45330000"),
    ("Elektro", "6600 Reparasjon og vedlikehold", "45310000"),
    ("Snekker", "6600 Reparasjon og vedlikehold", "45420000"),
    ("Tolk", "4110 Tolketjenester", "79540000"),
    ("Kurs", "6860 Kurs", "80500000"),
    ("Catering", "4000 Matvarer", "55520000"),
]
PLACES = ["Grünerløkka", "Majorstuen", "Tøyen", "Sagene", "Frogner", "Nydalen", "Bjølsen", "Vika"]


def made_up_orgnrs(count: int, start: int = 99_900_100) -> list[str]:
    """Valid organisation numbers in the 999 series, in order."""
    numbers: list[str] = []
    prefix = start
    while len(numbers) < count:
        check = norwegian_check_digit(str(prefix))
        if check is not None:
            numbers.append(f"{prefix}{check}")
        prefix += 1
    return numbers


def suppliers() -> list[tuple[str, str, str, str, str, float]]:
    """Every supplier of the demo year with its account, CPV code, size and share of the lines."""
    small = [
        (f"Demo {place} {trade} AS", "", account, cpv, "SMB", 1.0)
        for trade, account, cpv in SMALL_TRADES
        for place in PLACES
    ]
    numbers = iter(made_up_orgnrs(len(SUPPLIERS) + len(small)))
    return [
        (name, orgnr or next(numbers), account, cpv, size, weight)
        for name, orgnr, account, cpv, size, weight in [*SUPPLIERS, *small]
    ]


def write_lines(path: Path) -> None:
    """Write the demo year as a semicolon-separated file with Norwegian headers."""
    generator = random.Random(YEAR)
    chosen = suppliers()
    weights = [weight for *_rest, weight in chosen]
    rows = ["Fakturadato;Leverandør;Organisasjonsnummer;Beløp;Enhet;Konto;CPV;Beskrivelse;Størrelse"]
    for _line in range(LINES):
        name, orgnr, account, cpv, size, weight = generator.choices(chosen, weights)[0]
        day = datetime.date(YEAR, 1, 1) + datetime.timedelta(days=generator.randrange(365))
        amount = round(generator.lognormvariate(8.5 if weight > 1 else 8.0, 0.9), 2)
        description = "Faktura"
        if generator.random() < 0.03:
            amount, description = -amount, "Kreditnota"
        if generator.random() < 0.05:
            # Typed by hand without the number: the import links these by name.
            name, orgnr = name.upper().removesuffix(" AS"), ""
        decimal_comma = f"{amount:.2f}".replace(".", ",")
        office = generator.choice(OFFICES)
        rows.append(
            f"{day:%d.%m.%Y};{name};{orgnr};{decimal_comma};{office};{account};{cpv};{description};{size}"
        )
    # Two made-up suppliers only ever typed by hand: they stay for an editor to link.
    for name in ("Frogner Blomster og Gaver", "Vaktmester Hansen"):
        for month in (3, 6, 9):
            rows.append(
                f"15.{month:02d}.{YEAR};{name};;1250,00;Bydel Frogner;6790 Andre fremmede tjenester;;"
            )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def load(say) -> None:
    oslo = Organisation.objects.filter(orgnr=OSLO).first()
    if oslo is None:
        return
    with tempfile.TemporaryDirectory(prefix="skala-demo-spend-") as folder:
        path = Path(folder) / f"demo-oslo-{YEAR}.csv"
        write_lines(path)
        report = import_spend(path, oslo, is_demo=True, progress=lambda message: None)
    if report.already_imported is not None:
        say("Demo spend: already loaded")
    else:
        say(f"Demo spend: {report.lines:,} lines for Oslo kommune in {YEAR}")
