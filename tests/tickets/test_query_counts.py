"""The queue, the tickets API and the case page keep a constant number of queries whatever
the data size (the same count at 10 and at 1,000 cases), never count with DISTINCT over
joined rows, and count a large queue with a bounded read (issue #11)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from aftersales.pagination import EXACT_UP_TO, BoundedPaginator, bounded_count
from tests.aftersales.factories import UserFactory
from tests.customers.factories import CustomerFactory
from tickets.cases import selectors
from tickets.models import Handover, Ticket
from tickets.workflow import TicketStatus

pytestmark = pytest.mark.django_db

STATUSES = [
    TicketStatus.NEW,
    TicketStatus.IN_PROGRESS,
    TicketStatus.CLOSED,
    TicketStatus.WAITING_PARTS,
    TicketStatus.CANCELLED,
]


def add_cases(total: int, *, unit_tree, agent, technician) -> None:
    """Top the database up to `total` cases of mixed status, owners, units and clocks (a
    third overdue), every fifth handed to the workshop and waiting for acceptance."""
    now = timezone.now()
    customers = CustomerFactory.create_batch(3)
    start = Ticket.objects.count()
    rows = []
    for n in range(start, total):
        created = now - timedelta(hours=n)
        rows.append(
            Ticket(
                number=f"Q{n:07d}",
                type="repair",
                source="hotline",
                customer=customers[n % 3],
                title=f"Washer {n} leaks",
                status=STATUSES[n % len(STATUSES)],
                priority=["P1", "P2", "P3"][n % 3],
                first_owner=agent if n % 2 else technician,
                handler=technician if n % 3 else None,
                unit=unit_tree["hot"] if n % 2 else unit_tree["ws"],
                acknowledge_due_at=created + timedelta(hours=2 if n % 3 else 9999),
                resolve_due_at=created + timedelta(hours=72),
            )
        )
    Ticket.objects.bulk_create(rows, batch_size=500)
    Ticket.objects.filter(number__in=[r.number for r in rows]).update(
        created_at=now - timedelta(minutes=1)
    )
    handed = list(Ticket.objects.filter(number__in=[r.number for r in rows]))
    Handover.objects.bulk_create(
        Handover(
            ticket=ticket,
            from_user=agent,
            from_unit=unit_tree["hot"],
            to_unit=unit_tree["ws"],
            to_user=technician if ticket.pk % 2 else None,
            status=Handover.Status.REQUESTED,
            requested_at=now,
        )
        for ticket in handed[::5]
    )


QUEUE_URLS = [
    "?view=mine",
    "?view=units",
    "?view=awaiting",
    "?view=today",
    "?view=overdue",
    "?view=all",
    "?view=all&q=Washer",
    "?view=all&q=Q00000",
    "?view=all&sort=priority",
    "?view=all&sort=resolve_due",
    "?view=all&sort=created",
    "?view=all&status=new&priority=P3",
]
API_URLS = ["", "?overdue=true", "?status=new", "?q=leaks", "?page_size=200"]


@pytest.fixture
def people(unit_tree):
    agent = UserFactory(username="li", roles=["agent"], units=[unit_tree["hot"]])
    technician = UserFactory(
        username="liu", roles=["technician"], units=[unit_tree["ws"]]
    )
    supervisor = UserFactory(
        username="chen", roles=["supervisor"], supervises=[unit_tree["hot"]]
    )
    manager = UserFactory(username="wang", roles=["manager"], units=[unit_tree["co"]])
    return {
        "agent": agent,
        "technician": technician,
        "supervisor": supervisor,
        "manager": manager,
    }


def queries_of(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("who", ["agent", "technician", "supervisor", "manager"])
def test_queue_and_api_query_counts_are_the_same_at_10_and_1000_cases(
    client, unit_tree, people, who
):
    # given a signed-in member of staff of each kind
    client.force_login(people[who])
    api = APIClient()
    api.force_authenticate(people[who])
    queue = reverse("tickets:ticket-list")
    urls = [(client, queue + u) for u in QUEUE_URLS] + [
        (api, "/api/v1/tickets/" + u) for u in API_URLS
    ]
    counts = {}
    for total in (10, 1000):
        add_cases(total, unit_tree=unit_tree, **_owners(people))
        for user_client, url in urls:
            user_client.get(url)  # warm the per-process caches (content types, ...)
            counts.setdefault(url, []).append(len(queries_of(user_client, url)))
    # then every page costs the same number of queries at both sizes, and few
    for url, (small, large) in counts.items():
        assert small == large, f"{url}: {small} queries at 10 cases, {large} at 1,000"
        assert large <= 12, f"{url}: {large} queries"


def _owners(people) -> dict:
    return {"agent": people["agent"], "technician": people["technician"]}


def test_no_case_query_of_the_queue_uses_distinct(client, unit_tree, people):
    # given 1,000 cases, many handed over (the join that used to repeat rows)
    add_cases(1000, unit_tree=unit_tree, **_owners(people))
    client.force_login(people["technician"])
    for url in QUEUE_URLS:
        sql = queries_of(client, reverse("tickets:ticket-list") + url)
        # then no query of the cases (page or count) needs DISTINCT
        case_queries = [s for s in sql if '"tickets_ticket"' in s]
        assert case_queries
        assert not [s for s in case_queries if "DISTINCT" in s.upper()], url


def test_visibility_lists_each_case_once_without_distinct(unit_tree, people):
    # given cases handed to the technician's unit several times over
    add_cases(50, unit_tree=unit_tree, **_owners(people))
    ticket = Ticket.objects.filter(unit=unit_tree["hot"]).first()
    for _ in range(3):
        Handover.objects.create(
            ticket=ticket,
            from_user=people["agent"],
            from_unit=unit_tree["hot"],
            to_unit=unit_tree["ws"],
            status=Handover.Status.REJECTED,
            requested_at=timezone.now(),
        )
    visible = Ticket.objects.visible_to(people["technician"])
    ids = list(visible.values_list("pk", flat=True))
    # then the case appears once and the count agrees with the rows
    assert ids.count(ticket.pk) == 1
    assert visible.count() == len(ids) == len(set(ids))


def test_queue_count_is_exact_up_to_the_limit_then_bounded(unit_tree, people):
    # given more cases than the exact-count limit
    add_cases(EXACT_UP_TO + 5, unit_tree=unit_tree, **_owners(people))
    manager = people["manager"]
    queue = selectors.ticket_list(user=manager, view="all").order_by("-created_at")
    few = queue.filter(status=TicketStatus.NEW)
    # then a small result is counted exactly
    assert bounded_count(few) == (few.count(), False)
    # and a large one reads at most the limit before asking for an estimate
    with CaptureQueriesContext(connection) as queries:
        count, is_estimate = bounded_count(queue)
    assert f"LIMIT {EXACT_UP_TO + 1}" in queries.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert is_estimate is True
        assert count > EXACT_UP_TO
        assert "EXPLAIN" in queries.captured_queries[1]["sql"]
    else:  # SQLite (small data): exact
        assert (count, is_estimate) == (EXACT_UP_TO + 5, False)
    paginator = BoundedPaginator(queue, 25)
    assert paginator.count == count
    assert paginator.count_is_estimate is is_estimate
    assert len(paginator.page(1).object_list) == 25


def test_queue_page_says_about_when_the_count_is_estimated(client, unit_tree, people):
    add_cases(EXACT_UP_TO + 5, unit_tree=unit_tree, **_owners(people))
    client.force_login(people["manager"])
    response = client.get(reverse("tickets:ticket-list") + "?view=all")
    text = response.content.decode()
    if connection.vendor == "postgresql":
        assert "about " in text
    else:
        assert f"{EXACT_UP_TO + 5} cases" in text
    # and a small queue gives the exact number
    response = client.get(reverse("tickets:ticket-list") + "?view=all&q=Q0000007")
    assert re.search(r"\b1 case\b", response.content.decode())


def test_search_by_customer_name_finds_their_cases_only(client, unit_tree, people):
    add_cases(20, unit_tree=unit_tree, **_owners(people))
    zhou = CustomerFactory(name="Zhou Xun")
    Ticket.objects.filter(pk=Ticket.objects.order_by("pk").first().pk).update(
        customer=zhou
    )
    queue = selectors.ticket_list(user=people["manager"], view="all", q="zhou")
    assert [t.customer_id for t in queue] == [zhou.pk]
    # a number or title still matches beside the customer
    assert (
        selectors.ticket_list(user=people["manager"], view="all", q="q0000007").count()
        == 1
    )


def test_search_by_case_number_start_or_any_part(unit_tree, people):
    add_cases(5, unit_tree=unit_tree, **_owners(people))
    Ticket.objects.filter(number="Q0000003").update(number="T20260101-00042")
    manager = people["manager"]

    def found(q: str) -> list[str]:
        return [t.number for t in selectors.ticket_list(user=manager, view="all", q=q)]

    # the start of a number (any case) is a prefix match on the number
    assert found("t20260101-0004") == ["T20260101-00042"]
    assert found("T20260101-00042") == ["T20260101-00042"]
    # any other part of it is still found
    assert found("-00042") == ["T20260101-00042"]
    assert found("0101-000") == ["T20260101-00042"]
    assert found("T20260102") == []


def test_a_term_no_case_number_can_hold_searches_titles_and_customers_only(
    unit_tree, people
):
    add_cases(5, unit_tree=unit_tree, **_owners(people))
    Ticket.objects.filter(number="Q0000002").update(title="洗衣机漏水")
    manager = people["manager"]
    queue = selectors.ticket_list(user=manager, view="all", q="漏水")
    # the title matches; the number is not searched for a term it cannot contain
    assert [t.title for t in queue] == ["洗衣机漏水"]
    assert '"number"' not in str(queue.query).split("WHERE", 1)[1]
