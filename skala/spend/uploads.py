"""Uploads from the spend page: the file stored for the worker, a record of it, and the task queued."""

from pathlib import PurePath

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.crypto import get_random_string

from skala.orgs.models import Organisation
from skala.spend.models import SpendUpload, UploadStatus

UPLOAD_FOLDER = "spend-uploads"


def queue_upload(
    organisation: Organisation,
    user,
    upload,
    *,
    mapping: dict[str, str] | None = None,
    currency: str = "",
    rate=None,
    language: str = "",
) -> SpendUpload:
    """Store an uploaded file, record it, and queue its import once the record is committed."""
    suffix = PurePath(upload.name).suffix.lower()
    # The stored name is random: the file name a person chose never becomes a path on the server.
    stored = default_storage.save(f"{UPLOAD_FOLDER}/{get_random_string(24)}{suffix}", upload)
    record = SpendUpload.objects.create(
        organisation=organisation,
        uploaded_by=user,
        file_name=PurePath(upload.name).name[:300],
        stored_name=stored,
        mapping=mapping or {},
        currency=currency,
        rate=rate,
        language=language,
    )

    enqueue_on_commit(record.pk, record.attempt)
    return record


def enqueue_on_commit(upload_id: int, attempt: int) -> None:
    from skala.spend.tasks import import_upload

    def enqueue() -> None:
        result = import_upload.enqueue(upload_id, attempt)
        SpendUpload.objects.filter(pk=upload_id, attempt=attempt).update(task_id=str(result.id))

    transaction.on_commit(enqueue)


class NotStalledError(ValueError):
    """Only an upload whose import has stalled may be started again."""


def restart_upload(record: SpendUpload) -> SpendUpload:
    """Start a stalled upload's import again, from its stored file, as a new attempt.

    Safe because an import is one transaction: the stalled run saved nothing, and should it still
    finish, it records nothing over the new attempt (and the same file is then recognised as
    already imported).
    """
    if not record.stalled or not record.stored_name:
        raise NotStalledError(
            f"Upload {record.pk} is {record.status}, not stalled: only a stalled import is started again."
        )
    attempt = record.attempt + 1
    restarted = SpendUpload.objects.filter(
        pk=record.pk, attempt=record.attempt, status=UploadStatus.RUNNING
    ).update(
        attempt=attempt,
        status=UploadStatus.QUEUED,
        started_at=None,
        heartbeat_at=None,
        lines_read=0,
        message="",
        task_id="",
    )
    if not restarted:
        raise NotStalledError(f"Upload {record.pk} was started again or finished meanwhile.")
    enqueue_on_commit(record.pk, attempt)
    record.refresh_from_db()
    return record
