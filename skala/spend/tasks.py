"""Importing an uploaded spend file as a background task, recording its progress and outcome."""

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone, translation
from django_tasks import task

from skala.spend.importer import LISTED_PROBLEMS, SpendImportError, import_spend
from skala.spend.models import SpendUpload, UploadStatus

logger = logging.getLogger(__name__)

# The page's progress moves every this many lines.
UPLOAD_PROGRESS_EVERY = 10_000


class UploadProgress:
    """Records the lines an upload's import has read, where the page can see them at once.

    The import runs in one transaction, and what it writes stays invisible until it commits; the
    count therefore goes through a connection of its own. Only on PostgreSQL: SQLite has one
    writer at a time, and the import is it, so there the page shows the import running until it ends.
    """

    def __init__(self, upload_id: int, attempt: int):
        self.upload_id = upload_id
        self.attempt = attempt
        self.own = (
            connections.create_connection(DEFAULT_DB_ALIAS) if connection.vendor == "postgresql" else None
        )

    def __call__(self, lines: int) -> None:
        if self.own is None:
            return
        table = self.own.ops.quote_name(SpendUpload._meta.db_table)
        with self.own.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET lines_read = %s, heartbeat_at = %s WHERE id = %s AND attempt = %s",
                [lines, timezone.now(), self.upload_id, self.attempt],
            )

    def close(self) -> None:
        if self.own is not None:
            self.own.close()


@contextmanager
def local_file(name: str) -> Iterator[Path]:
    """The stored upload as a path on this machine: itself when the storage is a folder, else a copy."""
    try:
        local = Path(default_storage.path(name))
    except NotImplementedError:
        local = None
    # Some storages name a path without keeping the file there (InMemoryStorage does).
    if local is not None and local.is_file():
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="skala-spend-") as folder:
        copy = Path(folder) / Path(name).name
        with default_storage.open(name, "rb") as source, open(copy, "wb") as target:
            shutil.copyfileobj(source, target)
        yield copy


def finish(upload: SpendUpload, **fields) -> None:
    """Record how this run of the upload ended and remove its file; a run the upload has since been
    started again without (it stalled) records nothing."""
    fields.update(finished_at=timezone.now(), stored_name="")
    if (
        SpendUpload.objects.filter(pk=upload.pk, attempt=upload.attempt).update(**fields)
        and upload.stored_name
    ):
        default_storage.delete(upload.stored_name)


@task()
def import_upload(upload_id: int, attempt: int = 1) -> str:
    """Import an uploaded file for its organisation; the upload records the outcome. Returns the status.

    attempt: which run of the upload this task is (``restart_upload`` starts another).
    """
    upload = SpendUpload.objects.select_related("organisation").filter(pk=upload_id).first()
    if upload is None or upload.attempt != attempt or not upload.pending:
        # Removed, started again since this task was queued, or already handled by an earlier run.
        return upload.status if upload else ""
    now = timezone.now()
    SpendUpload.objects.filter(pk=upload.pk, attempt=attempt).update(
        status=UploadStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    progress = UploadProgress(upload.pk, attempt)
    try:
        with translation.override(upload.language or None), local_file(upload.stored_name) as path:
            report = import_spend(
                path,
                upload.organisation,
                mapping=upload.mapping or None,
                currency=upload.currency or None,
                rate=upload.rate,
                progress=lambda message: logger.info("Upload %s: %s", upload.pk, message),
                progress_every=UPLOAD_PROGRESS_EVERY,
                on_lines=progress,
            )
            message = str(report)
    except SpendImportError as error:
        with translation.override(upload.language or None):
            problems = [
                {"row": problem.row, "column": problem.column, "reason": problem.reason}
                for problem in error.problems[:LISTED_PROBLEMS]
            ]
            message = str(error).splitlines()[0]
        finish(
            upload, status=UploadStatus.FAILED, problems=problems, problem_count=error.count, message=message
        )
        return UploadStatus.FAILED
    except BaseException:
        logger.exception("Spend upload %s failed", upload.pk)
        finish(upload, status=UploadStatus.FAILED, message="")
        raise
    finally:
        progress.close()
    if report.already_imported is not None:
        finish(upload, status=UploadStatus.ALREADY, spend_import=report.already_imported, message=message)
        return UploadStatus.ALREADY
    finish(
        upload, status=UploadStatus.DONE, spend_import=report.batch, lines_read=report.lines, message=message
    )
    return UploadStatus.DONE
