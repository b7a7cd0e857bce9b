"""`skala import <what> FILE`: every import in Skala behind one verb, each owned by its app."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Import external data: 'skala import notices FILE' (JSON Lines, TED XML, OCDS)."

    def add_arguments(self, parser):
        kinds = parser.add_subparsers(dest="what", required=True, metavar="{notices}")
        notices = kinds.add_parser(
            "notices",
            help="Procurement notices: Skala's JSON Lines format, TED XML R2.0.9, or OCDS packages.",
        )
        notices.add_argument(
            "file", type=Path, help="A file, or a folder of files (TED XML: one notice a file)."
        )
        notices.add_argument(
            "--format",
            choices=["jsonl", "ted", "ocds"],
            help="The input's format; by default told from the file name (.jsonl, .xml, .json).",
        )
        notices.add_argument("--dry-run", action="store_true", help="Validate and report; save nothing.")

    def handle(self, *args, what: str, **options):
        if what == "notices":
            self.import_notices(options["file"], options["format"], options["dry_run"])

    def import_notices(self, path: Path, format_name: str | None, dry_run: bool) -> None:
        from skala.procedures.notice_import import NoticeImportError, import_notices

        try:
            report = import_notices(
                path, format_name=format_name, dry_run=dry_run, progress=self.stdout.write
            )
        except NoticeImportError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(report))
