from django.core.management.base import BaseCommand

from skala.suppliers.alerts import send_digests
from skala.suppliers.models import Frequency
from skala.suppliers.tasks import send_digest_emails


class Command(BaseCommand):
    help = "Send the suppliers' alert digests by e-mail (run daily and weekly, e.g. from cron)."

    def add_arguments(self, parser):
        parser.add_argument("frequency", choices=Frequency.values)
        parser.add_argument("--inline", action="store_true", help="Send here instead of on a task worker.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be sent; send nothing.")

    def handle(self, *args, frequency: str, inline: bool, dry_run: bool, **options):
        if dry_run or inline:
            report = send_digests(frequency, dry_run=dry_run)
            verb = "Would send" if dry_run else "Sent"
            self.stdout.write(
                f"{verb} {report.sent} digests with {report.alerts} alerts; "
                f"{report.failed} failed (logged, kept)."
            )
            return
        result = send_digest_emails.enqueue(frequency)
        self.stdout.write(f"Digests enqueued as task {result.id}.")
