from django.core.management.base import BaseCommand

from skala.kpis.connectors import due, pull
from skala.kpis.tasks import pull_connector


class Command(BaseCommand):
    help = "Pull key figures from the connectors that are due (run it every few minutes, e.g. from cron)."

    def add_arguments(self, parser):
        parser.add_argument("--inline", action="store_true", help="Pull here instead of on task workers.")
        parser.add_argument(
            "--dry-run", action="store_true", help="List the connectors that are due; pull nothing."
        )

    def handle(self, *args, inline: bool, dry_run: bool, **options):
        connectors = due()
        for connector in connectors:
            if dry_run:
                self.stdout.write(f"due: {connector}")
            elif inline:
                count = pull(connector)
                status = f"failed: {connector.last_error}" if connector.last_error else f"{count} values"
                self.stdout.write(f"{connector}: {status}")
            else:
                pull_connector.enqueue(connector.pk)
        self.stdout.write(f"{len(connectors)} connectors due.")
