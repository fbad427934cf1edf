"""Work that is not a request, timed in the benchmark process against the same database:
the SLA sweep (nothing due, 1,000 due), follow-up scheduling for many resolutions and the
customer CSV import. Each runs inside a transaction that is rolled back, so the data set
stays as built and can be reused. Two run for real, as their jobs would have: one SLA
sweep and the KPI roll-up (after a build)."""

from __future__ import annotations

import csv
import io
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from aftersales.models import User
from customers.imports import importing
from feedback.followups.services import scheduling
from tickets.models import Ticket, TicketEvent
from tickets.workflow import OPEN_STATES, PAUSED_STATES, TicketStatus

# The SLA sweep's home: its own module once it has one, else the cases' services.
case_sweep = import_module(
    "tickets.cases.sweep"
    if find_spec("tickets.cases.sweep")
    else "tickets.cases.services"
)


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """Run the block in a transaction and undo it (the data set stays as built)."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


class QueryCount:
    """Counts the queries run on the default connection inside `with` (no log, no
    limit: CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def _wrapper(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> QueryCount:
        self._context = connection.execute_wrapper(self._wrapper)
        self._context.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._context.__exit__(*exc)

    def __len__(self) -> int:
        return self.count


def timed(func: Callable[[], Any]) -> dict[str, Any]:
    """Seconds and queries of one call of `func` (rolled back), and what it returned."""
    with rolled_back(), QueryCount() as queries:
        started = time.perf_counter()
        result = func()
        seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 4), "queries": len(queries), "result": result}


def settle() -> int:
    """Run the SLA sweep once for real (committed), as the every-minute job would have:
    the demo's past leaves steps due, the generated cases none."""
    with transaction.atomic():
        return case_sweep.sla_sweep(now=timezone.now())


def kpi_rollup() -> dict[str, Any]:
    """Run the nightly KPI roll-up for real (committed), as the job would have: every day
    of the data set not held yet (all of them after a build), then the trailing week;
    nothing where the code has no roll-up."""
    if not find_spec("dashboards.services"):
        return {}
    services = import_module("dashboards.services")
    if not hasattr(services, "kpi_rollup_catch_up"):
        return {}
    started = time.perf_counter()
    days = services.kpi_rollup_catch_up(now=timezone.now())
    return {"days": days, "seconds": round(time.perf_counter() - started, 1)}


def sla_sweep_idle(rounds: int = 5) -> dict[str, Any]:
    """The sweep with nothing due among the open cases: median of `rounds` runs, after one
    real sweep of what became due since the build (clocks of the newest cases reach their
    warning points as time passes; the cases the create unit made)."""
    settled = settle()
    runs = [
        timed(lambda: case_sweep.sla_sweep(now=timezone.now())) for _ in range(rounds)
    ]
    seconds = sorted(r["seconds"] for r in runs)
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "max_ms": round(seconds[-1] * 1000, 2),
        "queries": runs[-1]["queries"],
        "items": runs[-1]["result"],
        "open_cases": Ticket.objects.filter(status__in=OPEN_STATES).count(),
        "settled_first": settled,
    }


def sla_sweep_due(count: int = 1000) -> dict[str, Any]:
    """The sweep when `count` running cases reach their resolve deadline in the same
    minute (their warning and breach steps are due): one run, rolled back."""
    now = timezone.now()
    escalated = TicketEvent.objects.filter(key__startswith="sla:").values("ticket_id")
    ids = list(
        Ticket.objects.filter(
            status__in=OPEN_STATES - PAUSED_STATES,
            has_sla=True,
            resolved_at__isnull=True,
            resolve_due_at__gt=now,
        )
        .exclude(pk__in=escalated)
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )

    def run() -> int:
        Ticket.objects.filter(pk__in=ids).update(
            resolve_warn_at=now - timedelta(hours=1),
            resolve_due_at=now - timedelta(minutes=1),
        )
        with QueryCount() as queries:
            started = time.perf_counter()
            items = case_sweep.sla_sweep(now=now)
            seconds = time.perf_counter() - started
        return {"seconds": seconds, "queries": len(queries), "items": items}

    with rolled_back():
        result = run()
    return {
        "due_cases": len(ids),
        "seconds": round(result["seconds"], 3),
        "queries": result["queries"],
        "queries_per_case": round(result["queries"] / len(ids), 3) if ids else None,
        "steps_recorded": result["items"],
    }


def followup_scheduling(count: int = 10_000, *, batch: bool = False) -> dict[str, Any]:
    """The follow-up task of `count` resolutions, one scheduling call per case as the
    worker runs them (closed cases resolved again after a rework: a second round each),
    or, with `batch`, in one call as the follow-up sweep re-drives them; rolled back."""
    now = timezone.now()
    ids = list(
        Ticket.objects.filter(status=TicketStatus.CLOSED)
        .order_by("-pk")
        .values_list("pk", flat=True)[:count]
    )
    outcome: dict[str, Any] = {}
    with rolled_back():
        Ticket.objects.filter(pk__in=ids).update(
            status=TicketStatus.AWAITING_FOLLOW_UP,
            reopen_count=F("reopen_count") + 1,
            resolved_at=now,
        )
        with QueryCount() as queries:
            started = time.perf_counter()
            if batch:
                made = scheduling.followup_schedule_for_tickets(ticket_ids=ids, now=now)
            else:
                made = sum(
                    scheduling.followup_schedule_for_ticket(ticket_id=pk, now=now)
                    for pk in ids
                )
            seconds = time.perf_counter() - started
        outcome = {
            "resolutions": len(ids),
            "created": made,
            "seconds": round(seconds, 3),
            "per_case_ms": round(seconds * 1000 / len(ids), 2) if ids else None,
            "queries_per_case": round(len(queries) / len(ids), 1) if ids else None,
        }
    return outcome


def customer_csv(rows: int, start: int) -> bytes:
    """A customer import file of `rows` new customers (external ids from `start`)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["external_id", "name", "phone", "email", "city", "segment"])
    for n in range(start, start + rows):
        writer.writerow(
            [f"bench-import-{n}", f"Import Customer {n}", f"+86 159 {n % 10**8:08d}",
             f"import{n}@example.org", "Shanghai", "regular"]
        )  # fmt: skip
    return out.getvalue().encode()


def customer_import(total: int = 100_000, actor: str = "manager") -> dict[str, Any]:
    """Import `total` customer rows through the import service, in files of at most
    MAX_ROWS rows (as a user must split them): the preview (validation) and the run (the
    background task's work) of each, rolled back."""
    user = User.objects.get(username=actor)
    preview = run = 0.0
    created = 0
    files = 0
    with rolled_back():
        start = 0
        while start < total:
            size = min(importing.MAX_ROWS, total - start)
            data = customer_csv(size, start)
            began = time.perf_counter()
            job = importing.import_preview(
                actor=user,
                kind="customers",
                uploaded_file=ContentFile(data, name=f"bench-{start}.csv"),
            )
            preview += time.perf_counter() - began
            if job.valid_rows != size:
                return {
                    "failed": f"{size - job.valid_rows} rows invalid: {job.errors[:3]}"
                }
            importing.import_start(job=job, actor=user)
            began = time.perf_counter()
            job = importing.import_run(job_id=job.pk)
            run += time.perf_counter() - began
            if job.status != "done":
                return {"failed": job.message}
            created += job.created_rows
            files += 1
            start += size
    return {
        "rows": total,
        "files": files,
        "created": created,
        "preview_seconds": round(preview, 2),
        "run_seconds": round(run, 2),
        "rows_per_second": round(total / (preview + run), 1) if preview + run else None,
    }
