import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_cannot_be_reached():
    # A real server process pointed at a PostgreSQL port where nothing listens.
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(json.dumps([r.status_code, r.json()]))"
    )
    environment = dict(os.environ, DATABASE_URL="postgres://nobody@127.0.0.1:9/nothing")
    environment["DJANGO_SETTINGS_MODULE"] = "skala.settings"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    assert status == 503
    assert body == {"status": "error", "database": "unreachable"}
