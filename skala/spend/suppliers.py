"""Which supplier a spend line is paid to: keys by organisation number, names normalised, links made.

The importer and the page where an editor links a name to an organisation number share
`merge_suppliers`, which moves lines from one supplier to another and rebuilds their summaries.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, Value, When
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
        table = connection.ops.quote_name(Supplier._meta.db_table)
        names = ", ".join(
            connection.ops.quote_name(Supplier._meta.get_field(name).column)
            for name in ("organisation", "orgnr", "name", "normalised_name", "size_class", "is_demo")
        )
        self.insert = f"INSERT INTO {table} ({names}) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id"
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
        """Insert a supplier and return its id: plain SQL, as an import creates thousands."""
        values = (self.top.pk, orgnr, name, normalised, "", self.is_demo)
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                # sqlite3's own cursor: with DEBUG on, Django's wrapper quotes every parameter with a
                # query of its own for the log, which costs more than the insert.
                pk = cursor.connection.execute(self.insert.replace("%s", "?"), values).fetchone()[0]
            else:
                cursor.execute(self.insert, values)
                pk = cursor.fetchone()[0]
        self.created.append(pk)
        return pk

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
# Suppliers merged a statement at a time: each is two parameters of a CASE.
MERGE_CHUNK = 500
WRITE_CHUNK = 5_000


def add_summaries(top_id: int, summary: dict[tuple, list[int]]) -> None:
    """Add sums to the summary rows, creating the rows that are new.

    `summary` maps (office, supplier, category, CPV division, year) to [øre, lines].
    """
    table = connection.ops.quote_name(SpendSummary._meta.db_table)
    names = [connection.ops.quote_name(name) for name in SUMMARY_COLUMNS]
    amount, lines = names[-2], names[-1]
    statement = (
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))}) "
        f"ON CONFLICT ({', '.join(names[1:6])}) DO UPDATE SET "
        f"{amount} = {table}.{amount} + excluded.{amount}, {lines} = {table}.{lines} + excluded.{lines}"
    )
    # In the order of the unique index: each insert lands beside the last, in pages already in memory.
    rows = sorted((top_id, *key, ore, count) for key, (ore, count) in summary.items())
    changed(top_id)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # sqlite3's own cursor: Django's wrapper feeds executemany through an iterator.
            cursor.connection.executemany(statement.replace("%s", "?"), rows)
        else:
            for start in range(0, len(rows), WRITE_CHUNK):
                cursor.executemany(statement, rows[start : start + WRITE_CHUNK])


def merge_suppliers(top: Organisation, merges: dict[int, int]) -> int:
    """Move every line of each source supplier to its target; the source stays as a linked name.

    Returns how many lines moved. Later imports that meet the source's name take the target. The
    lines have no index on the supplier (it would slow every import), so each chunk of merges is
    one UPDATE with a CASE: one pass over the lines. The summaries move without reading lines.
    """
    if not merges:
        return 0
    moved = 0
    items = list(merges.items())
    with transaction.atomic():
        changed(top.pk)
        for start in range(0, len(items), MERGE_CHUNK):
            chunk = dict(items[start : start + MERGE_CHUNK])
            moved += SpendLine.objects.filter(supplier_id__in=list(chunk)).update(
                supplier_id=Case(
                    *(When(supplier_id=source, then=Value(target)) for source, target in chunk.items()),
                    output_field=BigIntegerField(),
                )
            )
            summary: dict[tuple, list[int]] = {}
            moving = SpendSummary.objects.filter(supplier_id__in=list(chunk)).values_list(
                "office_id", "supplier_id", "category_id", "cpv_division", "year", "amount_ore", "lines"
            )
            for office, source, category, division, year, ore, count in moving:
                sums = summary.setdefault((office, chunk[source], category, division, year), [0, 0])
                sums[0] += ore
                sums[1] += count
            SpendSummary.objects.filter(supplier_id__in=list(chunk)).delete()
            add_summaries(top.pk, summary)
        for source, target in items:
            # Names linked to the source before now lead to the target too.
            Supplier.objects.filter(merged_into_id=source).update(merged_into_id=target)
            Supplier.objects.filter(pk=source).update(merged_into_id=target)
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
