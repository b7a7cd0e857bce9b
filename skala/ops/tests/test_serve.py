"""`skala serve` stopped by a service manager takes its web server with it."""

import contextlib
import signal
import subprocess
import sys
import time

from skala.ops.tests.helpers import ROOT, environment
from skala.ops.tests.test_failure import free_port, get


def processes_in_group(group: int) -> list[int]:
    found = subprocess.run(["pgrep", "-g", str(group)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_sigterm_to_skala_serve_stops_gunicorn_and_its_workers(tmp_path):
    port = free_port()
    url = f"sqlite:///{tmp_path / 'skala.sqlite3'}"
    server = subprocess.Popen(
        [sys.executable, "-m", "skala.cli", "serve", "--no-worker", "--workers", "2", "--port", str(port)],
        env=environment(url, tmp_path, DEBUG="0", STATIC_ROOT=str(tmp_path / "static")),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        answered = False
        while time.monotonic() < deadline and not answered:
            with contextlib.suppress(OSError):
                answered = get(port, "/healthz")[0] == 200
            time.sleep(0.2)
        assert answered, "skala serve did not answer /healthz"
        # skala serve, gunicorn's arbiter and its two workers.
        assert len(processes_in_group(server.pid)) >= 4

        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and processes_in_group(server.pid):
            time.sleep(0.1)
        assert processes_in_group(server.pid) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            subprocess.run(["pkill", "-KILL", "-g", str(server.pid)], check=False)


def test_sigterm_to_skala_worker_stops_it_with_debug_on_as_in_development(tmp_path):
    """db_worker reloads on code changes when DEBUG is on, from a parent that passes no signal on to the
    worker beneath it: `skala worker` does without, so the process it starts is the one that works."""
    url = f"sqlite:///{tmp_path / 'skala.sqlite3'}"
    subprocess.run(
        [sys.executable, "-m", "skala.cli", "migrate", "--verbosity", "0"],
        env=environment(url, tmp_path),
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    log = tmp_path / "worker.log"
    with open(log, "wb") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "skala.cli", "worker"],
            env=environment(url, tmp_path, DEBUG="1", LOG_LEVEL="INFO"),
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "Starting worker" not in log.read_text(errors="replace"):
            assert worker.poll() is None, log.read_text(errors="replace")
            time.sleep(0.1)
        assert "Starting worker" in log.read_text(errors="replace")
        assert processes_in_group(worker.pid) == [worker.pid]
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and processes_in_group(worker.pid):
            time.sleep(0.1)
        assert processes_in_group(worker.pid) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            subprocess.run(["pkill", "-KILL", "-g", str(worker.pid)], check=False)
