"""Benchmark scenarios. Each yields (label, rows, measure(...) result); later apps add theirs."""

from django.test import Client

from aftersales.models import User
from tests.aftersales.factories import UserFactory


def people(measure):
    """Staff directory API and home page with a growing number of staff."""
    client = Client()
    client.force_login(User.objects.get(username="manager"))
    for total in (10, 1000):
        missing = total - User.objects.count()
        if missing > 0:
            UserFactory.create_batch(missing, roles=["agent"])
        yield (
            "GET /api/v1/users/ (page of 50)",
            total,
            measure(client, "/api/v1/users/"),
        )
        yield "GET / (home, manager)", total, measure(client, "/")
    yield "GET /healthz", 1, measure(client, "/healthz")


def standards(measure):
    """Standard tree page and API with a growing number of standards; calendar endpoints."""
    from datetime import date

    from standards import services as standard_services

    client = Client()
    manager = User.objects.get(username="manager")
    client.force_login(manager)
    owner_unit = manager.units.first()
    for total in (5, 200):
        from standards.models import StandardDocument

        for n in range(StandardDocument.objects.count(), total):
            document = standard_services.standard_document_create(
                actor=manager, code=f"Q/BENCH {n:04d}", title=f"Bench standard {n}",
                kind="work", owner_unit=owner_unit, owner=manager,
            )  # fmt: skip
            standard_services.standard_version_draft(
                document=document,
                actor=manager,
                effective_from=date(2026, 1, 1),
                parameters={},
            )
        yield "GET /standards/ (tree)", total, measure(client, "/standards/")
        yield "GET /api/v1/standards/", total, measure(client, "/api/v1/standards/")
    yield (
        "GET /api/v1/calendar/add-working-days/ (250 d)",
        1,
        measure(client, "/api/v1/calendar/add-working-days/?start=2026-01-05&days=250"),
    )
    yield (
        "GET /api/v1/service-standards/effective/",
        1,
        measure(
            client, "/api/v1/service-standards/effective/?category=tv&channel=hotline"
        ),
    )


def archive(measure):
    """Customer search (name, phone in any format, serial) and the archive page with a
    growing archive; rows are bulk-inserted (the benchmark measures reads)."""
    from customers.models import Customer, CustomerPhone

    client = Client()
    client.force_login(User.objects.get(username="agent"))
    for total in (1_000, 20_000):
        start = Customer.objects.count()
        if total > start:
            created = Customer.objects.bulk_create(
                Customer(
                    name=f"Bench Customer {n:06d}",
                    search_name=f"bench customer {n:06d}",
                )
                for n in range(start, total)
            )
            CustomerPhone.objects.bulk_create(
                CustomerPhone(
                    customer=c,
                    number=f"+86139{n:08d}",
                    national=f"139{n:08d}",
                    is_primary=True,
                )
                for n, c in enumerate(created, start=start)
            )
        probe = total - 7
        yield (
            "GET /customers/?q=<name prefix>",
            total,
            measure(client, f"/customers/?q=Bench+Customer+{probe:06d}"),
        )
        yield (
            "GET /customers/?q=<phone, spaced>",
            total,
            measure(client, f"/customers/?q=139+{probe:04d}+{probe % 10000:04d}"[:40]),
        )
        yield (
            "GET /api/v1/customers/?q=<+86 phone>",
            total,
            measure(client, f"/api/v1/customers/?q=%2B86139{probe:08d}"),
        )
        yield "GET /customers/ (first page)", total, measure(client, "/customers/")
    first = Customer.objects.filter(products__isnull=False).first()
    yield (
        "GET /customers/<id>/ (archive page)",
        1,
        measure(client, first.get_absolute_url()),
    )


def _timed(func, rounds: int = 5) -> dict:
    """Median / p95 milliseconds and queries per call of `func()` (not a request)."""
    import statistics
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    with CaptureQueriesContext(connection) as queries:
        for _ in range(rounds):
            started = time.perf_counter()
            func()
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": timings[-1],
        "queries": len(queries) // rounds,
    }


def tickets(measure):
    """The case queue, the tickets API, a case page and the sweeps with a growing number
    of open cases (bulk-inserted copies of a demo case: the benchmark measures reads and
    the set-based sweeps)."""
    from datetime import timedelta

    from django.utils import timezone

    from tickets.cases import services as case_services
    from tickets.models import Ticket
    from tickets.repairs import services as repair_services

    client = Client()
    client.force_login(User.objects.get(username="manager"))
    template = Ticket.objects.filter(status="in_progress").first()
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Ticket._meta.concrete_fields
        if f.attname not in {"id", "number", "created_at", "updated_at"}
    }
    future = timezone.now() + timedelta(days=30)
    for total in (1_000, 10_000):
        start = Ticket.objects.count()
        if total > start:
            Ticket.objects.bulk_create(
                Ticket(
                    **{
                        **fields,
                        "number": f"B{n:08d}",
                        # Far from due: the sweeps must not touch them.
                        "acknowledge_due_at": None,
                        "first_contact_due_at": None,
                        "onsite_due_at": None,
                        "resolve_due_at": future,
                        "acknowledge_warn_at": None,
                        "first_contact_warn_at": None,
                        "onsite_warn_at": None,
                        "resolve_warn_at": future,
                    }
                )
                for n in range(start, total)
            )
        yield "GET /tickets/?view=all", total, measure(client, "/tickets/?view=all")
        yield (
            "GET /tickets/?view=overdue",
            total,
            measure(client, "/tickets/?view=overdue"),
        )
        yield (
            "GET /api/v1/tickets/?page_size=50",
            total,
            measure(client, "/api/v1/tickets/?page_size=50"),
        )
        yield (
            "sla_sweep (nothing due)",
            total,
            _timed(lambda: case_services.sla_sweep(now=timezone.now())),
        )
        yield (
            "legal_clock_sweep",
            total,
            _timed(lambda: repair_services.legal_clock_sweep(now=timezone.now())),
        )
    yield (
        "GET /tickets/<number>/ (case page)",
        1,
        measure(client, template.get_absolute_url()),
    )
    yield "GET /tickets/recourse/", 1, measure(client, "/tickets/recourse/")
    visitor = Client()
    visitor.force_login(User.objects.get(username="visitor"))
    yield "GET /followups/ (visitor)", 1, measure(visitor, "/followups/")
    yield "GET /api/v1/followups/", 1, measure(visitor, "/api/v1/followups/")


ALL = {"people": people, "standards": standards, "archive": archive, "tickets": tickets}
