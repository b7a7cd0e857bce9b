"""Background work for the matching corpus."""

import re

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from skala.corpus import services
from skala.corpus.models import IndexBuild

PROGRESS = re.compile(r"Analysed (\d+) of (\d+)")


@task()
def rebuild_index(build_id: int) -> int:
    """Re-analyse and re-embed the corpus and rebuild the index, recording progress on the build."""
    build = IndexBuild.objects.get(pk=build_id)
    build.status = IndexBuild.Status.RUNNING
    build.save(update_fields=["status"])

    def progress(message: str) -> None:
        found = PROGRESS.search(message)
        fields = {"message": message}
        if found:
            fields.update(done=int(found[1]), total=int(found[2]))
        IndexBuild.objects.filter(pk=build_id).update(**fields)

    try:
        count = services.rebuild(progress)
    except Exception as error:
        IndexBuild.objects.filter(pk=build_id).update(
            status=IndexBuild.Status.FAILED,
            message=f"{type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )
        raise
    IndexBuild.objects.filter(pk=build_id).update(
        status=IndexBuild.Status.DONE, done=count, total=count, finished_at=timezone.now()
    )
    return count


@task()
def tune_division_model(build_id: int, epochs: int | None = None) -> int:
    """Fine-tune the division model on the corpus (minutes), recording its steps on the build."""
    IndexBuild.objects.filter(pk=build_id).update(
        status=IndexBuild.Status.RUNNING, message="Fine-tuning the division model"
    )

    def on_step(step: int, steps: int, loss: float) -> None:
        IndexBuild.objects.filter(pk=build_id).update(
            done=step, total=steps, message=f"Fine-tuning: step {step} of {steps}, loss {loss:.3f}"
        )

    try:
        titles = services.tune(epochs, on_step)
    except Exception as error:
        IndexBuild.objects.filter(pk=build_id).update(
            status=IndexBuild.Status.FAILED,
            message=f"{type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )
        raise
    IndexBuild.objects.filter(pk=build_id).update(
        status=IndexBuild.Status.DONE,
        message=f"Division model tuned on {titles} titles: {settings.SKALA_DIVISION_MODEL}",
        finished_at=timezone.now(),
    )
    return titles
