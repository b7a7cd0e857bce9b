"""`skala import <what> FILE`: every import in Skala behind one verb, each owned by its app.

Each kind of import adds its own subparser in ``add_arguments`` and a ``import_<what>`` method that
calls the owning app's import function; the domain work never lives here.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Import external data: notices (JSON Lines, TED XML, OCDS), brreg (Enhetsregisteret), spend."

    def add_arguments(self, parser):
        kinds = parser.add_subparsers(dest="what", required=True, metavar="{notices,brreg,spend}")
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
        self.add_brreg_arguments(kinds)
        self.add_spend_arguments(kinds)

    def add_spend_arguments(self, kinds) -> None:
        """The subparser for `skala import spend FILE --org ORG` (the spend app fills it in)."""
        spend = kinds.add_parser(
            "spend",
            help="Spend: invoice or ledger lines of an organisation, CSV or XLSX, headers in nb, sv or en.",
        )
        spend.add_argument("file", type=Path, help="A CSV (comma or semicolon, UTF-8) or XLSX extract.")
        spend.add_argument(
            "--org", required=True, help="The buying organisation: its id or organisation number."
        )
        spend.add_argument(
            "--mapping", type=Path, help='A JSON file naming other headers\' fields: {"Fakturadato": "date"}.'
        )
        spend.add_argument(
            "--currency", help="The file's currency; by default the organisation's (NOK in Norway)."
        )
        spend.add_argument("--rate", help="Converts --currency to the organisation's: 1 EUR = RATE NOK.")
        spend.add_argument("--dry-run", action="store_true", help="Validate and report; save nothing.")

    def add_brreg_arguments(self, kinds) -> None:
        """The subparser for `skala import brreg` (Enhetsregisteret's bulk files)."""
        brreg = kinds.add_parser(
            "brreg",
            help="Enhetsregisteret: Brønnøysund's bulk file of units, JSON or CSV, gzipped or not.",
        )
        brreg.add_argument(
            "file",
            type=Path,
            help="enheter_alle.json.gz or enheter_alle.csv.gz (or unzipped) from Brønnøysund.",
        )
        brreg.add_argument("--dry-run", action="store_true", help="Validate and report; save nothing.")

    def handle(self, *args, what: str, **options):
        getattr(self, f"import_{what}")(**options)

    def import_notices(self, *, file: Path, format: str | None, dry_run: bool, **options) -> None:
        from skala.procedures.notice_import import NoticeImportError, import_notices

        try:
            report = import_notices(file, format_name=format, dry_run=dry_run, progress=self.stdout.write)
        except NoticeImportError as error:
            if len(error.problems) > error.SHOWN:
                self.stderr.write("\n".join(f"  {problem}" for problem in error.problems))
                raise CommandError(
                    f"{len(error.problems)} problem(s), each listed above; nothing was imported."
                ) from None
            raise CommandError(str(error)) from None
        self.stdout.write(str(report))

    def import_spend(
        self,
        *,
        file: Path,
        org: str,
        mapping: Path | None,
        currency: str | None,
        rate: str | None,
        dry_run: bool,
        **options,
    ) -> None:
        from skala.spend.cli import organisation_for
        from skala.spend.importer import SpendImportError, import_spend, parse_rate

        organisation = organisation_for(org)
        try:
            parsed_rate = parse_rate(rate) if rate is not None else None
        except ValueError:
            raise CommandError(f"--rate {rate!r} is not a rate above zero, as 11.52.") from None
        try:
            report = import_spend(
                file,
                organisation,
                mapping=mapping,
                currency=currency,
                rate=parsed_rate,
                dry_run=dry_run,
                progress=self.stdout.write,
            )
        except SpendImportError as error:
            raise CommandError(f"{file}: {error}") from None
        self.stdout.write(str(report))

    def import_brreg(self, *, file: Path, dry_run: bool, **options) -> None:
        from skala.orgs.brreg import BrregError
        from skala.orgs.brreg_import import import_brreg

        try:
            report = import_brreg(file, dry_run=dry_run, progress=self.stdout.write)
        except BrregError as error:
            raise CommandError(f"{error}\nNothing was imported.") from None
        self.stdout.write(str(report))
