"""Failures Skala survives: a worker killed mid-import, PostgreSQL restarted under traffic, a full disk."""

import contextlib
import glob
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from skala.ops.tests.helpers import ROOT, environment, skala, sqlite_counts

LINES = 200_000

# What the spend page does with an upload: store the file, record it, queue skala.spend.tasks.import_upload.
UPLOAD = """
import django, sys
django.setup()
from django.core.files import File
from skala.orgs.models import Organisation
from skala.spend.uploads import queue_upload
organisation, _ = Organisation.objects.get_or_create(name="Drammen kommune", kind="municipality")
with open(sys.argv[1], "rb") as handle:
    upload = queue_upload(organisation, None, File(handle, name="regnskap-2025.csv"))
upload.refresh_from_db()
print(upload.pk, upload.task_id)
"""

# Running the import again, as the task would be retried: the same upload, a new task.
AGAIN = """
import django, sys
django.setup()
from skala.spend.tasks import import_upload
print(import_upload.enqueue(int(sys.argv[1])).id)
"""


def write_spend(path: Path, lines: int) -> None:
    """A spend extract shaped like a municipality's: many lines, a few hundred suppliers."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("dato;leverandør;beløp;konto\n")
        for number in range(lines):
            handle.write(
                f"2025-{number % 12 + 1:02d}-{number % 28 + 1:02d};Leverandør {number % 700} AS;"
                f"{(number * 37) % 90_000 + 100}.50;{6000 + number % 40}\n"
            )


def sqlite_value(database: Path, query: str, *parameters):
    with contextlib.closing(sqlite3.connect(database, timeout=20)) as opened:
        return opened.execute(query, parameters).fetchone()[0]


def task_status(database: Path, task_id: str) -> str:
    """A task's status as the worker recorded it (the id is a UUID, stored without dashes)."""
    return sqlite_value(
        database,
        "SELECT status FROM django_tasks_database_dbtaskresult WHERE id IN (?, ?)",
        task_id,
        task_id.replace("-", ""),
    )


def python(url: str, folder: Path, script: str, *args: str) -> list[str]:
    """Run a script with Skala set up, in a process of its own; the words of its last line."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=environment(url, folder),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1].split()


@pytest.mark.django_db
def test_a_worker_killed_mid_import_leaves_no_partial_data_and_the_import_runs_again(
    sqlite_template, tmp_path
):
    database = tmp_path / "skala.sqlite3"
    shutil.copyfile(sqlite_template, database)
    url = f"sqlite:///{database}"
    spend = tmp_path / "spend.csv"
    write_spend(spend, LINES)
    upload_id, first = python(url, tmp_path, UPLOAD, str(spend))

    log = tmp_path / "worker.log"
    with open(log, "wb") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "skala.cli", "worker"],
            env=environment(url, tmp_path, LOG_LEVEL="INFO"),
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        # Mid-import: the task has logged its first progress (every 10,000 lines), inside its one
        # transaction. Reading the database now would wait on the import's lock, so the log is the signal.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and f"Upload {upload_id}: " not in log.read_text(errors="replace"):
            assert worker.poll() is None, log.read_text(errors="replace")
            time.sleep(0.02)
        assert f"Upload {upload_id}: " in log.read_text(errors="replace"), "the import never got going"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == -signal.SIGKILL

    # Opening the file rolls back the killed transaction (SQLite's hot journal): none of the import is left.
    counts = sqlite_counts(database, ["spend_spendimport", "spend_spendline", "spend_supplier"])
    assert counts == {"spend_spendimport": 0, "spend_spendline": 0, "spend_supplier": 0}
    # The killed worker never recorded an end: the task and the upload still say they are running.
    assert task_status(database, first) == "RUNNING"
    assert sqlite_value(database, "SELECT status FROM spend_spendupload WHERE id = ?", upload_id) == "running"

    (second,) = python(url, tmp_path, AGAIN, upload_id)
    skala(url, tmp_path, "worker", "--burst")
    assert task_status(database, second) == "SUCCESSFUL"
    counts = sqlite_counts(database, ["spend_spendimport", "spend_spendline"])
    assert counts == {"spend_spendimport": 1, "spend_spendline": LINES}
    assert sqlite_value(database, "SELECT status FROM spend_spendupload WHERE id = ?", upload_id) == "done"


# PostgreSQL restarted under traffic, on a throwaway cluster of the test's own.


def postgres_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def throwaway_postgres():
    """A PostgreSQL cluster in a temporary folder on a free port, stopped and removed afterwards."""
    binaries = postgres_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    run_as: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root; run it as the postgres account when there is one.
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres account to run a cluster as")
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser to start a cluster as postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="skala-pg-"))
    data = folder / "data"
    if run_as:
        shutil.chown(folder, "postgres", "postgres")
    port = free_port()

    def pg(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*run_as, *args], capture_output=True, text=True, check=check, timeout=120)

    pg(str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    log = str(folder / "server.log")

    def start() -> None:
        pg(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start")

    def stop() -> None:
        pg(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")

    start()
    try:
        subprocess.run(
            ["psql", f"postgres://postgres@127.0.0.1:{port}/postgres", "-qc", "CREATE DATABASE skala"],
            check=True,
            capture_output=True,
        )
        yield f"postgres://postgres@127.0.0.1:{port}/skala", start, stop
    finally:
        pg(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(folder, ignore_errors=True)


def get(port: int, path: str) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept-Language": "en"})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read().decode()
    finally:
        connection.close()


PATHS = ["/en/", "/api/v1/reference/sdgs", "/healthz"]


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)


def test_postgresql_restarted_under_traffic_gives_clean_503s_and_skala_recovers_by_itself(
    throwaway_postgres, tmp_path
):
    url, start, stop = throwaway_postgres
    # The front page counts needs, notices, solutions and organisations: it needs every app's tables.
    skala(url, tmp_path, "migrate", "--no-input")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "skala.cli", "serve", "--no-worker", "--workers", "2", "--port", str(port)],
        env=environment(url, tmp_path, DEBUG="0", STATIC_ROOT=str(tmp_path / "static")),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    answers: list[tuple[float, float, str, int, str, str]] = []
    stopping = threading.Event()

    def traffic() -> None:
        while not stopping.is_set():
            for path in PATHS:
                began = time.monotonic()
                try:
                    status, kind, body = get(port, path)
                except OSError as error:
                    status, kind, body = 0, "", str(error)
                answers.append((began, time.monotonic(), path, status, kind, body))
            time.sleep(0.05)

    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if get(port, "/healthz")[0] == 200:
                    break
            time.sleep(0.2)
        workers = sorted(
            int(pid) for pid in subprocess.check_output(["pgrep", "-g", str(server.pid)]).split()
        )
        runner = threading.Thread(target=traffic, daemon=True)
        runner.start()

        def answered_since(moment: float) -> int:
            return len([answer for answer in answers if answer[0] > moment])

        # Each phase lasts until every path has been answered twice in it (a busy machine is slow).
        began = time.monotonic()
        wait_for(lambda: answered_since(began) >= 2 * len(PATHS))
        stop_called = time.monotonic()
        stop()
        stopped = time.monotonic()
        wait_for(lambda: answered_since(stopped) >= 2 * len(PATHS))
        start_called = time.monotonic()
        start()
        started = time.monotonic()
        wait_for(lambda: answered_since(started) >= 4 * len(PATHS))
        stopping.set()
        runner.join(timeout=60)
        after_workers = sorted(
            int(pid) for pid in subprocess.check_output(["pgrep", "-g", str(server.pid)]).split()
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    before = [answer for answer in answers if answer[1] < stop_called]
    down = [answer for answer in answers if answer[0] > stopped and answer[1] < start_called]
    last = answers[-2 * len(PATHS) :]
    assert before
    assert all(status == 200 for _began, _ended, _path, status, _kind, _body in before)
    assert down, "no request was made while PostgreSQL was down"
    assert all(status == 503 for _began, _ended, _path, status, _kind, _body in down)
    # Every request that failed, including those caught mid-way by the stop, failed cleanly.
    for _began, _ended, path, status, kind, body in answers:
        if status == 200:
            continue
        assert status == 503, (path, status, body[:300])
        assert "Traceback" not in body
        if path.startswith("/api/") or path == "/healthz":
            assert kind.startswith("application/json")
            assert json.loads(body)
        else:
            assert "cannot reach its database" in body
    # Once PostgreSQL is back, Skala answers again by itself: the same processes, no restart.
    assert after_workers == workers
    assert last
    assert all(status == 200 for _began, _ended, _path, status, _kind, _body in last), last
    back = next(answer[1] for answer in answers if answer[0] > start_called and answer[3] == 200)
    print(
        f"PostgreSQL down {start_called - stopped:.1f} s: {len(down)} requests, all 503; "
        f"first 200 {back - start_called:.2f} s after the start was called; "
        f"{len([a for a in answers if a[3] != 200])} of {len(answers)} requests were not 200"
    )


# A full disk during an export.


@pytest.mark.django_db
def test_an_export_to_a_full_device_fails_clearly():
    with pytest.raises(CommandError, match=r"No space left on device\. Nothing was written\."):
        call_command("export", "ocds", "--output", "/dev/full")


@pytest.fixture
def tiny_disk():
    """A 64 KiB tmpfs, nearly full; skipped where mounting is not allowed (not root, a container)."""
    folder = Path(tempfile.mkdtemp(prefix="skala-tiny-"))
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        (folder / "ballast").write_bytes(b"x" * 56 * 1024)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)
        folder.rmdir()


@pytest.mark.django_db
def test_an_export_onto_a_full_disk_leaves_the_earlier_file_whole_and_no_half_file(tiny_disk, personas):
    from skala.procedures.models import Procurement

    for number in range(40):
        Procurement.objects.create(
            buyer=personas.oslo,
            title=f"Anskaffelse {number} av velferdsteknologi",
            description="x" * 400,
            procedure_type="innovation_partnership",
        )
    earlier = tiny_disk / "ocds.json"
    earlier.write_text('{"earlier": true}\n')
    with pytest.raises(CommandError, match=r"No space left on device\. Nothing was written\."):
        call_command("export", "ocds", "--output", str(earlier))
    assert earlier.read_text() == '{"earlier": true}\n'
    assert sorted(path.name for path in tiny_disk.iterdir()) == ["ballast", "ocds.json"]


@pytest.mark.django_db
def test_a_personal_data_export_to_a_full_device_fails_clearly(personas):
    with pytest.raises(CommandError, match="No space left on device"):
        call_command("personal_data", "export", personas.owner.email, "--output", "/dev/full")


def test_a_backup_to_a_full_device_fails_clearly(sqlite_template, tmp_path):
    failed = skala(f"sqlite:///{sqlite_template}", tmp_path, "backup", "--output", "/dev/full", check=False)
    assert failed.returncode == 1
    assert "No space left on device" in failed.stderr
    assert "Traceback" not in failed.stderr
