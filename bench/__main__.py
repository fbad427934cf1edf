"""`make bench` / `python -m bench [build|run|all] [--scale N] [--rebuild] …`

build  the data set of SCALE cases in the benchmark database (kept for reuse: built again
       only when SCALE changes or with --rebuild);
run    measure it: gunicorn (2 sync workers, DEBUG off) on a loopback port, every work
       unit under a bounded load (wrk, else a Python load generator), then the in-process
       timings; print the table and write bench/results.json;
all    both (the default).

The benchmark database is BENCH_DATABASE_URL, else the PostgreSQL server of DATABASE_URL
with a database of its own (`<name>_bench`), else var/bench/bench.sqlite3.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
MARKER_TABLE = "bench_dataset"


def bench_database_url() -> str:
    """The benchmark database (never the development database itself)."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        name = parts.path.lstrip("/") or "aftersales"
        if not name.endswith("_bench"):
            name += "_bench"
        return urlunsplit(parts._replace(path="/" + name))
    return ""  # bench/settings.py: var/bench/bench.sqlite3


# Django is set up before the modules that need it are imported: the settings read the
# benchmark database's URL.
if bench_database_url():
    os.environ["BENCH_DATABASE_URL"] = bench_database_url()
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
warnings.filterwarnings("ignore", "No directory at", UserWarning)  # no collectstatic

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench import dataset, inprocess, load, units  # noqa: E402


def _say(message: str) -> None:
    print(message, flush=True)


def _marker():
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT scale, built_at, seconds, rows FROM {MARKER_TABLE}")  # noqa: S608
            row = cursor.fetchone()
    except Exception:  # noqa: BLE001  # no table yet: no data set
        return None
    if row is None:
        return None
    return {
        "scale": row[0],
        "built_at": row[1],
        "seconds": row[2],
        "rows": json.loads(row[3]),
    }


def _drop_database() -> None:
    """Start from an empty benchmark database."""
    db = settings.DATABASES["default"]
    connection.close()
    if connection.vendor == "postgresql":
        admin = psycopg2.connect(
            dbname="postgres", user=db["USER"], password=db["PASSWORD"] or None,
            host=db["HOST"] or None, port=db["PORT"] or None,
        )  # fmt: skip
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
        admin.close()
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db["NAME"]) + suffix).unlink(missing_ok=True)


def _ensure_postgres_database() -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        return
    admin = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"] or None,
        host=db["HOST"] or None, port=db["PORT"] or None,
    )  # fmt: skip
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    admin.close()


def build(scale: int, rebuild: bool) -> dict:
    _ensure_postgres_database()
    marker = _marker()
    if marker and marker["scale"] == scale and not rebuild:
        # Reused data sets follow the code: migrations added since the build (indexes) are
        # applied to them.
        call_command("migrate", verbosity=0, interactive=False)
        # and the roll-up catches up, as the nightly job would have since.
        rolled = inprocess.kpi_rollup()
        if rolled:
            _say(f"KPI roll-up: {rolled['days']} day(s) in {rolled['seconds']} s")
        _say(f"data set of {scale:,} cases reused (built {marker['built_at']}, "
             f"{marker['seconds']:.0f} s); --rebuild to build it again")  # fmt: skip
        return marker
    _drop_database()
    started = time.monotonic()
    _say(
        f"building the data set of {scale:,} cases in {connection.settings_dict['NAME']}"
    )
    call_command("migrate", verbosity=0, interactive=False)
    call_command("demo_data", verbosity=0)
    demo_seconds = time.monotonic() - started
    _say(f"migrated, demo data loaded in {demo_seconds:.1f} s")
    result = dataset.build(
        scale=scale, progress=_say, fast=connection.vendor == "postgresql"
    )
    settled = inprocess.settle()
    rolled = inprocess.kpi_rollup()
    if rolled:
        _say(f"KPI roll-up: {rolled['days']} day(s) in {rolled['seconds']} s")
    seconds = time.monotonic() - started
    marker = {
        "scale": scale,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "rows": {**result.rows, "load_seconds": round(result.seconds, 1),
                 "demo_seconds": round(demo_seconds, 1), "settled_sla_steps": settled,
                 "kpi_rollup": rolled},
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {MARKER_TABLE} (scale integer, built_at varchar(40), "
            "seconds double precision, rows text)"
        )
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s, %s, %s)",  # noqa: S608
            [scale, marker["built_at"], marker["seconds"], json.dumps(marker["rows"])],
        )
    rate = result.rows["tickets.Ticket"] / result.seconds if result.seconds else 0
    _say(f"built in {seconds:.1f} s (bulk load {result.seconds:.1f} s, "
         f"{rate:,.0f} cases/s with their rows): {result.rows}")  # fmt: skip
    return marker


def _ensure_wrk() -> str:
    """wrk when installed (installed with apt-get when missing and running as root),
    else the Python load generator."""
    if shutil.which("wrk"):
        return "wrk"
    if (
        os.geteuid() == 0
        and shutil.which("apt-get")
        and not os.environ.get("BENCH_NO_APT")
    ):
        _say("wrk is missing: apt-get install -y wrk")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False,  # noqa: S607
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    return "wrk" if shutil.which("wrk") else "python"


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def run(args, marker: dict) -> dict:
    tool = "python" if args.python_load else _ensure_wrk()
    probes = units.probes()
    work = units.work_units(probes)
    if args.only:
        work = [w for w in work if w.group == "baseline" or args.only in w.name]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", ""),
        "PYTHONPATH": str(ROOT),
    }
    log = Path(settings.BENCH_DIR) / "gunicorn.log"
    server = load.Server(env, log)
    connection.close()  # the server's workers use the database meanwhile
    _say(
        f"gunicorn on 127.0.0.1:{server.port}, load: {tool}, {args.seconds:g} s per unit"
    )
    load_average = {"start": os.getloadavg()}
    server.start()
    results: list[dict] = []
    bare_end = None
    memory = {"before_mb": server.worker_rss_mb()}
    try:
        auth: dict[tuple[str, str], dict[str, str]] = {}
        for unit in work:
            if unit.user and (unit.user, unit.auth) not in auth:
                login = (
                    load.session_login if unit.auth == "session" else load.token_login
                )
                auth[(unit.user, unit.auth)] = login(server.port, unit.user, "demo")
        bare_rps = None
        _say(f"{'work unit':<38} {'median':>8} {'p95':>8} {'p99':>8} {'req/s':>8} "
             f"{'queries':>7} {'of bare':>8}  status")  # fmt: skip
        for unit in work:
            headers = dict(auth.get((unit.user, unit.auth), {}))
            if unit.body is not None:
                headers["Content-Type"] = "application/json"
            entry = {"unit": unit.name, "group": unit.group, "method": unit.method,
                     "path": unit.path, "user": unit.user}  # fmt: skip
            body = unit.body.encode() if unit.body is not None else None
            status, head, content = 0, {}, b""
            for _ in range(2):  # the second answer's query count (caches warm)
                status, head, content = load.request(
                    server.port, unit.method, unit.path, headers=headers, body=body
                )
            entry["status_code"] = status
            entry["bytes"] = len(content)
            entry["queries"] = (
                int(head["x-bench-queries"]) if "x-bench-queries" in head else None
            )
            if unit.optional and status == 404:
                entry["result"] = "skipped (not built)"
            elif status != unit.expect:
                entry["result"] = f"failed: {status} {content[:120]!r}"
            else:
                outcome = load.run_load(
                    server.port, unit.path, tool=tool, method=unit.method,
                    headers=headers, body=unit.body, seconds=args.seconds,
                    connections=args.connections,
                )  # fmt: skip
                entry.update(
                    requests=outcome.requests, seconds=round(outcome.seconds, 2),
                    median_ms=outcome.median_ms, p95_ms=outcome.p95_ms,
                    p99_ms=outcome.p99_ms, rps=round(outcome.rps, 1),
                    failures=outcome.failures, tool=outcome.tool,
                )  # fmt: skip
                if unit.group == "baseline":
                    bare_rps = outcome.rps
                entry["ratio_to_bare"] = (
                    round(outcome.rps / bare_rps, 4) if bare_rps else None
                )
                entry["result"] = (
                    "ok" if outcome.failures == 0
                    else f"failed: {outcome.failures} of {outcome.requests} not {unit.expect}"
                )  # fmt: skip
            results.append(entry)
            ratio = entry.get("ratio_to_bare")
            _say(
                f"{unit.name:<38} {_fmt(entry.get('median_ms')):>8} "
                f"{_fmt(entry.get('p95_ms')):>8} {_fmt(entry.get('p99_ms')):>8} "
                f"{_fmt(entry.get('rps')):>8} {_fmt(entry.get('queries')):>7} "
                f"{(f'{ratio * 100:.2f} %' if ratio is not None else '-'):>8}  "
                f"{entry['result']}"
            )
        # The baseline again, after the units: how much the machine's load moved meanwhile.
        bare_end = load.run_load(
            server.port, "/bench/bare/", tool=tool, seconds=args.seconds,
            connections=args.connections,
        )  # fmt: skip
        _say(f"{'bare view again (at the end)':<38} {bare_end.median_ms:>8.1f} "
             f"{bare_end.p95_ms:>8.1f} {bare_end.p99_ms:>8.1f} {bare_end.rps:>8.1f}")  # fmt: skip
        memory["after_mb"] = server.worker_rss_mb()
    finally:
        server.stop()
    before = list(memory["before_mb"].values())
    after = list(memory.get("after_mb", {}).values())
    _say(f"memory of the web workers (RSS MiB): before {before}, after {after}")
    timings = {}
    if not args.skip_inprocess:
        steps = [
            ("sla_sweep_idle", lambda: inprocess.sla_sweep_idle()),
            ("sla_sweep_1000_due", lambda: inprocess.sla_sweep_due(1000)),
            (
                "followup_scheduling_10000",
                lambda: inprocess.followup_scheduling(10_000),
            ),
            (
                "followup_scheduling_10000_batch",
                lambda: inprocess.followup_scheduling(10_000, batch=True),
            ),
            ("customer_import_100000", lambda: inprocess.customer_import(100_000)),
        ]
        for name, step in steps:
            started = time.monotonic()
            try:
                timings[name] = step()
            except Exception as exc:  # noqa: BLE001  # a failing unit is reported, not fatal
                timings[name] = {"failed": f"{type(exc).__name__}: {exc}"}
            _say(f"{name:<28} {json.dumps(timings[name], default=str)} "
                 f"({time.monotonic() - started:.1f} s)")  # fmt: skip
    report = {
        "scale": marker["scale"],
        "database": connection.vendor,
        "dataset": marker,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "server": {"gunicorn_workers": load.WORKERS, "worker_class": "sync",
                   "load_tool": tool, "seconds_per_unit": args.seconds,
                   "connections": args.connections},
        "units": results,
        "bare_view_at_end": bare_end.__dict__ | {"rps": round(bare_end.rps, 1)}
        if bare_end
        else None,
        "load_average": load_average | {"end": os.getloadavg()},
        "memory": {"before_mb": list(memory["before_mb"].values()),
                   "after_mb": list(memory.get("after_mb", {}).values())},
        "in_process": timings,
    }  # fmt: skip
    output = Path(args.output)
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    _say(f"written to {output}")
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "command", nargs="?", default="all", choices=["all", "build", "run"]
    )
    parser.add_argument(
        "--scale", type=int, default=int(os.environ.get("SCALE") or 2000)
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS") or 5)
    )
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--only", default="", help="only the units whose name contains this"
    )
    parser.add_argument("--python-load", action="store_true", help="never use wrk")
    parser.add_argument("--skip-inprocess", action="store_true")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    if args.command == "run":
        marker = _marker()
        if marker is None:
            _say("no data set yet: python -m bench build --scale N")
            return 1
    else:
        marker = build(args.scale, args.rebuild)
    if args.command in {"all", "run"}:
        run(args, marker)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
