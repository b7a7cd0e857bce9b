"""Soak the wall screen: one screen open in headless chromium for a long time, rotating and refreshing;
the page's memory must not grow by more than 10 %.

    python -m bench.wall_soak [--minutes 60] [--interval 2] [--warm-up 10] [--snapshots DIR]

It builds a fresh SQLite database with the demo data, serves Skala as production does (`skala serve`:
gunicorn, DJANGO_ENV=production, no code reloading) on a free loopback port, opens the demo wall with
rotation and refresh every --interval seconds, and samples the page through the DevTools protocol once
a minute: the JavaScript heap as it is (raw) and after a forced garbage collection (post-GC), DOM nodes,
event listeners and the resource-timing entries the page holds. The baseline is the first sample after
the warm-up: V8 compiles optimised machine code for the hot functions of htmx over the first few
hundred refreshes, growth that stops (with --chromium-arg=--js-flags=--max-opt=0 the post-GC heap is
flat from the first minute). The growth is the post-GC heap at the end against that baseline; it exits
with status 1 when that growth is above 10 % or a refresh failed. With --snapshots it writes heap
snapshots at the baseline and at the end, for a diff in DevTools' Memory panel. (In such a diff the
blink heap also holds DevTools' own network log, an XHRReplayData a refresh, there only because
Playwright is attached; it is not in the JavaScript heap measured here.)
"""

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKALA = ROOT / ".venv" / "bin" / "skala"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
LIMIT_PERCENT = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(folder: str, port: int) -> dict:
    """Production settings on plain loopback HTTP: no debug, no reloading when the tree changes."""
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{folder}/soak.sqlite3",
        "SKALA_VAR_DIR": folder,
        "SITE_URL": f"http://127.0.0.1:{port}",
    }


def prepare(environment: dict, interval: int) -> str:
    """Migrate and load the demo; return the demo wall's path, with rotation and refresh set to interval."""
    for command in (["migrate", "-v0"], ["load-reference"], ["load-demo"]):
        subprocess.run([str(SKALA), *command], env=environment, check=True, capture_output=True)
    script = (
        "from skala.kpis.models import Screen; s = Screen.objects.get(name__startswith='Demo');"
        f"s.rotate_seconds = s.refresh_seconds = {interval}; s.tiles_per_page = 2; s.save();"
        "print(s.wall_url())"
    )
    result = subprocess.run(
        [str(SKALA), "shell", "-c", script], env=environment, check=True, capture_output=True, text=True
    )
    return result.stdout.strip().splitlines()[-1]


def wait_until_serving(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"skala serve did not listen on port {port} within {seconds:.0f} s")


def heap_snapshot(session, path: Path) -> None:
    chunks: list[str] = []

    def chunk(event: dict) -> None:
        chunks.append(event["chunk"])

    session.on("HeapProfiler.addHeapSnapshotChunk", chunk)
    session.send("HeapProfiler.takeHeapSnapshot", {"reportProgress": False})
    session.remove_listener("HeapProfiler.addHeapSnapshotChunk", chunk)
    path.write_text("".join(chunks))


def metrics(session) -> dict:
    return {item["name"]: item["value"] for item in session.send("Performance.getMetrics")["metrics"]}


def sample(session, page, raw: float | None = None) -> dict:
    """The page's memory as it is (or as given), then after two forced collections (weak maps and
    finalizers too)."""
    if raw is None:
        raw = metrics(session)["JSHeapUsedSize"] / 2**20
    session.send("HeapProfiler.collectGarbage")
    session.send("HeapProfiler.collectGarbage")
    after = metrics(session)
    return {
        "raw": raw,
        "gc": after["JSHeapUsedSize"] / 2**20,
        "nodes": after["Nodes"],
        "listeners": after["JSEventListeners"],
        "timings": page.evaluate("performance.getEntriesByType('resource').length"),
        "shown": page.evaluate("document.body.dataset.page || ''"),
    }


def summary(label: str, values: list[float], unit: str) -> tuple[str, float]:
    start, end, peak = values[0], values[-1], max(values)
    growth = (end - start) / start * 100 if start else 0.0
    peak_growth = (peak - start) / start * 100 if start else 0.0
    line = (
        f"{label:<22} start {start:>8.3f} {unit}  end {end:>8.3f} {unit}  max {peak:>8.3f} {unit}  "
        f"growth {growth:+6.1f} %  (max {peak_growth:+.1f} %)"
    )
    return line, growth


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=60, help="length of the soak after the warm-up")
    parser.add_argument("--interval", type=int, default=2, help="rotation and refresh, seconds")
    parser.add_argument("--warm-up", type=float, default=10, help="minutes before the baseline sample")
    parser.add_argument("--sample-seconds", type=float, default=60)
    parser.add_argument("--snapshots", type=Path, help="write heap snapshots at the baseline and the end")
    parser.add_argument(
        "--chromium-arg",
        action="append",
        default=[],
        help="an extra chromium argument, e.g. --js-flags=--max-opt=0 to see the heap without V8's "
        "optimised code (repeatable)",
    )
    arguments = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    folder = tempfile.mkdtemp(prefix="skala-soak-")
    port = free_port()
    environment = production_environment(folder, port)
    path = prepare(environment, arguments.interval)
    server = subprocess.Popen(
        [str(SKALA), "serve", "--port", str(port), "--no-worker", "--workers", "1"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own process group: `skala serve` does not pass SIGTERM on to gunicorn, so stop them together.
        start_new_session=True,
    )
    refreshes = {"done": 0, "failed": 0}

    def finished(response) -> None:
        if response.url.endswith("/tiles/"):
            refreshes["done"] += 1
            refreshes["failed"] += response.status != 200

    def failed(request) -> None:
        if request.url.endswith("/tiles/"):
            refreshes["failed"] += 1

    samples: list[dict] = []
    try:
        wait_until_serving(port)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, args=[*CHROMIUM_ARGS, *arguments.chromium_arg]
            )
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.on("response", finished)
            page.on("requestfailed", failed)
            session = page.context.new_cdp_session(page)
            session.send("Performance.enable")
            page.goto(f"http://127.0.0.1:{port}{path}")
            started = time.monotonic()
            total = arguments.warm_up + arguments.minutes
            print(
                f"Soaking {path} for {arguments.warm_up:g} + {arguments.minutes:g} minutes, "
                f"rotation and refresh every {arguments.interval} s.",
                flush=True,
            )
            print(
                f"{'minute':>7} {'raw MiB':>8} {'post-GC MiB':>12} {'DOM nodes':>10} {'listeners':>10} "
                f"{'timings':>8} {'refreshes':>10} {'failed':>7} {'page':>5}",
                flush=True,
            )
            while True:
                elapsed = (time.monotonic() - started) / 60
                baseline = elapsed >= arguments.warm_up and not any(s["baseline"] for s in samples)
                raw = None
                if baseline and arguments.snapshots:
                    raw = metrics(session)["JSHeapUsedSize"] / 2**20  # the snapshot collects garbage
                    # Before the baseline sample: a snapshot makes V8 compute source positions, which
                    # stay on the heap, so a snapshot taken after it would count as the page's growth.
                    arguments.snapshots.mkdir(parents=True, exist_ok=True)
                    heap_snapshot(session, arguments.snapshots / "baseline.heapsnapshot")
                measured = sample(session, page, raw)
                measured["minute"] = elapsed
                measured["baseline"] = baseline
                samples.append(measured)
                print(
                    f"{elapsed:>7.1f} {measured['raw']:>8.3f} {measured['gc']:>12.3f} "
                    f"{measured['nodes']:>10.0f} {measured['listeners']:>10.0f} {measured['timings']:>8} "
                    f"{refreshes['done']:>10} {refreshes['failed']:>7} {measured['shown']:>5}"
                    + ("  <- baseline" if baseline else ""),
                    flush=True,
                )
                if elapsed >= total:
                    break
                time.sleep(min(arguments.sample_seconds, max(1.0, (total - elapsed) * 60)))
            if arguments.snapshots:
                heap_snapshot(session, arguments.snapshots / "end.heapsnapshot")
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=40)
        shutil.rmtree(folder, ignore_errors=True)
    soaked = samples[next(i for i, s in enumerate(samples) if s["baseline"]) :]
    print(f"\nFrom the baseline at minute {soaked[0]['minute']:.1f} to minute {soaked[-1]['minute']:.1f}:")
    line, growth = summary("JS heap after GC", [s["gc"] for s in soaked], "MiB")
    print(line)
    print(summary("JS heap raw", [s["raw"] for s in soaked], "MiB")[0])
    print(summary("DOM nodes", [s["nodes"] for s in soaked], "   ")[0])
    print(summary("event listeners", [s["listeners"] for s in soaked], "   ")[0])
    print(f"refreshes {refreshes['done']}, failed {refreshes['failed']}")
    verdict = "within" if growth <= LIMIT_PERCENT else "ABOVE"
    print(f"Post-GC JS heap growth {growth:+.1f} %: {verdict} the limit of +{LIMIT_PERCENT:.0f} %.")
    if growth > LIMIT_PERCENT or refreshes["failed"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
