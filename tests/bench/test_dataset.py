"""The benchmark's data set (bench/dataset.py) has the mix it promises, with the fields the
services fill, and the benchmark server's additions (bare view, query header) answer."""

from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from aftersales.models import User
from bench import dataset, inprocess
from customers import selectors as customer_selectors
from customers.models import Customer, OwnedProduct
from feedback.models import FollowUp
from tickets.models import Handover, Ticket, TicketEvent
from tickets.workflow import OPEN_STATES, PAUSED_STATES

SCALE = 50


@pytest.fixture
def built(db):
    """The demo data, its SLA backlog swept, then a data set of SCALE cases."""
    call_command("demo_data", verbosity=0)
    inprocess.settle()
    first_case = Ticket.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
    first_customer = (
        Customer.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
    )
    result = dataset.build(scale=SCALE, seed=3)
    return {
        "result": result,
        "cases": Ticket.objects.filter(pk__gte=first_case),
        "customers": Customer.objects.filter(pk__gte=first_customer),
    }


def test_case_states_have_the_promised_mix():
    states = Counter(dataset.case_states(100_000, dataset.random.Random(1)))
    open_ = sum(
        n
        for state, n in states.items()
        if state.removeprefix("overdue:") in OPEN_STATES
    )
    overdue = sum(n for state, n in states.items() if state.startswith("overdue:"))
    assert sum(states.values()) == 100_000
    assert open_ == 10_000
    assert overdue == 400  # 4 % of the open cases
    assert states["closed"] == 85_000
    assert states["awaiting_follow_up"] == 2_500


@pytest.mark.django_db
def test_dataset_mix_and_denormalised_fields(built):
    cases = built["cases"]
    now = timezone.now()
    assert built["result"].rows["tickets.Ticket"] == SCALE
    assert cases.count() == SCALE
    assert built["customers"].count() == SCALE // 5
    by_status = Counter(cases.values_list("status", flat=True))
    assert sum(n for s, n in by_status.items() if s in OPEN_STATES) == 5
    assert by_status["closed"] == 43
    assert by_status["cancelled"] == 1
    assert by_status["awaiting_follow_up"] == 1
    overdue = cases.filter(
        status__in=OPEN_STATES, resolve_due_at__lt=now, resolved_at__isnull=True
    )
    assert overdue.count() == 1
    assert overdue.get().escalation_level == 2
    # 3-6 events per case, opened first.
    events = Counter(dict(cases.annotate(n=Count("events")).values_list("pk", "n")))
    assert set(events.values()) <= {3, 4, 5, 6}, events
    assert TicketEvent.objects.filter(ticket__in=cases, type="opened").count() == SCALE
    # Every resolved case has its follow-up; a closed one a finished one.
    for ticket in cases.filter(status__in=["closed", "awaiting_follow_up"]):
        followup = FollowUp.objects.get(ticket=ticket)
        if ticket.status == "closed":
            assert followup.status in {"completed", "unreachable"}
            assert ticket.closed_at >= ticket.resolved_at >= ticket.created_at
        else:
            assert followup.status in FollowUp.OPEN_STATUSES
    assert Handover.objects.filter(ticket__in=cases).exists()
    # Denormalised as the services do: number from the id, clocks from the standard.
    for ticket in cases.filter(has_sla=True):
        assert (
            ticket.number
            == f"T{timezone.localtime(ticket.created_at):%Y%m%d}-{ticket.pk:05d}"
        )
        assert ticket.standard_version_id is not None
        assert ticket.resolve_due_at > ticket.resolve_warn_at > ticket.created_at
    # The customer search finds a generated customer by phone, name and serial.
    customer = built["customers"].filter(products__isnull=False).first()
    manager = User.objects.get(username="manager")
    phone = customer.phones.get(is_primary=True)
    serial = OwnedProduct.objects.filter(customer=customer).first().serial
    assert customer.search_name == customer.name.casefold()
    for q in (phone.national, customer.name, serial):
        found = customer_selectors.customer_list(user=manager, q=q)
        assert customer in found, q


@pytest.mark.django_db
def test_sweep_of_the_data_as_built_has_nothing_to_do_and_1000_due_is_measured(built):
    assert inprocess.sla_sweep_idle(rounds=1)["items"] == 0
    due = inprocess.sla_sweep_due(1000)
    running = (
        built["cases"]
        .filter(status__in=OPEN_STATES - PAUSED_STATES, escalation_level=0)
        .count()
    )  # the generated running cases not escalated yet are among them
    assert (
        running
        <= due["due_cases"]
        <= Ticket.objects.filter(status__in=OPEN_STATES).count()
    )
    assert due["steps_recorded"] == 2 * due["due_cases"]  # warning and breach each
    # Rolled back: the data set is as built.
    assert inprocess.sla_sweep_idle(rounds=1)["items"] == 0


def test_bare_view_and_query_header(settings, db):
    settings.ROOT_URLCONF = "bench.urls"
    settings.MIDDLEWARE = [
        "bench.middleware.QueryCountMiddleware",
        *settings.MIDDLEWARE,
    ]
    response = Client().get("/bench/bare/")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert response["X-Bench-Queries"] == "0"
    user = User.objects.create_user("someone", password="x")
    client = Client()
    client.force_login(user)
    response = client.get("/bench/bare/")
    assert response["X-Bench-Queries"] == "0"  # the bare view reads no session
    response = client.get("/healthz")
    assert int(response["X-Bench-Queries"]) >= 1
