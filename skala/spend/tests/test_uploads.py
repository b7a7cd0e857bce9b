"""Uploading spend on the page: editors and administrators only, the import as a background task on a
real worker, its progress and outcome (every problem with its row and column, nothing written), the
same file recognised twice, the size and type checks, and the record of every upload."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.utils import timezone

from skala.orgs.models import Organisation
from skala.spend.models import SpendImport, SpendLine, SpendUpload, UploadStatus
from skala.spend.tasks import UploadProgress
from skala.spend.tests.builders import orgnr, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

A, B = orgnr(1), orgnr(2)
ROWS = [
    ["2025-01-15", "Nordlys AS", A, "1000,00", "Helseetaten", "6700 Konsulenter"],
    ["2025-02-15", "Fjord AS", B, "250,00", "Bydel Frogner", "6800 Kontorrekvisita"],
]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def page(personas) -> str:
    return f"/en/spend/{personas.oslo.pk}/uploads/"


def spend_file(tmp_path, rows=ROWS, name="spend.csv") -> SimpleUploadedFile:
    """A spend extract as the browser sends it."""
    path = (
        write_xlsx(tmp_path, rows, name=name)
        if name.endswith(".xlsx")
        else write_csv(tmp_path, rows, name=name)
    )
    return SimpleUploadedFile(name, path.read_bytes())


def upload(client, personas, tmp_path, capture, rows=ROWS, name="spend.csv", **fields):
    """Post a file on the upload page as the logged-in person; the task is queued on commit."""
    with capture(execute=True):
        return client.post(page(personas), {"file": spend_file(tmp_path, rows, name), **fields})


def test_only_editors_and_administrators_of_the_organisation_may_upload(
    client, tmp_path, personas, django_capture_on_commit_callbacks
):
    assert client.get(page(personas)).status_code == 302  # to the login page
    for refused in (personas.colleague, personas.other_buyer, personas.startup, personas.editor):
        # The editor is an editor of Sykehjemsetaten, an agency under Oslo: roles hold downwards only.
        client.force_login(refused)
        assert client.get(page(personas)).status_code == 403
        assert upload(client, personas, tmp_path, django_capture_on_commit_callbacks).status_code == 403
    assert not SpendUpload.objects.exists()
    client.force_login(personas.owner)
    response = client.get(page(personas))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    client.force_login(personas.editor)
    agency = f"/en/spend/{personas.sykehjemsetaten.pk}/uploads/"
    assert client.get(agency).status_code == 200


def test_an_upload_is_imported_by_the_worker_and_recorded(
    client, tmp_path, personas, django_capture_on_commit_callbacks, run_db_worker, media_root
):
    client.force_login(personas.owner)
    response = upload(client, personas, tmp_path, django_capture_on_commit_callbacks)
    record = SpendUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/spend/{personas.oslo.pk}/uploads/{record.pk}/"
    assert (record.status, record.file_name, record.uploaded_by) == (
        UploadStatus.QUEUED,
        "spend.csv",
        personas.owner,
    )
    assert record.task_id
    waiting = client.get(response["Location"])
    assert "The file is waiting for the import to start." in waiting.text
    assert 'hx-trigger="every 1s"' in waiting.text
    assert "Check again" in waiting.text

    run_db_worker()
    record.refresh_from_db()
    assert record.status == UploadStatus.DONE
    assert record.spend_import == SpendImport.objects.get()
    assert (record.lines_read, record.started_at is not None, record.finished_at is not None) == (
        2,
        True,
        True,
    )
    assert SpendLine.objects.count() == 2
    assert Organisation.objects.filter(name="Bydel Frogner", parent=personas.oslo).exists()
    # The file is gone from the server once read; the record stays.
    assert record.stored_name == ""
    assert not list((media_root / "spend-uploads").iterdir())
    done = client.get(response["Location"])
    assert "Imported 2 lines" in done.text
    assert 'hx-trigger="every 1s"' not in done.text
    assert f'href="/en/spend/{personas.oslo.pk}/"' in done.text
    listing = client.get(page(personas))
    assert "spend.csv" in listing.text
    assert "Owner" in listing.text
    assert "Imported" in listing.text


def test_htmx_gets_the_status_fragment_and_is_told_to_stop_when_it_is_finished(
    client, tmp_path, personas, django_capture_on_commit_callbacks, run_db_worker
):
    client.force_login(personas.owner)
    location = upload(client, personas, tmp_path, django_capture_on_commit_callbacks)["Location"]
    pending = client.get(location, headers={"HX-Request": "true"})
    assert pending.status_code == 200
    assert "<h1>" not in pending.text
    assert 'data-status="queued"' in pending.text
    run_db_worker()
    finished = client.get(location, headers={"HX-Request": "true"})
    assert finished.status_code == 286
    assert 'data-status="done"' in finished.text


def test_bad_rows_are_listed_with_their_row_and_column_and_nothing_is_written(
    client, tmp_path, personas, django_capture_on_commit_callbacks, run_db_worker
):
    client.force_login(personas.owner)
    rows = [
        *ROWS,
        ["31.02.2025", "Nordlys AS", A, "100", "", ""],
        ["2025-03-01", "Fjord AS", B, "tolv", "", ""],
    ]
    location = upload(client, personas, tmp_path, django_capture_on_commit_callbacks, rows)["Location"]
    run_db_worker()
    record = SpendUpload.objects.get()
    assert (record.status, record.problem_count) == (UploadStatus.FAILED, 2)
    assert record.problems == [
        {"row": 4, "column": "Dato", "reason": "there is no such date"},
        {"row": 5, "column": "Beløp", "reason": "'tolv' is not an amount"},
    ]
    assert not SpendLine.objects.exists()
    assert not SpendImport.objects.exists()
    assert not Organisation.objects.filter(name="Bydel Frogner").exists()
    shown = client.get(location)
    assert "2 problems; nothing was saved" in shown.text
    assert "<td>4</td><td>Dato</td><td>there is no such date</td>" in shown.text
    assert "Upload a corrected file" in shown.text


def test_the_same_file_again_is_recognised_as_already_imported(
    client, tmp_path, personas, django_capture_on_commit_callbacks, run_db_worker
):
    client.force_login(personas.owner)
    content = spend_file(tmp_path, name="spend.xlsx").read()
    for _time in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(page(personas), {"file": SimpleUploadedFile("spend.xlsx", content)})
        run_db_worker()
    location = response["Location"]
    first, again = SpendUpload.objects.order_by("pk")
    assert (first.status, again.status) == (UploadStatus.DONE, UploadStatus.ALREADY)
    assert again.spend_import == first.spend_import
    assert SpendLine.objects.count() == 2
    assert "is already imported for Oslo kommune" in client.get(location).text


def test_files_too_large_or_of_another_type_are_refused_before_anything_is_queued(
    client, tmp_path, personas, settings, django_capture_on_commit_callbacks
):
    client.force_login(personas.owner)
    settings.SKALA_MAX_UPLOAD_SIZE = 100
    large = upload(client, personas, tmp_path, django_capture_on_commit_callbacks, rows=ROWS * 5)
    assert large.status_code == 400
    assert "The file is larger than" in large.text
    settings.SKALA_MAX_UPLOAD_SIZE = 20_000_000
    pdf = client.post(page(personas), {"file": SimpleUploadedFile("spend.pdf", b"%PDF-1.4 ...")})
    assert "Files ending in .pdf are not accepted here" in pdf.text
    renamed = client.post(page(personas), {"file": SimpleUploadedFile("spend.csv", b"PK\x03\x04 a zip")})
    assert "The file is not a text file." in renamed.text
    assert not SpendUpload.objects.exists()


def test_a_mapping_file_and_a_foreign_currency_with_its_rate_are_used(
    client, tmp_path, personas, django_capture_on_commit_callbacks, run_db_worker
):
    client.force_login(personas.owner)
    header_rows = [["Bokført", "Mottaker", "Kroner"], ["01.02.2025", "Vårdteknik AB", "10"]]
    csv_file = SimpleUploadedFile("eur.csv", "\n".join(";".join(row) for row in header_rows).encode())
    mapping = SimpleUploadedFile(
        "mapping.json", json.dumps({"Bokført": "date", "Mottaker": "supplier", "Kroner": "amount"}).encode()
    )
    without_rate = client.post(page(personas), {"file": csv_file, "mapping": mapping, "currency": "EUR"})
    assert "The file is in EUR: give the rate (1 EUR = RATE NOK)." in without_rate.text
    csv_file.seek(0)
    mapping.seek(0)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page(personas), {"file": csv_file, "mapping": mapping, "currency": "eur", "rate": "11.5"})
    run_db_worker()
    record = SpendUpload.objects.get()
    assert record.status == UploadStatus.DONE, record.problems
    assert SpendLine.objects.get().amount_ore == 11_500
    bad_mapping = SimpleUploadedFile("mapping.json", b'{"Kroner": "money"}')
    refused = client.post(page(personas), {"file": spend_file(tmp_path), "mapping": bad_mapping})
    assert "The mapping file names unknown fields: money." in refused.text


def test_the_list_of_uploads_takes_the_same_queries_however_long_it_is(
    client, tmp_path, personas, django_assert_max_num_queries
):
    for number in range(12):
        SpendUpload.objects.create(
            organisation=personas.oslo, uploaded_by=personas.owner, file_name=f"{number}.csv"
        )
    client.force_login(personas.owner)
    with django_assert_max_num_queries(12):
        response = client.get(page(personas))
    assert response.text.count('<tr><th scope="row">') == 12


def test_the_pages_are_accessible(
    client, tmp_path, personas, django_capture_on_commit_callbacks, run_db_worker
):
    from skala.tests.test_layout import assert_accessible, structure

    client.force_login(personas.owner)
    location = upload(client, personas, tmp_path, django_capture_on_commit_callbacks)["Location"]
    run_db_worker()
    for path in (page(personas).replace("/en/", "/nb/"), location.replace("/en/", "/nb/")):
        assert_accessible(structure(client.get(path)), "nb")


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_while_the_import_transaction_is_still_open(personas):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: progress is shown when the import ends")
    record = SpendUpload.objects.create(organisation=personas.oslo, file_name="big.csv")
    progress = UploadProgress(record.pk, record.attempt)
    observer = connections.create_connection("default")
    try:
        with transaction.atomic():
            # The import's transaction: it has written, and it is still open while it reads on.
            SpendImport.objects.create(
                organisation=personas.oslo, file_name="big.csv", content_hash="0" * 64, currency="NOK"
            )
            progress(120_000)
            with observer.cursor() as cursor:
                cursor.execute("SELECT lines_read FROM spend_spendupload WHERE id = %s", [record.pk])
                assert cursor.fetchone()[0] == 120_000
    finally:
        progress.close()
        observer.close()


def test_an_upload_in_a_storage_without_local_paths_is_copied_for_the_import(
    client, tmp_path, personas, settings, django_capture_on_commit_callbacks, run_db_worker
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    client.force_login(personas.owner)
    upload(client, personas, tmp_path, django_capture_on_commit_callbacks)
    run_db_worker()
    assert SpendUpload.objects.get().status == UploadStatus.DONE
    assert SpendLine.objects.count() == 2


def stall(record: SpendUpload, minutes: int = 31) -> None:
    """The upload as a worker killed mid-import leaves it: running, its last sign of life long ago."""
    long_ago = timezone.now() - datetime.timedelta(minutes=minutes)
    SpendUpload.objects.filter(pk=record.pk).update(
        status=UploadStatus.RUNNING, started_at=long_ago, heartbeat_at=long_ago
    )
    record.refresh_from_db()


def test_an_import_without_a_sign_of_life_for_the_stall_limit_is_stalled(
    client, tmp_path, personas, django_capture_on_commit_callbacks, settings
):
    settings.SKALA_UPLOAD_STALL_MINUTES = 30
    client.force_login(personas.owner)
    upload(client, personas, tmp_path, django_capture_on_commit_callbacks)
    record = SpendUpload.objects.get()
    assert not record.stalled  # waiting for a worker is not stalling
    stall(record, minutes=29)
    assert not record.stalled
    stall(record, minutes=31)
    assert record.stalled


def test_a_stalled_import_is_shown_and_its_editors_start_it_again_on_a_real_worker(
    client, tmp_path, personas, django_capture_on_commit_callbacks, run_db_worker
):
    client.force_login(personas.owner)
    location = upload(client, personas, tmp_path, django_capture_on_commit_callbacks)["Location"]
    record = SpendUpload.objects.get()
    stall(record)
    page_text = client.get(location).text
    assert "no sign of life for over 30 minutes" in page_text
    assert 'hx-trigger="every 1s"' not in page_text  # the button is not swapped away under the reader
    assert "Start the import again" in page_text
    assert "Stalled" in client.get(page(personas)).text
    assert client.get(location, headers={"HX-Request": "true"}).status_code == 286

    restart = f"{location}restart/"
    for refused in (personas.colleague, personas.other_buyer, personas.startup):
        client.force_login(refused)
        assert client.post(restart).status_code == 403
    client.force_login(personas.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(restart)
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.attempt, record.started_at) == (UploadStatus.QUEUED, 2, None)
    assert record.task_id
    run_db_worker()
    record.refresh_from_db()
    assert record.status == UploadStatus.DONE
    assert SpendLine.objects.count() == 2


def test_only_a_stalled_import_can_be_started_again(
    client, tmp_path, personas, django_capture_on_commit_callbacks, run_db_worker
):
    client.force_login(personas.owner)
    location = upload(client, personas, tmp_path, django_capture_on_commit_callbacks)["Location"]
    response = client.post(f"{location}restart/", follow=True)
    assert "Only an import that has stalled can be started again" in response.text
    assert SpendUpload.objects.get().attempt == 1
    run_db_worker()
    client.post(f"{location}restart/")
    record = SpendUpload.objects.get()
    assert (record.status, record.attempt) == (UploadStatus.DONE, 1)


def test_the_stalled_run_records_nothing_over_the_run_that_replaced_it(
    client, tmp_path, personas, django_capture_on_commit_callbacks, run_db_worker
):
    from skala.spend.tasks import import_upload
    from skala.spend.uploads import restart_upload

    client.force_login(personas.owner)
    upload(client, personas, tmp_path, django_capture_on_commit_callbacks)
    record = SpendUpload.objects.get()
    stall(record)
    with django_capture_on_commit_callbacks(execute=True):
        restart_upload(record)
    # The first run's task, arriving late (a worker that was only very slow), does nothing.
    assert import_upload.call(record.pk, 1) == UploadStatus.QUEUED
    record.refresh_from_db()
    assert (record.status, record.attempt, record.stored_name != "") == (UploadStatus.QUEUED, 2, True)
    run_db_worker()
    record.refresh_from_db()
    assert record.status == UploadStatus.DONE
    assert SpendImport.objects.count() == 1
