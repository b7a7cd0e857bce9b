from django.core.management.base import BaseCommand, CommandError

from skala.reference.loading import ReferenceDataError, load_reference


class Command(BaseCommand):
    help = "Load CPV codes, the Sustainable Development Goals, counties and municipalities (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; save nothing.")

    def handle(self, *args, dry_run: bool, **options):
        try:
            load_reference(dry_run=dry_run, progress=self.stdout.write)
        except ReferenceDataError as error:
            raise CommandError(str(error)) from None
