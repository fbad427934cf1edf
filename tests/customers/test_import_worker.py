"""A worker killed in the middle of an import (issue #14): the job's heartbeat stops with
the worker, and the import sweep fails the job within minutes, with nothing written; a
job whose worker is alive keeps running. A real Celery worker process, killed with
SIGKILL."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from customers.imports.importing import (
    IMPORT_STALLED_AFTER,
    import_preview,
    import_start,
    import_sweep,
)
from customers.models import Customer, ImportJob

pytestmark = [pytest.mark.worker]

ROWS = 20_000


def big_file() -> SimpleUploadedFile:
    lines = ["external_id,name,phone"] + [
        f"HB-{n},Heartbeat {n},138{n:08d}" for n in range(ROWS)
    ]
    return SimpleUploadedFile(
        "big.csv", "\n".join(lines).encode(), content_type="text/csv"
    )


def wait_for(predicate, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"not within {timeout} s: {what}")


def test_an_import_whose_worker_was_killed_fails_within_minutes(
    celery_worker_process, manager_user
):
    job = import_preview(actor=manager_user, kind="customers", uploaded_file=big_file())
    assert job.valid_rows == ROWS
    import_start(job=job, actor=manager_user)
    # the worker takes it: running, with a first heartbeat
    wait_for(
        lambda: ImportJob.objects.filter(
            pk=job.pk, status="running", heartbeat_at__isnull=False
        ).exists(),
        what="the worker starts the import",
    )
    celery_worker_process.kill()
    celery_worker_process.wait(timeout=10)
    job.refresh_from_db()
    assert job.status == "running"  # nobody else will finish it
    beat = job.heartbeat_at

    # a sweep right away leaves it (the heartbeat is fresh) …
    assert import_sweep(now=beat + timedelta(seconds=30)) == 0
    # … the first sweep after the heartbeat timeout fails it, with nothing written
    assert import_sweep(now=beat + IMPORT_STALLED_AFTER + timedelta(seconds=1)) == 1
    job.refresh_from_db()
    assert job.status == "failed"
    assert "nothing was written" in job.message
    assert not Customer.objects.filter(external_id__startswith="HB-").exists()
    assert timedelta(minutes=5) >= IMPORT_STALLED_AFTER


def test_a_running_import_keeps_its_heartbeat_and_finishes(
    celery_worker_process, manager_user
):
    job = import_preview(actor=manager_user, kind="customers", uploaded_file=big_file())
    import_start(job=job, actor=manager_user)
    wait_for(
        lambda: ImportJob.objects.filter(
            pk=job.pk, heartbeat_at__isnull=False
        ).exists(),
        what="a first heartbeat",
    )
    # the sweep of a moment later does not touch a job whose worker is alive
    assert import_sweep(now=timezone.now()) == 0
    wait_for(
        lambda: ImportJob.objects.get(pk=job.pk).status == "done",
        timeout=180,
        what="the import finishes",
    )
    assert Customer.objects.filter(external_id__startswith="HB-").count() == ROWS
