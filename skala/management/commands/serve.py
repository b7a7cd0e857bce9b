import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Skala on http://127.0.0.1:8000 (PORT overrides) together with a task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--no-worker", action="store_true", help="Do not start a task worker.")

    def handle(self, *args, host: str, port: int, workers: int, no_worker: bool, **options):
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "skala.cli", "worker"])
            self.stdout.write(f"Task worker started (process {worker.pid}).")
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "skala.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--forwarded-allow-ips",
            os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        if settings.DEBUG:
            web.append("--reload")
        self.stdout.write(f"Serving Skala on http://{host}:{port}/ (Ctrl-C stops).")
        server = subprocess.Popen(web)
        # A service manager stops `skala serve` with SIGTERM: pass it on, or gunicorn and its workers
        # would live on without their parent and keep the port.
        signal.signal(signal.SIGTERM, lambda _signum, _frame: server.send_signal(signal.SIGTERM))
        try:
            server.wait()
        except KeyboardInterrupt:
            server.send_signal(signal.SIGTERM)
            server.wait()
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)
