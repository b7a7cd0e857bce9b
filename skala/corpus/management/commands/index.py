import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from skala.corpus.models import IndexBuild
from skala.corpus.tasks import rebuild_index, tune_division_model

WAIT_FOR_WORKER_SECONDS = 60
# A running task reports progress every few seconds (tuning every 25 steps); this long without any
# change and the worker has most likely stopped, so the command says so rather than wait for ever.
STALLED_SECONDS = 15 * 60


class Command(BaseCommand):
    help = (
        "Manage the matching index: 'skala index rebuild' re-analyses the corpus as a task, with progress; "
        "'skala index tune' fine-tunes the optional division model (PyTorch)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "tune", "status"])
        parser.add_argument(
            "--epochs", type=int, help="tune: passes over the classified titles (5 by default)."
        )
        parser.add_argument(
            "--inline", action="store_true", help="Run the task in this process instead of on a worker."
        )
        parser.add_argument("--no-wait", action="store_true", help="Enqueue the task and return at once.")

    def handle(self, *args, action: str, inline: bool, no_wait: bool, epochs: int | None, **options):
        if action == "status":
            build = IndexBuild.objects.first()
            self.stdout.write(str(build) if build else "The index has never been rebuilt.")
            return
        if epochs is not None and not 1 <= epochs <= 50:
            raise CommandError("--epochs must be between 1 and 50.")
        if action == "tune":
            self.tune(epochs, inline, no_wait)
            return
        build = IndexBuild.objects.create()
        if inline:
            count = rebuild_index.call(build.pk)
            self.stdout.write(f"Index rebuilt: {count} documents.")
            return
        result = self.enqueue(build, rebuild_index, build.pk)
        self.stdout.write(f"Rebuild enqueued as task {result.id} (build {build.pk}).")
        if no_wait:
            return
        self.follow(build.pk)

    def tune(self, epochs: int | None, inline: bool, no_wait: bool) -> None:
        from skala.corpus.services import TuningError

        build = IndexBuild.objects.create(message="Fine-tuning the division model")
        if inline:
            try:
                titles = tune_division_model.call(build.pk, epochs)
            except TuningError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"Division model tuned on {titles} titles: {settings.SKALA_DIVISION_MODEL}")
            return
        result = self.enqueue(build, tune_division_model, build.pk, epochs)
        self.stdout.write(f"Fine-tuning enqueued as task {result.id} (build {build.pk}).")
        if not no_wait:
            self.follow(build.pk)

    def enqueue(self, build: IndexBuild, task, *arguments):
        """Enqueue the task; if the queue cannot take it (Redis down, say), the build is marked failed
        rather than left waiting for a worker that will never see it."""
        try:
            return task.enqueue(*arguments)
        except Exception as error:
            build.status, build.message = IndexBuild.Status.FAILED, f"Could not enqueue the task: {error}"
            build.save(update_fields=["status", "message"])
            raise CommandError(f"{build.message}. Run with --inline to build in this process.") from None

    def follow(self, build_id: int) -> None:
        """Print the build's progress until it ends."""
        started, last = time.monotonic(), None
        changed = started
        while True:
            build = IndexBuild.objects.get(pk=build_id)
            line = f"{build.get_status_display()}: {build.done}/{build.total} {build.message}"
            if line != last:
                self.stdout.write(line)
                last, changed = line, time.monotonic()
            if build.status == IndexBuild.Status.DONE:
                return
            if build.status == IndexBuild.Status.FAILED:
                raise CommandError(f"The task failed: {build.message}")
            if (
                build.status == IndexBuild.Status.WAITING
                and time.monotonic() - started > WAIT_FOR_WORKER_SECONDS
            ):
                raise CommandError(
                    "No worker has taken the task yet: start one with 'skala worker', or run with --inline."
                )
            if build.status == IndexBuild.Status.RUNNING and time.monotonic() - changed > STALLED_SECONDS:
                raise CommandError(
                    f"No progress for {STALLED_SECONDS // 60} minutes: the worker may have stopped. The task"
                    f" goes on if it has not; 'skala index status' shows how far build {build_id} got."
                )
            time.sleep(0.5)
