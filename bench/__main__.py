"""Run the benchmarks: `make bench` (or `python -m bench [name ...]`).

Creates a throwaway test database (SQLite file, or `test_<name>` on PostgreSQL when
DATABASE_URL is set), loads the demo data plus bulk rows, then times requests through
Django's test client and prints median / p95 latency, queries per request and peak memory.
"""

import os
import statistics
import sys
import time
import tracemalloc
import warnings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings_test")
warnings.filterwarnings(
    "ignore", "No directory at", UserWarning
)  # whitenoise, no collectstatic

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)

from bench import scenarios  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))


def measure(client, url: str, rounds: int = ROUNDS) -> dict:
    """Median and p95 milliseconds, and queries, of GET `url` over `rounds` requests."""
    client.get(url)  # warm-up
    timings = []
    with CaptureQueriesContext(connection) as queries:
        for _ in range(rounds):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
    timings.sort()
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": timings[int(len(timings) * 0.95) - 1],
        "queries": len(queries) // rounds,
    }


def main(selected: list[str]) -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("demo_data", verbosity=0)
        tracemalloc.start()
        print(
            f"{'benchmark':<40} {'rows':>7} {'median ms':>10} {'p95 ms':>8} {'queries':>8}"
        )
        for name, func in scenarios.ALL.items():
            if selected and name not in selected:
                continue
            for label, rows, result in func(measure):
                print(
                    f"{label:<40} {rows:>7} {result['median_ms']:>10.1f} "
                    f"{result['p95_ms']:>8.1f} {result['queries']:>8}"
                )
                reset_queries()
        _current, peak = tracemalloc.get_traced_memory()
        print(f"peak traced memory: {peak / 1024 / 1024:.1f} MiB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main(sys.argv[1:])
