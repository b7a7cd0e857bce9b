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
