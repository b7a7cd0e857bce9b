"""`skala export <what> --output FILE`: data out of Skala in public formats."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Export public data: 'skala export ocds --output FILE' writes procurements as OCDS releases."

    def add_arguments(self, parser):
        kinds = parser.add_subparsers(dest="what", required=True, metavar="{ocds}")
        ocds = kinds.add_parser("ocds", help="Every procurement as an OCDS 1.1.5 release package, validated.")
        ocds.add_argument(
            "--output", type=Path, default=None, help="The file to write; '-' or none for stdout."
        )
        ocds.add_argument("--since", help="Only procurements changed on or after this date (YYYY-MM-DD).")
        ocds.add_argument(
            "--records", action="store_true", help="Write a record package with compiled releases."
        )
        ocds.add_argument("--dry-run", action="store_true", help="Build and validate; write nothing.")

    def handle(self, *args, what: str, **options):
        getattr(self, f"export_{what}")(**options)

    def export_ocds(self, *, output: Path | None, since: str | None, records: bool, dry_run: bool, **options):
        import datetime

        from django.conf import settings

        from skala.procedures.models import Procurement
        from skala.procedures.ocds import ExportError, compiled_record, release_package

        procurements = Procurement.objects.select_related("buyer").order_by("pk")
        if since:
            try:
                procurements = procurements.filter(updated_at__date__gte=datetime.date.fromisoformat(since))
            except ValueError:
                raise CommandError(f"--since {since!r} is not a date (YYYY-MM-DD).") from None
        try:
            document = release_package(procurements, f"{settings.SITE_URL}/api/v1/ocds/releases")
        except ExportError as error:
            raise CommandError(
                f"The export does not validate against OCDS 1.1.5, so nothing was written: {error}"
            ) from None
        if records:
            document = {key: value for key, value in document.items() if key != "releases"} | {
                "records": [compiled_record([entry]) for entry in document["releases"]]
            }
        self.stderr.write(
            f"{len(document.get('releases', document.get('records', [])))} procurements, valid OCDS 1.1.5."
        )
        if dry_run:
            return
        text = json.dumps(document, ensure_ascii=False, indent=2)
        if output is None or str(output) == "-":
            sys.stdout.write(text + "\n")
        else:
            from skala.ops.files import WriteError, atomic_file

            # Written beside the target and moved into place, so a full disk leaves no half file.
            try:
                with atomic_file(output) as handle:
                    handle.write(text + "\n")
            except WriteError as error:
                raise CommandError(str(error)) from None
