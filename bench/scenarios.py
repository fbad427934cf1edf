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
    from feedback.models import Customer, CustomerPhone

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


ALL = {"people": people, "standards": standards, "archive": archive}
