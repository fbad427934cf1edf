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


ALL = {"people": people}
