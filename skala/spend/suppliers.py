"""Which supplier a spend line is paid to: keys by organisation number, names normalised, links made.

The importer and the page where an editor links a name to an organisation number share
`merge_suppliers`, which moves lines from one supplier to another and rebuilds their summaries.
"""

import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from skala.orgs.identifiers import normalise_orgnr
from skala.orgs.models import Organisation, RegistryEntry
from skala.spend.cube import changed
from skala.spend.models import SpendLine, SpendSummary, Supplier
from skala.spend.names import first_word, normalise_name
from skala.spend.reading import FieldError, clean_orgnr_text, clean_text

logger = logging.getLogger(__name__)

# Reading Enhetsregisteret in chunks keeps memory flat while every name in it is looked at.
REGISTRY_CHUNK = 20_000
# On PostgreSQL, new suppliers' ids are drawn from the sequence in blocks that grow up to this size,
# and their rows are written with COPY when the import needs them: one INSERT a supplier was a round
# trip each, 18 s of a million-line import with 14,000 suppliers.
ID_BLOCK = 5_000
SUPPLIER_COLUMNS = ("id", "organisation_id", "orgnr", "name", "normalised_name", "size_class", "is_demo")


def clean_orgnr(country: str, value) -> str:
    """An organisation number for the buyer's country, checked (mod-11 in Norway, Luhn in Sweden)."""
    try:
        return normalise_orgnr(country, clean_orgnr_text(value))
    except ValidationError as error:
        raise FieldError(" ".join(str(message) for message in error.messages), "orgnr") from None


class SupplierBook:
    """The suppliers of one buyer, in memory for an import: by number, by name, and names' numbers."""

    def __init__(self, top: Organisation, *, is_demo: bool = False):
        self.top = top
        self.country = top.country
        self.is_demo = is_demo
        self.by_orgnr: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        # A normalised name's organisation number, learnt from lines and suppliers; None when two differ.
        self.orgnr_of_name: dict[str, str | None] = {}
        self.unresolved: dict[int, str] = {}
        self.created: list[int] = []
        self.unnamed: list[int] = []
        self.table = connection.ops.quote_name(Supplier._meta.db_table)
        names = ", ".join(connection.ops.quote_name(name) for name in SUPPLIER_COLUMNS[1:])
        self.insert = f"INSERT INTO {self.table} ({names}) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id"
        # PostgreSQL only: ids drawn from the sequence and not used yet, and rows not written yet.
        self.free_ids: list[int] = []
        self.block = 100
        self.pending: list[tuple] = []
        # Called before a query of its own, so the import can pause the COPY it has open.
        self.before_write: Callable[[], None] = lambda: None
        for pk, orgnr, normalised, merged_into in Supplier.objects.filter(organisation=top).values_list(
            "pk", "orgnr", "normalised_name", "merged_into"
        ):
            if orgnr:
                self.by_orgnr[orgnr] = pk
                self.learn(normalised, orgnr)
            elif merged_into:
                self.by_name[normalised] = merged_into
            else:
                self.by_name[normalised] = pk
                self.unresolved[pk] = normalised

    def learn(self, normalised: str, orgnr: str) -> None:
        """Remember that this name belongs to this number (or that the name is ambiguous)."""
        known = self.orgnr_of_name.setdefault(normalised, orgnr)
        if known is not None and known != orgnr:
            self.orgnr_of_name[normalised] = None

    def create(self, *, orgnr: str, name: str, normalised: str) -> int:
        """A new supplier's id: inserted at once on SQLite, written by `flush` on PostgreSQL."""
        values = (self.top.pk, orgnr, name, normalised, "", self.is_demo)
        if connection.vendor == "postgresql":
            if not self.free_ids:
                self.draw_ids()
            pk = self.free_ids.pop()
            self.pending.append((pk, *values))
        else:
            with connection.cursor() as cursor:
                # sqlite3's own cursor: with DEBUG on, Django's wrapper quotes every parameter with a
                # query of its own for the log, which costs more than the insert.
                pk = cursor.connection.execute(self.insert.replace("%s", "?"), values).fetchone()[0]
        self.created.append(pk)
        return pk

    def draw_ids(self) -> None:
        """Take the next block of ids from the suppliers' sequence (PostgreSQL)."""
        self.before_write()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Supplier._meta.db_table, self.block],
            )
            self.free_ids = [row[0] for row in reversed(cursor.fetchall())]
        self.block = min(self.block * 2, ID_BLOCK)

    def flush(self) -> None:
        """Write the suppliers created since the last flush (PostgreSQL keeps them until asked)."""
        if not self.pending:
            return
        self.before_write()
        names = ", ".join(connection.ops.quote_name(name) for name in SUPPLIER_COLUMNS)
        with connection.cursor() as cursor, cursor.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
            for row in self.pending:
                copy.write_row(row)
        self.pending = []

    def resolve(self, orgnr_value, name_value) -> int:
        """The supplier a line with this organisation number and name is paid to; created when new."""
        name = clean_text(name_value, "supplier") if name_value not in (None, "") else ""
        orgnr_text = clean_orgnr_text(orgnr_value)
        if orgnr_text:
            orgnr = clean_orgnr(self.country, orgnr_value)
            normalised = normalise_name(name) if name else ""
            if normalised:
                self.learn(normalised, orgnr)
            if orgnr in self.by_orgnr:
                return self.by_orgnr[orgnr]
            pk = self.create(orgnr=orgnr, name=name or orgnr, normalised=normalised or orgnr)
            if not name:
                self.unnamed.append(pk)
            self.by_orgnr[orgnr] = pk
            return pk
        if not name:
            raise FieldError(_("a line needs its supplier's name or organisation number"), "supplier")
        normalised = normalise_name(name)
        orgnr = self.orgnr_of_name.get(normalised)
        if orgnr:
            return self.by_orgnr[orgnr]
        if normalised not in self.by_name:
            pk = self.create(orgnr="", name=name, normalised=normalised)
            self.by_name[normalised] = pk
            self.unresolved[pk] = normalised
        return self.by_name[normalised]

    def settle(self) -> tuple[dict[int, int], int]:
        """Give suppliers known by name the number their name has (from lines or the register).

        Returns the merges to make (name supplier → supplier with the number) and how many name
        suppliers simply took a number no other supplier had.
        """
        self.flush()
        merges: dict[int, int] = {}
        for pk, normalised in list(self.unresolved.items()):
            orgnr = self.orgnr_of_name.get(normalised)
            if orgnr:
                merges[pk] = self.by_orgnr[orgnr]
                del self.unresolved[pk]
        numbered = 0
        if self.unresolved and self.country == "NO":
            for normalised, orgnr in registry_numbers(set(self.unresolved.values())).items():
                pk = self.by_name[normalised]
                del self.unresolved[pk]
                if orgnr in self.by_orgnr:
                    merges[pk] = self.by_orgnr[orgnr]
                else:
                    Supplier.objects.filter(pk=pk).update(orgnr=orgnr)
                    self.by_orgnr[orgnr] = pk
                    numbered += 1
        if self.unnamed:
            names = dict(
                RegistryEntry.objects.filter(
                    orgnr__in=Supplier.objects.filter(pk__in=self.unnamed).values("orgnr")
                ).values_list("orgnr", "name")
            )
            for supplier in Supplier.objects.filter(pk__in=self.unnamed, orgnr__in=list(names)):
                supplier.name = names[supplier.orgnr][:300]
                supplier.normalised_name = normalise_name(supplier.name)
                supplier.save(update_fields=["name", "normalised_name"])
        return merges, numbered


def registry_numbers(names: set[str]) -> dict[str, str]:
    """The organisation number of each normalised name that exactly one unit of Enhetsregisteret has.

    The register has no index on names, so it is read once, in chunks; a register name is
    normalised only when its first word is the first word of a name sought.
    """
    firsts = {name.split(" ", 1)[0] for name in names}
    found: dict[str, str | None] = {}
    entries = RegistryEntry.objects.order_by().values_list("orgnr", "name")
    for orgnr, name in entries.iterator(chunk_size=REGISTRY_CHUNK):
        if first_word(name) not in firsts:
            continue
        normalised = normalise_name(name)
        if normalised in names:
            found[normalised] = orgnr if found.get(normalised, orgnr) == orgnr else None
    return {name: orgnr for name, orgnr in found.items() if orgnr}


SUMMARY_COLUMNS = (
    "organisation_id", "office_id", "supplier_id", "category_id", "cpv_division", "year",
    "amount_ore", "lines",
)  # fmt: skip
# Temporary tables the set-based steps fill (with COPY on PostgreSQL) and then join.
INCOMING = "spend_summary_incoming"
MERGING = "spend_merging"


def upsert_summary(table: str, names: list[str]) -> str:
    """The ON CONFLICT clause that adds incoming sums to the summary rows already there."""
    amount, lines = names[-2], names[-1]
    return (
        f"ON CONFLICT ({', '.join(names[1:6])}) DO UPDATE SET "
        f"{amount} = {table}.{amount} + excluded.{amount}, {lines} = {table}.{lines} + excluded.{lines}"
    )


def add_summaries(top_id: int, summary: dict[tuple, list[int]]) -> None:
    """Add sums to the summary rows, creating the rows that are new.

    `summary` maps (office, supplier, category, CPV division, year) to [øre, lines]. On SQLite the
    rows go through one prepared statement; on PostgreSQL, where each row of that was a round trip
    (20 s for the 160,000 rows of a million lines), they are copied into a temporary table and added
    in one INSERT … SELECT.
    """
    table = connection.ops.quote_name(SpendSummary._meta.db_table)
    names = [connection.ops.quote_name(name) for name in SUMMARY_COLUMNS]
    columns = ", ".join(names)
    # In the order of the unique index: each insert lands beside the last, in pages already in memory.
    rows = sorted((top_id, *key, ore, count) for key, (ore, count) in summary.items())
    changed(top_id)
    if connection.vendor == "sqlite":
        statement = (
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['?'] * len(names))}) "
            + upsert_summary(table, names)
        )
        with connection.cursor() as cursor:
            # sqlite3's own cursor: Django's wrapper feeds executemany through an iterator.
            cursor.connection.executemany(statement, rows)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{INCOMING}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {INCOMING} (organisation_id bigint, office_id bigint, "
            "supplier_id bigint, category_id bigint, cpv_division varchar(2), year smallint, "
            "amount_ore bigint, lines integer) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY {INCOMING} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {INCOMING} "
            + upsert_summary(table, names)
        )
        cursor.execute(f"DROP TABLE {INCOMING}")


def merge_suppliers(top: Organisation, merges: dict[int, int]) -> int:
    """Move every line of each source supplier to its target; the source stays as a linked name.

    Returns how many lines moved. Later imports that meet the source's name take the target. The
    merges go into a temporary table, and each step is one statement joined to it: the lines have
    no index on the supplier (it would slow every import), so moving them is one pass over the
    lines however many suppliers merge. The summaries move without reading lines.
    """
    if not merges:
        return 0
    quote = connection.ops.quote_name
    lines_table, summary_table = quote(SpendLine._meta.db_table), quote(SpendSummary._meta.db_table)
    supplier_table = quote(Supplier._meta.db_table)
    names = [quote(name) for name in SUMMARY_COLUMNS]
    moved_keys = ", ".join(f"s.{name}" if name != names[2] else "m.target" for name in names[:-2])
    with transaction.atomic(), connection.cursor() as cursor:
        changed(top.pk)
        cursor.execute(f"DROP TABLE IF EXISTS {MERGING}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {MERGING} (source bigint PRIMARY KEY, target bigint NOT NULL)"
        )
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {MERGING} (source, target) FROM STDIN") as copy:
                for pair in merges.items():
                    copy.write_row(pair)
        else:
            pairs = list(merges.items())
            cursor.executemany(f"INSERT INTO {MERGING} (source, target) VALUES (%s, %s)", pairs)
        cursor.execute(
            f"UPDATE {lines_table} SET supplier_id = "
            f"(SELECT m.target FROM {MERGING} m WHERE m.source = {lines_table}.supplier_id) "
            f"WHERE supplier_id IN (SELECT source FROM {MERGING})"
        )
        moved = cursor.rowcount
        # WHERE true: SQLite needs it to tell the upsert's ON CONFLICT from a join's ON.
        cursor.execute(
            f"INSERT INTO {summary_table} ({', '.join(names)}) "
            f"SELECT {moved_keys}, sum(s.{names[-2]}), sum(s.{names[-1]}) "
            f"FROM {summary_table} s JOIN {MERGING} m ON m.source = s.supplier_id WHERE true "
            f"GROUP BY {', '.join(str(position) for position in range(1, 7))} "
            + upsert_summary(summary_table, names)
        )
        cursor.execute(f"DELETE FROM {summary_table} WHERE supplier_id IN (SELECT source FROM {MERGING})")
        # Names linked to a source before now lead to its target too; then the sources themselves.
        for column in ("merged_into_id", "id"):
            cursor.execute(
                f"UPDATE {supplier_table} SET merged_into_id = "
                f"(SELECT m.target FROM {MERGING} m WHERE m.source = {supplier_table}.{column}) "
                f"WHERE {column} IN (SELECT source FROM {MERGING})"
            )
        cursor.execute(f"DROP TABLE {MERGING}")
        sizes = dict(
            Supplier.objects.filter(pk__in=list(merges))
            .exclude(size_class="")
            .values_list("pk", "size_class")
        )
        for source, size in sizes.items():
            Supplier.objects.filter(pk=merges[source], size_class="").update(size_class=size)
    return moved


def link_supplier(supplier: Supplier, orgnr_value: str) -> tuple[Supplier, int]:
    """Give a supplier known only by name its organisation number; its lines re-key to that supplier.

    Returns the supplier the lines now belong to and how many lines moved (0 when the name simply
    took the number). FieldError when the number is not valid.
    """
    top = supplier.organisation
    orgnr = clean_orgnr(top.country, orgnr_value)
    with transaction.atomic():
        target = Supplier.objects.filter(organisation=top, orgnr=orgnr).first()
        if target is None:
            supplier.orgnr = orgnr
            supplier.save(update_fields=["orgnr"])
            return supplier, 0
        moved = merge_suppliers(top, {supplier.pk: target.pk})
    logger.info("Linked spend supplier %s to %s: %s lines moved", supplier.pk, target.pk, moved)
    return target, moved
