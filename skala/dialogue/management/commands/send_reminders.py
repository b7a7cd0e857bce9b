from django.core.management.base import BaseCommand

from skala.dialogue.services import due_reminders
from skala.dialogue.tasks import send_reminders


class Command(BaseCommand):
    help = "Remind everyone registered for a dialogue meeting that starts within a day (run it hourly)."

    def add_arguments(self, parser):
        parser.add_argument("--inline", action="store_true", help="Send here instead of on a task worker.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count who would be reminded; send nothing."
        )

    def handle(self, *args, inline: bool, dry_run: bool, **options):
        if dry_run:
            self.stdout.write(f"Would remind {due_reminders().count()} registrations.")
            return
        if inline:
            self.stdout.write(f"Reminded {send_reminders.call()} registrations.")
            return
        result = send_reminders.enqueue()
        self.stdout.write(f"Reminders enqueued as task {result.id}.")
