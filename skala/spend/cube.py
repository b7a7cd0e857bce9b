"""A columnar copy of each buyer's spend summary, which the reports read with DuckDB.

Measured on ten million lines (bench/spend.py), the supplier-base report took 1.5 to 2 seconds as
GROUP BY queries over the summary in SQLite, and about a tenth of that in DuckDB over a Parquet
copy of the same rows. DuckDB cannot read SQLite or PostgreSQL here (its extensions for them are
downloaded at run time, not bundled), so the summary's columns are exported: once after each
import or link, and again by the first report that finds its copy missing. The database stays the
only source of truth: the copy is named by `SpendSettings.summary_version`, which every change to
the summary renews, so a report never reads a stale copy.
"""

import logging
import os
import uuid
from pathlib import Path

import numpy
from django.conf import settings
from django.db import connection

from skala.orgs.models import Organisation
from skala.spend.models import SpendSettings, SpendSummary

logger = logging.getLogger(__name__)

COLUMNS = ("office_id", "supplier_id", "category_id", "cpv_division", "year", "amount_ore", "lines")
TYPES = ("BIGINT", "BIGINT", "BIGINT", "VARCHAR", "INTEGER", "BIGINT", "BIGINT")
FETCH = 50_000


def changed(top_id: int) -> None:
    """Record that the buyer's summary changed: the next report reads a new copy."""
    SpendSettings.objects.update_or_create(
        organisation_id=top_id, defaults={"summary_version": uuid.uuid4().hex}
    )


def version_of(top: Organisation) -> str:
    found = SpendSettings.objects.filter(organisation=top).values_list("summary_version", flat=True).first()
    return found or "empty"


def folder() -> Path:
    return Path(settings.SKALA_SPEND_DIR)


def path_for(top: Organisation, version: str) -> Path:
    return folder() / f"summary-{top.pk}-{version}.parquet"


def write(top: Organisation, path: Path) -> None:
    """Export the buyer's summary rows to a Parquet file, replacing it whole, and remove older copies."""
    import duckdb

    table = connection.ops.quote_name(SpendSummary._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name in COLUMNS)
    columns: list[list] = [[] for _name in COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {names} FROM {table} WHERE {connection.ops.quote_name('organisation_id')} = %s", [top.pk]
        )
        while rows := cursor.fetchmany(FETCH):
            for column, values in zip(columns, zip(*rows, strict=True), strict=True):
                column.extend(values)
    data = {
        name: numpy.array(values, dtype=object if kind == "VARCHAR" else numpy.int64)
        for name, kind, values in zip(COLUMNS, TYPES, columns, strict=True)
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    with duckdb.connect() as duck:
        duck.register("data", data)
        typed = ", ".join(
            f"CAST({name} AS {kind}) AS {name}" for name, kind in zip(COLUMNS, TYPES, strict=True)
        )
        duck.execute(f"COPY (SELECT {typed} FROM data) TO '{quoted_path(partial)}' (FORMAT parquet)")
    os.replace(partial, path)
    for older in path.parent.glob(f"summary-{top.pk}-*.parquet"):
        if older != path:
            older.unlink(missing_ok=True)
    logger.debug("Wrote %s summary rows of organisation %s to %s", len(columns[0]), top.pk, path)


def quoted_path(path: Path) -> str:
    return str(path).replace("'", "''")


def ensure(top: Organisation) -> Path:
    """The current copy of the buyer's summary, written first if it is missing."""
    path = path_for(top, version_of(top))
    if not path.exists():
        write(top, path)
    return path


def open_cube(top: Organisation):
    """A DuckDB connection with the buyer's summary as the view `summary`."""
    import duckdb

    path = ensure(top)
    duck = duckdb.connect()
    duck.execute(f"CREATE VIEW summary AS SELECT * FROM read_parquet('{quoted_path(path)}')")
    return duck
