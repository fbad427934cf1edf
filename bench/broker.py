"""How fast background work moves through the embedded broker: `python -m bench.broker [N]`.

Starts one Celery worker of the project exactly as `make run` does (aftersales.settings with
no Redis, so the filesystem broker with its settings, the same concurrency as `runall`), on a
temporary folder, then publishes no-op tasks (`aftersales.tasks.ping_task`, which returns
the moment it ran) by name and prints a dict:

- `tasks_per_second`: a burst of N tasks, from the first publish to the last one run;
- `latency_ms`: median publish-to-run time of single tasks sent to an idle worker (what a
  user waits for a follow-up task or a one-time code), `latency_p95_ms` its 95th percentile.

The publisher is a bare Celery app on the same folders (no Django in this process), so the
figure is the worker's: its polling of the folder and how many messages it may take at once.
`measure()` returns the dict; nothing is left behind (the folder is removed, the worker
stopped).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from celery import Celery

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = 2  # runall's default (make run)
PING_TASK = "aftersales.tasks.ping_task"
BROKER_TRANSPORT = "aftersales.celery:FilesystemTransport"  # settings, filesystem://
DEFAULT_TASKS = 500
LATENCY_SAMPLES = 30
START_TIMEOUT = 60.0
RUN_TIMEOUT = 300.0
# Variables that would point the worker away from the embedded default.
FOREIGN_ENV = (
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_TASK_ALWAYS_EAGER",
    "DATABASE_URL",
    "AFTERSALES_TEST_WORKER_DB",
)


def _worker_env(var_dir: Path, results: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env.update(
        DJANGO_SETTINGS_MODULE="aftersales.settings",
        DJANGO_DEBUG="1",
        AFTERSALES_VAR_DIR=str(var_dir),
        CELERY_RESULT_BACKEND=f"file://{results}",
    )
    return env


def _publisher(var_dir: Path, results: Path) -> Celery:
    """A bare Celery app on the folders aftersales.settings uses under `var_dir`, with the
    project's transport (the same atomic publish as the web server's)."""
    folder = var_dir / "celery"
    app = Celery("bench-broker", broker="filesystem://", backend=f"file://{results}")
    app.conf.update(
        broker_transport=BROKER_TRANSPORT,
        broker_transport_options={
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
    )
    return app


def _start_worker(var_dir: Path, results: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "celery", "-A", "aftersales", "worker", "-l", "warning",
        f"--concurrency={CONCURRENCY}", "-n", f"bench-broker-{os.getpid()}@%h",
    ]  # fmt: skip
    return subprocess.Popen(  # noqa: S603
        command,
        cwd=ROOT,
        env=_worker_env(var_dir, results),
        stdout=subprocess.DEVNULL,
        stderr=(var_dir / "worker.log").open("wb"),
        start_new_session=True,  # its own group: the stop reaches the pool too
    )


def _stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    with contextlib.suppress(ProcessLookupError):  # pool leftovers, if any
        os.killpg(worker.pid, signal.SIGKILL)


def _ran_at(result, timeout: float) -> float:
    return float(result.get(timeout=timeout, interval=0.01))


def measure(tasks: int = DEFAULT_TASKS, samples: int = LATENCY_SAMPLES) -> dict:
    """Start a worker on a temporary embedded broker, time `samples` single tasks and a
    burst of `tasks`; return {"tasks_per_second", "latency_ms", "latency_p95_ms", ...}."""
    var_dir = Path(tempfile.mkdtemp(prefix="aftersales-bench-broker-"))
    results = var_dir / "results"
    results.mkdir()
    (var_dir / "celery").mkdir()
    worker = _start_worker(var_dir, results)
    try:
        app = _publisher(var_dir, results)
        # The first ping waits for the worker to come up (the settings create the folders).
        deadline = time.monotonic() + START_TIMEOUT
        while not (var_dir / "celery" / "queue").is_dir():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(_worker_failed(var_dir, worker))
            time.sleep(0.05)
        try:
            _ran_at(app.send_task(PING_TASK), START_TIMEOUT)
        except Exception as exc:
            raise RuntimeError(_worker_failed(var_dir, worker)) from exc

        latencies = []
        rng = random.Random(11)  # noqa: S311  # spacing only, not security
        for _ in range(samples):
            time.sleep(rng.uniform(0.05, 0.25))  # idle worker, any phase of its polling
            sent = time.time()
            latencies.append(_ran_at(app.send_task(PING_TASK), RUN_TIMEOUT) - sent)

        started = time.time()
        burst = [app.send_task(PING_TASK) for _ in range(tasks)]
        last = max(_ran_at(result, RUN_TIMEOUT) for result in burst)
        elapsed = max(last - started, 1e-6)
    finally:
        _stop_worker(worker)
        shutil.rmtree(var_dir, ignore_errors=True)
    latencies.sort()
    return {
        "tasks_per_second": round(tasks / elapsed, 1),
        "latency_ms": round(statistics.median(latencies) * 1000, 1),
        "latency_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1),
        "tasks": tasks,
        "concurrency": CONCURRENCY,
    }


def _worker_failed(var_dir: Path, worker: subprocess.Popen) -> str:
    log = var_dir / "worker.log"
    text = log.read_text(errors="replace")[-4000:] if log.exists() else ""
    return (
        f"The benchmark's Celery worker did not answer (exit {worker.poll()}):\n{text}"
    )


def main(argv: list[str]) -> None:
    tasks = int(argv[0]) if argv else DEFAULT_TASKS
    print(json.dumps(measure(tasks=tasks)))


if __name__ == "__main__":
    main(sys.argv[1:])
