"""`skala restore FILE`: put back a database and uploaded files from `skala backup`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from skala.ops.backup import BackupError, read_manifest, restore


class Command(BaseCommand):
    help = "Restore the database and the uploaded files from an archive made by 'skala backup'."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The archive written by 'skala backup'.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that is not empty (everything in it is lost).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read the archive and check it can be restored; change nothing.",
        )

    def handle(self, *args, file: Path, force: bool, dry_run: bool, **options):
        try:
            manifest = read_manifest(file)
            self.stdout.write(
                f"Backup of a {manifest.vendor} database made {manifest.created_at} by Skala "
                f"{manifest.skala_version}: {sum(manifest.tables.values())} rows, "
                f"{manifest.media_files} uploaded files."
            )
            restore(file, force=force, dry_run=dry_run)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write("It can be restored here; nothing was changed." if dry_run else "Restored.")
