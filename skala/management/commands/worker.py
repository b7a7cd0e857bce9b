from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a task worker: on the database, or on Redis with RQ when REDIS_URL is set."

    def add_arguments(self, parser):
        parser.add_argument("--queue", default="default", help="The queue to work (default: default).")
        parser.add_argument("--burst", action="store_true", help="Work until the queue is empty, then stop.")
        parser.add_argument(
            "--reload",
            action="store_true",
            help="Database worker only: restart on code changes (development). The work then runs in a "
            "child process, which a signal to this one does not reach: stop it with Ctrl-C.",
        )

    def handle(self, *args, queue: str, burst: bool, reload: bool, **options):
        backend = settings.TASKS["default"]["BACKEND"]
        if backend.startswith("django_tasks_rq"):
            self.stdout.write(f"RQ worker on {queue!r} at {settings.REDIS_URL.split('@')[-1]}")
            call_command(
                "rqworker",
                queue,
                burst=burst,
                with_scheduler=not burst,
                job_class="django_tasks_rq.Job",
            )
        else:
            self.stdout.write(f"Database task worker on {queue!r}")
            # Without the reloader unless asked (db_worker's default follows DEBUG): its parent process
            # does not pass SIGTERM or SIGKILL on, so a worker stopped by `skala serve`, a service manager
            # or a test would live on as an orphan and keep taking tasks.
            call_command(
                "db_worker", queue_name=queue, batch=burst, startup_delay=False, reload=reload and not burst
            )
