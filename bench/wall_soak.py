"""Soak the wall screen: one screen open in headless chromium for a long time, rotating and refreshing;
the page's memory must not grow by more than 10 %.

    python -m bench.wall_soak [--minutes 60] [--interval 2]

It builds a fresh SQLite database with the demo data, serves Skala with gunicorn on a free loopback
port, opens the demo wall with rotation and refresh every --interval seconds, and samples the page's
JavaScript heap and DOM node count through the DevTools protocol once a minute. It prints the samples
and the growth from the first sample after warm-up to the last.
"""

import argparse
import os
import shutil
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--interval", type=int, default=2, help="rotation and refresh, seconds")
    arguments = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    folder = tempfile.mkdtemp(prefix="skala-soak-")
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder}/soak.sqlite3",
        "SKALA_VAR_DIR": folder,
        "SITE_URL": f"http://127.0.0.1:{port}",
    }
    path = prepare(environment, arguments.interval)
    server = subprocess.Popen(
        [str(SKALA), "serve", "--port", str(port), "--no-worker", "--workers", "1"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(4)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            session = page.context.new_cdp_session(page)
            session.send("Performance.enable")
            page.goto(f"http://127.0.0.1:{port}{path}")
            samples = []
            started = time.monotonic()
            print(f"{'minute':>7} {'JS heap MiB':>12} {'DOM nodes':>10} {'page shown':>11}", flush=True)
            while True:
                elapsed = (time.monotonic() - started) / 60
                session.send("HeapProfiler.collectGarbage")
                metrics = {
                    item["name"]: item["value"] for item in session.send("Performance.getMetrics")["metrics"]
                }
                heap, nodes = metrics["JSHeapUsedSize"] / 2**20, metrics["Nodes"]
                shown = page.evaluate("document.body.dataset.page || ''")
                samples.append((elapsed, heap, nodes))
                print(f"{elapsed:>7.1f} {heap:>12.2f} {nodes:>10.0f} {shown:>11}", flush=True)
                if elapsed >= arguments.minutes:
                    break
                time.sleep(min(60, max(1.0, (arguments.minutes - elapsed) * 60)))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)
    # The first sample is taken before the first refresh; compare from the second on.
    base = samples[1] if len(samples) > 2 else samples[0]
    last = samples[-1]
    growth = (last[1] - base[1]) / base[1] * 100 if base[1] else 0.0
    print(
        f"\nJS heap after warm-up {base[1]:.2f} MiB, at the end {last[1]:.2f} MiB: {growth:+.1f} % "
        "(target: at most +10 %)"
    )
    print(f"DOM nodes after warm-up {base[2]:.0f}, at the end {last[2]:.0f}")


if __name__ == "__main__":
    main()
