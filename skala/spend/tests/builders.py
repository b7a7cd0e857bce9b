"""Small helpers that build spend files and import them, for the spend tests."""

import csv
from pathlib import Path

from skala.orgs.identifiers import norwegian_check_digit
from skala.spend.importer import import_spend

HEADER = ["Dato", "Leverandør", "Orgnr", "Beløp", "Enhet", "Konto"]


def orgnr(number: int) -> str:
    """The number-th valid made-up organisation number in the 999 series."""
    found, prefix = 0, 99_950_000
    while True:
        check = norwegian_check_digit(str(prefix))
        if check is not None:
            found += 1
            if found == number:
                return f"{prefix}{check}"
        prefix += 1


def write_csv(
    folder: Path,
    rows: list[list],
    header: list[str] = HEADER,
    name: str = "spend.csv",
    delimiter: str = ";",
    bom: bool = False,
) -> Path:
    """A spend extract as CSV in the folder."""
    path = folder / name
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(folder: Path, rows: list[list], header: list[str] = HEADER, name: str = "spend.xlsx") -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = folder / name
    workbook.save(path)
    return path


def import_rows(
    folder: Path,
    organisation,
    rows: list[list],
    header: list[str] = HEADER,
    name: str = "spend.csv",
    **options,
):
    """Write the rows as a CSV file and import it for the organisation."""
    return import_spend(
        write_csv(folder, rows, header, name), organisation, progress=lambda message: None, **options
    )
