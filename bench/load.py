"""Load: 100 users on the production server set-up (gunicorn, as `skala serve` runs it) on PostgreSQL.

    python -m bench.load                       # prepare the database if needed, run, compare
    python -m bench.load --users 100 --seconds 60 --think 1.0
    python -m bench.load --save-baseline       # make this run bench/load_baseline.json

Two phases against the same server in the same run: first every user asks for /healthz (the floor:
gunicorn, Django's middleware and one SELECT 1), then the same users drive a mix of what people
and integrations do: browse and search needs, open a need, the front page, a wall screen refreshing
its tiles, matching through /api/v1/match/..., and API reads. Each user is a thread with its own
connection that waits a random think time (uniform 0 to 2 × --think seconds) between requests, so
--users is the number of people, not the number of requests in flight. Printed: requests per
second and p50/p95/p99 per kind, beside the floor and the saved baseline. The target is a p95 under
200 ms for page views at 100 users.

The database is BENCH_LOAD_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/skala_load),
created with createdb when missing, migrated and loaded with reference and demo data.
"""

import argparse
import http.client
import json
import os
import platform
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
BASELINE = BENCH_DIR / "load_baseline.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/skala_load"
PYTHON = sys.executable

SEARCHES = ["nattilsyn", "rehabilitering", "sensor", "arbeidssøkere", "hemtjänsten", "velferdsteknologi"]
MATCH_TEXTS = [
    "Vi trenger sensorer som varsler nattevakten når en beboer faller eller går ut om natten.",
    "Digital oppfølging av brukere som trener hjemme etter utskriving fra sykehus.",
    "Vi söker ett system för digital tillsyn nattetid i hemtjänsten med kamera och larm.",
    "Veiledning på nett for arbeidssøkere, med chat og videomøter med veileder.",
]
CPV_SEARCHES = ["sykehjem", "programvare", "rengjøring", "helse"]


@dataclass
class Target:
    """One request of the mix: a kind (for the figures), whether it is a page view, and how to ask."""

    kind: str
    page: bool
    method: str
    path: str
    body: bytes | None = None


@dataclass
class Recorder:
    """Latencies by kind, and the failures, collected from every user thread."""

    samples: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, milliseconds: float, ok: bool) -> None:
        with self.lock:
            if ok:
                self.samples.setdefault(kind, []).append(milliseconds)
            else:
                self.failures[kind] = self.failures.get(kind, 0) + 1


def prepare_database(url: str) -> None:
    """Create, migrate and load the load database, so the server has reference and demo data."""
    name = urllib.parse.urlparse(url).path.lstrip("/")
    parsed = urllib.parse.urlparse(url)
    server = url.rsplit("/", 1)[0] + "/postgres"
    exists = subprocess.run(
        ["psql", server, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        print(f"Creating {name} on {parsed.hostname}", flush=True)
        subprocess.run(["psql", server, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    environment = {**os.environ, "DATABASE_URL": url}
    for command in (["migrate", "--no-input", "-v", "0"], ["load-reference"], ["load-demo"]):
        subprocess.run(
            [PYTHON, "-m", "skala.cli", *command], env=environment, check=True, stdout=subprocess.DEVNULL
        )


def discover(url: str) -> dict:
    """The ids the mix asks for: public needs and the demo wall screens, read from the database."""
    script = (
        "import django, json; django.setup()\n"
        "from skala.needs.models import Need\n"
        "from skala.kpis.models import Screen\n"
        "print(json.dumps({'needs': list(Need.objects.published().filter(visibility='public')"
        ".values_list('pk', flat=True)), 'walls': list(Screen.objects.filter(revoked=False)"
        ".values_list('token', flat=True))}))\n"
    )
    environment = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "skala.settings"}
    output = subprocess.run(
        [PYTHON, "-c", script], env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def mix(found: dict) -> list[tuple[float, Target]]:
    """The weighted mix of requests; weights are shares of all requests."""
    needs, walls = found["needs"], found["walls"]
    if not needs or not walls:
        raise SystemExit("The load database has no public needs or no wall screen: load the demo data.")

    def match(kind: str) -> Target:
        texts = [{"id": str(n), "text": random.choice(MATCH_TEXTS)} for n in range(2)]
        return Target(
            f"api match {kind}", False, "POST", f"/api/v1/match/{kind}?top=10", json.dumps(texts).encode()
        )

    return [
        (0.08, lambda: Target("page front", True, "GET", "/nb/")),
        (0.16, lambda: Target("page needs list", True, "GET", "/nb/needs/")),
        (
            0.12,
            lambda: Target(
                "page needs search",
                True,
                "GET",
                "/nb/needs/?q=" + urllib.parse.quote(random.choice(SEARCHES)),
            ),
        ),
        (0.18, lambda: Target("page need", True, "GET", f"/nb/needs/{random.choice(needs)}/")),
        (
            0.12,
            lambda: Target("page wall refresh", True, "GET", f"/nb/kpis/wall/{random.choice(walls)}/tiles/"),
        ),
        (0.06, lambda: match("similar")),
        (0.04, lambda: match("cpv")),
        (0.08, lambda: Target("api needs", False, "GET", "/api/v1/needs")),
        (0.04, lambda: Target("api need", False, "GET", f"/api/v1/needs/{random.choice(needs)}")),
        (
            0.06,
            lambda: Target(
                "api cpv search",
                False,
                "GET",
                "/api/v1/reference/cpv?lang=nb&q=" + urllib.parse.quote(random.choice(CPV_SEARCHES)),
            ),
        ),
        (0.06, lambda: Target("api organisations", False, "GET", "/api/v1/organisations")),
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(url: str, port: int, workers: int, folder: Path) -> subprocess.Popen:
    """`skala serve --no-worker` under production settings: collectstatic, then gunicorn."""
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_URL": "memory:",
        "STATIC_ROOT": str(folder / "static"),
        "SKALA_VAR_DIR": str(folder),
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(workers),
    }
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - kept open for the server's lifetime
    server = subprocess.Popen(
        [PYTHON, "-m", "skala.cli", "serve", "--no-worker", "--port", str(port), "--workers", str(workers)],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The server stopped: see {folder / 'server.log'}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    raise SystemExit("The server did not answer /healthz within two minutes.")


def user(port: int, choose, recorder: Recorder, stop_at: float, think: float, seed: int) -> None:
    """One person: a request, a think time, again, until the phase ends."""
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    time.sleep(rng.uniform(0, 2 * think))  # users arrive spread out, not all in the first millisecond
    while time.monotonic() < stop_at:
        target = choose(rng)
        headers = {"Accept-Language": "nb", "Host": "127.0.0.1"}
        if target.body is not None:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            connection.request(target.method, target.path, body=target.body, headers=headers)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
            if response.will_close:
                connection.close()
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
        recorder.add(target.kind, (time.perf_counter() - started) * 1000, ok)
        time.sleep(rng.uniform(0, 2 * think))


def run_phase(port: int, choose, users: int, seconds: float, think: float) -> tuple[Recorder, float]:
    """Run `users` threads for `seconds`; the recorder and the elapsed wall time."""
    recorder = Recorder()
    started = time.monotonic()
    threads = [
        threading.Thread(target=user, args=(port, choose, recorder, started + seconds, think, n), daemon=True)
        for n in range(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return recorder, time.monotonic() - started


def process_cpu(pid: int) -> float:
    """CPU seconds (user and system) a process has used, or 0 when it is gone or not on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pids(server: subprocess.Popen) -> list[int]:
    """`skala serve`, gunicorn's master and its workers: the server's process group."""
    found = subprocess.run(["pgrep", "-g", str(server.pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in found.split()]


def backend_pids(url: str) -> list[int]:
    """The PostgreSQL backends on the load database: only the server's, as the database is its own."""
    name = urllib.parse.urlparse(url).path.lstrip("/")
    server = url.rsplit("/", 1)[0] + "/postgres"
    found = subprocess.run(
        ["psql", server, "-Atc", f"SELECT pid FROM pg_stat_activity WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
    ).stdout
    return [int(pid) for pid in found.split()]


def measured(phase, pids) -> tuple[Recorder, float, float]:
    """Run a phase; its recorder, elapsed time and the CPU seconds the processes `pids()` used in it."""
    before = {pid: process_cpu(pid) for pid in pids()}
    recorder, elapsed = phase()
    after = {pid: process_cpu(pid) for pid in pids()}
    return recorder, elapsed, sum(value - before.get(pid, 0.0) for pid, value in after.items())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def summarise(recorder: Recorder, elapsed: float, groups: dict[str, list[str]]) -> dict[str, dict]:
    """rps, p50, p95, p99 and failures for each kind and for each named group of kinds."""
    rows = {}
    for name, kinds in groups.items():
        values = [value for kind in kinds for value in recorder.samples.get(kind, [])]
        failed = sum(recorder.failures.get(kind, 0) for kind in kinds)
        if not values:
            continue
        rows[name] = {
            "rps": len(values) / elapsed,
            "p50": statistics.median(values),
            "p95": percentile(values, 0.95),
            "p99": percentile(values, 0.99),
            "requests": len(values),
            "failed": failed,
        }
    return rows


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60, help="length of the mix phase")
    parser.add_argument("--floor-seconds", type=float, default=20, help="length of the /healthz phase")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time between requests, seconds")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument("--no-prepare", action="store_true", help="use the database as it is")
    parser.add_argument("--save-baseline", action="store_true")
    arguments = parser.parse_args()

    url = os.environ.get("BENCH_LOAD_DATABASE_URL", DEFAULT_URL)
    if not arguments.no_prepare:
        prepare_database(url)
    found = discover(url)
    weighted = mix(found)
    weights = [weight for weight, _make in weighted]
    makers = [make for _weight, make in weighted]
    kinds = sorted({make().kind for make in makers})

    def choose_mix(rng: random.Random) -> Target:
        return rng.choices(makers, weights)[0]()

    def choose_floor(rng: random.Random) -> Target:
        return Target("healthz", False, "GET", "/healthz")

    folder = Path(tempfile.mkdtemp(prefix="skala-load-"))
    port = free_port()
    print(
        f"Serving on :{port} with {arguments.workers} gunicorn workers; load average {load_average()}",
        flush=True,
    )
    server = start_server(url, port, arguments.workers, folder)
    try:
        # Warm up: every worker builds its matching index and fills its caches before anything is measured.
        run_phase(port, choose_mix, 4, 8, 0.05)
        load_before = load_average()

        def processes() -> list[int]:
            return server_pids(server) + backend_pids(url)

        floor, floor_elapsed, floor_cpu = measured(
            lambda: run_phase(port, choose_floor, arguments.users, arguments.floor_seconds, arguments.think),
            processes,
        )
        loaded, elapsed, loaded_cpu = measured(
            lambda: run_phase(port, choose_mix, arguments.users, arguments.seconds, arguments.think),
            processes,
        )
        load_after = load_average()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)

    groups = {"healthz (floor)": ["healthz"]}
    floor_rows = summarise(floor, floor_elapsed, groups)
    groups = {
        "page views": [kind for kind in kinds if kind.startswith("page")],
        "api": [kind for kind in kinds if kind.startswith("api")],
        "all": kinds,
        **{kind: [kind] for kind in kinds},
    }
    rows = {**floor_rows, **summarise(loaded, elapsed, groups)}
    floor_p95 = floor_rows["healthz (floor)"]["p95"]

    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {"figures": {}}
    print(
        f"{arguments.users} users, think {arguments.think:.1f} s, {arguments.workers} workers, PostgreSQL; "
        f"load average before {load_before}, after {load_after}"
    )
    print(
        f"  {'kind':<22} {'rps':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'failed':>6}"
        f" {'p95/floor':>9} {'base p95':>9} {'p95/base':>8}"
    )
    figures = {}
    for name, row in rows.items():
        before = baseline["figures"].get(name)
        was = f"{before['p95']:.1f}" if before else "–"
        ratio = f"{row['p95'] / before['p95']:.2f}" if before and before["p95"] else "–"
        print(
            f"  {name:<22} {row['rps']:>7.1f} {row['p50']:>8.1f} {row['p95']:>8.1f} {row['p99']:>8.1f}"
            f" {row['failed']:>6} {row['p95'] / floor_p95:>9.1f} {was:>9} {ratio:>8}"
        )
        figures[name] = {key: round(value, 3) for key, value in row.items()}
    # CPU per request of the server and its PostgreSQL backends: what Skala itself costs, whatever
    # else the machine is running (latencies on a shared machine also hold the waits for a core).
    cpu = {
        "healthz (floor)": floor_cpu / max(1, rows["healthz (floor)"]["requests"]) * 1000,
        "all": loaded_cpu / max(1, rows["all"]["requests"]) * 1000,
    }
    for name, milliseconds in cpu.items():
        figures[name]["cpu_ms"] = round(milliseconds, 3)
        busy = (floor_cpu / floor_elapsed if name.startswith("healthz") else loaded_cpu / elapsed) * 100
        print(
            f"  {name}: {milliseconds:.1f} ms of CPU a request (server and database), {busy:.0f} % of a core"
        )
    pages = rows.get("page views")
    if pages:
        verdict = "meets" if pages["p95"] < 200 else "misses"
        print(f"Page views p95 {pages['p95']:.0f} ms {verdict} the 200 ms target.")
    if arguments.save_baseline:
        BASELINE.write_text(
            json.dumps(
                {
                    "machine": f"{platform.machine()} {platform.python_version()} {os.cpu_count()} cores",
                    "settings": {
                        "users": arguments.users,
                        "think": arguments.think,
                        "workers": arguments.workers,
                        "load_average": [load_before, load_after],
                    },
                    "figures": figures,
                },
                indent=2,
                sort_keys=True,
            )
            + "\n"
        )
        print(f"Saved as the baseline: {BASELINE}")


if __name__ == "__main__":
    main()
