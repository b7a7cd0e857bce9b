"""`skala spend-imports --org ORG [--remove ID]`: the files imported into an organisation's spend."""

import json

from django.core.management.base import BaseCommand, CommandError

from skala.spend.cli import organisation_for
from skala.spend.models import SpendImport
from skala.spend.removal import SummaryMismatchError, remove_import


def as_row(batch: SpendImport) -> dict:
    return {
        "id": batch.pk,
        "file_name": batch.file_name,
        "lines": batch.lines,
        "total": float(batch.total),
        "currency": batch.currency,
        "source_currency": batch.source_currency,
        "rate": float(batch.rate),
        "first_date": batch.first_date.isoformat() if batch.first_date else None,
        "last_date": batch.last_date.isoformat() if batch.last_date else None,
        "imported_at": batch.imported_at.isoformat(),
    }


class Command(BaseCommand):
    help = "List the files imported into an organisation's spend, or remove one to import it again."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organisation: its id or organisation number.")
        parser.add_argument(
            "--remove",
            type=int,
            metavar="ID",
            help="Take this import's lines out of the spend and forget its file, to import it again.",
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the list as JSON.")

    def handle(self, *args, org: str, remove: int | None, as_json: bool, **options):
        organisation = organisation_for(org)
        batches = SpendImport.objects.filter(organisation=organisation).order_by("-imported_at", "-pk")
        if remove is not None:
            batch = batches.filter(pk=remove).first()
            if batch is None:
                raise CommandError(f"--remove {remove}: {organisation} has no spend import with this id.")
            try:
                removed = remove_import(batch)
            except SummaryMismatchError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(
                f"Removed the import of {removed.file_name}: {removed.lines:,} lines left the spend"
                f" ({removed.suppliers:,} suppliers known only by name went with them)."
            )
            return
        rows = [as_row(batch) for batch in batches]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write(f"{organisation} has no spend imports.")
        for row in rows:
            period = f"{row['first_date'] or '–'} – {row['last_date'] or '–'}"
            self.stdout.write(
                f"{row['id']:>6}  {row['imported_at'][:16]}  {row['lines']:>10,} lines  {period}  "
                f"{row['currency']} {row['total']:,.2f}  {row['file_name']}"
            )
