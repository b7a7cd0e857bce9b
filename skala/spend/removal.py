"""Taking an import back out of the spend: as if its file had never been imported.

An extract imported with the wrong rate, for the wrong organisation or twice over in a changed form
is otherwise there for good: a file is imported once (it is recognised by its content), and its
lines are added to the yearly summary the reports read. Removing the import subtracts its lines from
that summary, deletes them, and forgets the file, so the right one can be imported in its place.

The suppliers the spend knows are kept: an organisation number, a name linked to one and a size
learnt from the file are what the next import of the corrected file needs. Only a supplier known by
name alone, with no spend left anywhere, goes, so the list of names to link does not fill with names
nobody pays.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear, Substr

from skala.spend.cube import changed
from skala.spend.models import SpendImport, SpendLine, SpendSummary, SpendUpload, Supplier, UploadStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Removed:
    file_name: str
    lines: int
    total_ore: int
    suppliers: int


def remove_import(batch: SpendImport, removed_by=None) -> Removed:
    """Subtract the import's lines from the summary, delete them and the import, in one transaction.

    Raises SpendImport.DoesNotExist when another request removed it first.
    """
    top = batch.organisation.top()
    with transaction.atomic():
        # Locks the import (PostgreSQL): two removals at once subtract its lines once.
        batch = SpendImport.objects.select_for_update().get(pk=batch.pk)
        lines = SpendLine.objects.filter(batch_id=batch.pk).order_by()
        groups = (
            lines.annotate(division=Substr("cpv", 1, 2), year=ExtractYear("date"))
            .values_list("office_id", "supplier_id", "category_id", "division", "year")
            .annotate(ore=Sum("amount_ore"), count=Count("pk"))
        )
        summary = {
            (office, supplier, category, division, year): (ore, count)
            for office, supplier, category, division, year, ore, count in groups
        }
        touched = {key[1] for key in summary}
        subtract_summaries(top.pk, summary)
        deleted = lines._raw_delete(lines.db)
        SpendUpload.objects.filter(spend_import=batch).update(status=UploadStatus.REMOVED, spend_import=None)
        gone = (
            Supplier.objects.filter(organisation=top, pk__in=touched)
            .unresolved()
            .filter(aliases=None)
            .exclude(pk__in=SpendSummary.objects.filter(organisation=top).values("supplier_id"))
        )
        # Neither lines nor summary rows point at them any more (the summary is checked above, and it
        # holds every line's supplier), so the delete skips the collector's scan of the lines.
        ids = list(gone.values_list("pk", flat=True))
        Supplier.objects.filter(pk__in=ids)._raw_delete(lines.db)
        result = Removed(batch.file_name, deleted, batch.total_ore, len(ids))
        pk = batch.pk
        # Its lines are gone and its uploads let go of it; the collector would scan the lines again.
        SpendImport.objects.filter(pk=pk)._raw_delete(lines.db)
    log.info(
        "spend import %s (%s, %s lines) of organisation %s removed by %s",
        pk,
        result.file_name,
        result.lines,
        top.pk,
        getattr(removed_by, "pk", "the command line"),
    )
    return result


def subtract_summaries(top_id: int, summary: dict[tuple, tuple[int, int]]) -> None:
    """Take the sums off the summary rows they were added to; a row left with no lines goes.

    `summary` maps (office, supplier, category, CPV division, year) to (øre, lines), as the importer
    added them. A key with no row, or fewer lines than are taken off, means the summary no longer
    matches the lines: that is an error, and the transaction leaves everything as it was.
    """
    changed(top_id)
    suppliers = sorted({key[1] for key in summary})
    kept, emptied, found = [], [], 0
    for start in range(0, len(suppliers), 500):
        rows = SpendSummary.objects.filter(
            organisation_id=top_id, supplier_id__in=suppliers[start : start + 500]
        )
        for row in rows:
            key = (row.office_id, row.supplier_id, row.category_id, row.cpv_division, row.year)
            taken = summary.get(key)
            if taken is None:
                continue
            found += 1
            row.amount_ore -= taken[0]
            row.lines -= taken[1]
            if row.lines < 0:
                raise SummaryMismatchError(key)
            (kept if row.lines else emptied).append(row)
    if found != len(summary):
        missing = next(key for key in summary if not _has_row(top_id, key))
        raise SummaryMismatchError(missing)
    SpendSummary.objects.bulk_update(kept, ["amount_ore", "lines"], batch_size=1000)
    for start in range(0, len(emptied), 1000):
        SpendSummary.objects.filter(pk__in=[row.pk for row in emptied[start : start + 1000]]).delete()


def _has_row(top_id: int, key: tuple) -> bool:
    office, supplier, category, division, year = key
    return SpendSummary.objects.filter(
        organisation_id=top_id,
        office_id=office,
        supplier_id=supplier,
        category_id=category,
        cpv_division=division,
        year=year,
    ).exists()


class SummaryMismatchError(RuntimeError):
    """The summary does not hold what an import's lines add up to; nothing is removed."""

    def __init__(self, key: tuple):
        super().__init__(
            "The spend summary does not match the import's lines at (office, supplier, category, "
            f"CPV division, year) {key}; nothing was removed."
        )
