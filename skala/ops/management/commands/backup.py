"""`skala backup [--output FILE]`: the database and the uploaded files in one archive."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from skala.ops.backup import BackupError, backup
from skala.ops.files import WriteError


class Command(BaseCommand):
    help = "Back up the database and the uploaded files (MEDIA_ROOT) into one archive with a manifest."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="The archive to write (default: skala-backup-YYYYMMDD-HHMMSS.tar.gz here).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be backed up; write nothing."
        )

    def handle(self, *args, output: Path | None, dry_run: bool, **options):
        output = output or Path(f"skala-backup-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz")
        try:
            manifest = backup(output, dry_run=dry_run)
        except (BackupError, WriteError) as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest.tables.values())
        migrations = sum(len(names) for names in manifest.migrations.values())
        verb = "Would back up" if dry_run else "Backed up"
        self.stdout.write(
            f"{verb} the {manifest.vendor} database ({rows} rows, {migrations} migrations, "
            f"by {manifest.method}) "
            f"and {manifest.media_files} uploaded files ({manifest.media_bytes} bytes)"
            + ("." if dry_run else f" to {output}.")
        )
