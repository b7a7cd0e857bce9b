"""Background work runs through Django's task API on a real worker: the database, or RQ on Redis."""

import os
import uuid

import pytest
import redis
from django.core import mail
from django.core.management import call_command
from django_tasks import TaskResultStatus, task_backends

from skala.orgs.tasks import send_email

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")

pytestmark = pytest.mark.django_db


def test_the_database_backend_is_the_default():
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"


def test_a_task_runs_on_the_database_worker(run_db_worker):
    result = send_email.enqueue(subject="Hei", body="Fra køen", to=["kari@test.example"])
    assert result.status == TaskResultStatus.READY
    run_db_worker()
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 1
    assert mail.outbox[0].subject == "Hei"


@pytest.fixture
def redis_queue(settings):
    """A queue of its own on the real Redis server, emptied afterwards."""
    connection = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_TEST_URL}")
    queue = f"skala-test-{uuid.uuid4().hex[:8]}"
    # Results are fetched through the "default" connection, so it points at the test database too.
    connection_config = {"URL": REDIS_TEST_URL, "DEFAULT_TIMEOUT": 60}
    settings.RQ_QUEUES = {"default": connection_config, queue: connection_config}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue]}}
    yield queue
    for key in connection.scan_iter(f"rq:*{queue}*"):
        connection.delete(key)
    connection.close()


@pytest.mark.redis
def test_a_task_runs_through_a_real_rq_worker_on_redis(redis_queue):
    result = send_email.using(queue_name=redis_queue).enqueue(
        subject="Hej", body="Från kön", to=["a@test.example"]
    )
    assert result.status == TaskResultStatus.READY
    # The worker is RQ's own, in burst mode; SimpleWorker runs the job in this process so it sees
    # the test database and mail outbox, where a forking worker would not.
    call_command(
        "rqworker",
        redis_queue,
        burst=True,
        worker_class="rq.SimpleWorker",
        job_class="django_tasks_rq.Job",
        verbosity=0,
    )
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 1
    assert mail.outbox[0].to == ["a@test.example"]
