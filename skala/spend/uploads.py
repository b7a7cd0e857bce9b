"""Uploads from the spend page: the file stored for the worker, a record of it, and the task queued."""

from pathlib import PurePath

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.crypto import get_random_string

from skala.orgs.models import Organisation
from skala.spend.models import SpendUpload

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
    from skala.spend.tasks import import_upload

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

    def enqueue() -> None:
        result = import_upload.enqueue(record.pk)
        SpendUpload.objects.filter(pk=record.pk).update(task_id=str(result.id))

    transaction.on_commit(enqueue)
    return record
