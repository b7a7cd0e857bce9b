"""Wall screens: 50 screens of 12 tiles refreshing every 10 seconds, in-process and over HTTP.

In-process: the tiles fragment asked 600 times through Django's test client, one after another.

Over HTTP: the production set-up, `skala serve` (gunicorn, DJANGO_ENV=production, WEB_CONCURRENCY
workers, 2 unless set) on the benchmark's database (a fresh SQLite file, or DATABASE_URL, e.g. your own
PostgreSQL database). 50 clients, one a screen, each ask what the screen's page asks: the tiles fragment
with htmx's headers, every 10 seconds, starting at a random moment of the first 10 seconds, for
BENCH_KPIS_SECONDS seconds (60 unless set). Before that, the same 50 clients on the same schedule ask
/healthz (gunicorn, the middleware and one SELECT 1): the floor on this machine in this run, so the
ratio p95 refresh / p95 healthz compares across machines and loads. Times are measured by the client,
from connecting to the last byte of the answer, on loopback.
"""

import datetime
import http.client
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from django.test import Client
from django.utils import timezone

from skala.kpis.models import Connector, KeyFigure, Screen, Tile, Value
from skala.orgs.models import Organisation, OrganisationKind

SCREENS, TILES, REQUESTS = 50, 12, 600
REFRESH_SECONDS = 10
SKALA = Path(sys.executable).with_name("skala")


def make_screens() -> list[Screen]:
    owner = Organisation.objects.create(name="Bench kommune", kind=OrganisationKind.MUNICIPALITY)
    figures = KeyFigure.objects.bulk_create(
        KeyFigure(owner=owner, name_nb=f"Nøkkeltall {n}", unit="stk", period="month", target_value=100)
        for n in range(60)
    )
    start = datetime.date(2024, 1, 1)
    Value.objects.bulk_create(
        Value(
            figure=figure,
            period_start=start.replace(year=2024 + month // 12, month=month % 12 + 1),
            value=random.randint(50, 150),
            source="bench",
        )
        for figure in figures
        for month in range(24)
    )
    # A third of the figures are pulled by a connector, as on a real screen (the tile reads its state).
    Connector.objects.bulk_create(
        Connector(
            figure=figure,
            kind="http_json",
            config={"url": "http://127.0.0.1:9/", "selector": "rows"},
            last_attempt_at=timezone.now(),
            last_success_at=timezone.now(),
        )
        for figure in figures[::3]
    )
    screens = Screen.objects.bulk_create(
        Screen(owner=owner, name=f"Skjerm {n}", tiles_per_page=6) for n in range(SCREENS)
    )
    Tile.objects.bulk_create(
        Tile(
            screen=screen,
            figure=figures[(index * 7 + tile) % len(figures)],
            kind=("sparkline", "trend", "comparison")[tile % 3],
            order=tile,
        )
        for index, screen in enumerate(screens)
        for tile in range(TILES)
    )
    return screens


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def in_process(screens: list[Screen]) -> dict[str, tuple[float, str]]:
    client = Client()
    samples = []
    for number in range(REQUESTS):
        screen = screens[number % len(screens)]
        started = time.perf_counter()
        response = client.get(f"/nb/kpis/wall/{screen.token}/tiles/")
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    samples.sort()
    return {
        "wall_refresh_12_tiles_p50": (statistics.median(samples), "ms"),
        "wall_refresh_12_tiles_p95": (percentile(samples, 0.95), "ms"),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(port: int, folder: str) -> subprocess.Popen:
    """`skala serve` as production runs it, on the benchmark's database, in its own process group."""
    environment = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SKALA_VAR_DIR": folder,
        "SITE_URL": f"http://127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [str(SKALA), "serve", "--port", str(port), "--no-worker"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # `skala serve` does not pass SIGTERM on to gunicorn; stopping the group stops both.
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _body, _ms = get(port, "/healthz", {})
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop(server)
    raise RuntimeError("skala serve did not answer /healthz within 60 s")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=60)


def get(port: int, path: str, headers: dict) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return response.status, body, (time.perf_counter() - started) * 1000


def drive(port: int, paths: list[str], seconds: float, htmx: bool) -> tuple[list[float], int]:
    """One client a path, each asking every REFRESH_SECONDS from a random start; (times in ms, errors)."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    began = time.monotonic() + 0.5
    end = began + seconds

    def screen(number: int, path: str) -> None:
        headers = {"Accept-Language": "nb", "Accept": "*/*"}
        if htmx:
            page = path.removesuffix("tiles/")
            headers |= {
                "HX-Request": "true",
                "HX-Trigger": "wall-pages",
                "HX-Target": "wall-pages",
                "HX-Current-URL": f"http://127.0.0.1:{port}{page}",
                "Referer": f"http://127.0.0.1:{port}{page}",
            }
        due = began + random.Random(number).uniform(0, REFRESH_SECONDS)
        while due < end:
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                status, body, elapsed = get(port, path, headers)
                failed = status != 200 or (htmx and b"wall-page" not in body)
            except OSError:
                elapsed, failed = None, True
            with lock:
                if elapsed is not None and not failed:
                    times.append(elapsed)
                errors[0] += failed
            due += REFRESH_SECONDS

    threads = [
        threading.Thread(target=screen, args=(number, path), daemon=True) for number, path in enumerate(paths)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(times), errors[0]


def figures(prefix: str, times: list[float], errors: int) -> dict[str, tuple[float, str]]:
    if not times:
        return {f"{prefix}_errors": (float(errors), "count")}
    return {
        f"{prefix}_p50": (statistics.median(times), "ms"),
        f"{prefix}_p95": (percentile(times, 0.95), "ms"),
        f"{prefix}_p99": (percentile(times, 0.99), "ms"),
        f"{prefix}_requests": (float(len(times) + errors), "count"),
        f"{prefix}_errors": (float(errors), "count"),
    }


def over_http(screens: list[Screen]) -> dict[str, tuple[float, str]]:
    from django.db import connection

    seconds = float(os.environ.get("BENCH_KPIS_SECONDS", "60"))
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    connection.close()  # the server's workers have the database to themselves
    folder = tempfile.mkdtemp(prefix="skala-bench-kpis-")
    port = free_port()
    print(
        f"  (skala serve, {workers} gunicorn workers, on {connection.vendor}; {SCREENS} screens "
        f"every {REFRESH_SECONDS} s for {seconds:g} s, /healthz first)",
        flush=True,
    )
    server = serve(port, folder)
    try:
        health = drive(port, ["/healthz"] * len(screens), seconds, htmx=False)
        refresh = drive(port, [f"/nb/kpis/wall/{s.token}/tiles/" for s in screens], seconds, htmx=True)
    finally:
        stop(server)
        shutil.rmtree(folder, ignore_errors=True)
    result = figures("http_healthz", *health) | figures("http_wall_refresh", *refresh)
    if "http_healthz_p95" in result and "http_wall_refresh_p95" in result:
        ratio = result["http_wall_refresh_p95"][0] / result["http_healthz_p95"][0]
        result["http_wall_refresh_p95_over_healthz_p95"] = (ratio, "×")
    return result


def run() -> dict[str, tuple[float, str]]:
    screens = make_screens()
    return in_process(screens) | over_http(screens)
