"""Every list page and list API of the archive, the feedback loop (follow-ups, feedback
items), the standards and the cross-cutting app (users, notifications) issues the same
number of queries at 10 rows as at 1,000 rows, below a fixed bound, signed in as someone
who sees the rows (a non-manager for the scoped lists), and never counts with DISTINCT
(issue #11). The queue, the tickets API and the case page are tests/tickets'."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from aftersales.models import Notification, Unit, User
from customers.models import (
    Contact,
    Customer,
    CustomerPhone,
    OwnedProduct,
    Party,
    ProductModel,
)
from feedback.models import FeedbackItem, FollowUp
from standards.models import StandardDocument
from tests.aftersales.factories import UnitFactory, UserFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

SMALL, LARGE = 10, 1000
# No list needs more: session, user, groups, scope, count, page, a few prefetches,
# the menu's unread notifications.
MAX_QUERIES = 16


@pytest.fixture
def people(unit_tree):
    """A service agent (branch scope), a follow-up agent of the follow-up team, and the
    producer and model every product row uses."""
    team = UnitFactory(
        code="fu", name="Follow-up team", kind="followup", parent=unit_tree["br"]
    )
    agent = UserFactory(username="li", roles=["agent"], units=[unit_tree["hot"]])
    visitor = UserFactory(username="fang", roles=["followup_agent"], units=[team])
    producer = Party.objects.create(name="Producer", kind=Party.Kind.PRODUCER)
    model = ProductModel.objects.create(
        producer=producer, code="AC-1", name="Air conditioner", category="ac"
    )
    return {
        "units": unit_tree,
        "team": team,
        "agent": agent,
        "visitor": visitor,
        "model": model,
    }


def _customers(start: int, stop: int, people) -> list[Customer]:
    """Customers of the agent's branch, each with a phone and a product."""
    customers = Customer.objects.bulk_create(
        Customer(
            name=f"Kunde {n:05d}",
            search_name=f"kunde {n:05d}",
            unit=people["units"]["hot"] if n % 2 else None,
        )
        for n in range(start, stop)
    )
    CustomerPhone.objects.bulk_create(
        CustomerPhone(
            customer=customer,
            number=f"+86139{customer.pk:08d}",
            national=f"139{customer.pk:08d}",
        )
        for customer in customers
    )
    OwnedProduct.objects.bulk_create(
        OwnedProduct(
            customer=customer,
            model=people["model"],
            serial=f"SN{customer.pk:08d}",
            sale_date=date(2025, 5, 20),
        )
        for customer in customers
    )
    return customers


def add_customers(start, stop, people):
    _customers(start, stop, people)


def add_contacts(start, stop, people):
    customers = _customers(start, stop, people)
    Contact.objects.bulk_create(
        Contact(
            customer=customer,
            channel=Contact.Channel.PHONE,
            at=timezone.now() - timedelta(minutes=n),
            received_by=people["agent"],
            summary="Asked about the warranty.",
        )
        for n, customer in enumerate(customers)
    )


def add_parties(start, stop, people):
    """Sellers; the fixture's producer is one of the `stop` parties."""
    Party.objects.bulk_create(
        Party(name=f"Seller {n:05d}", kind=Party.Kind.SELLER)
        for n in range(start, stop - 1)
    )


def add_product_models(start, stop, people):
    """Models of the producer; the fixture's model is one of the `stop` models."""
    ProductModel.objects.bulk_create(
        ProductModel(
            producer=people["model"].producer,
            code=f"M-{n:05d}",
            name=f"Model {n}",
            category="ac",
        )
        for n in range(start, stop - 1)
    )


def add_followups(start, stop, people):
    """Due follow-ups of the follow-up team, every other one assigned to its agent, each
    of its own case and customer."""
    customers = _customers(start, stop, people)
    now = timezone.now()
    tickets = Ticket.objects.bulk_create(
        Ticket(
            number=f"T-{n:06d}",
            type="repair",
            source="hotline",
            customer=customer,
            title="Washer leaks",
            status="awaiting_follow_up",
            first_owner=people["agent"],
            unit=people["units"]["hot"],
        )
        for n, customer in zip(range(start, stop), customers, strict=True)
    )
    FollowUp.objects.bulk_create(
        FollowUp(
            ticket=ticket,
            customer=ticket.customer,
            unit=people["team"],
            assigned_to=people["visitor"] if n % 2 else None,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(hours=68),
            due_at=now + timedelta(hours=68),
            status=FollowUp.Status.DUE,
            next_attempt_at=now - timedelta(minutes=n),
            next_channel="phone",
            policy={"channels": ["phone", "sms"], "retry_after_hours": 23},
        )
        for n, ticket in enumerate(tickets)
    )


def add_feedback_items(start, stop, people):
    customers = _customers(start, stop, people)
    FeedbackItem.objects.bulk_create(
        FeedbackItem(
            source=FeedbackItem.Source.CONTACT,
            customer=customer if n % 3 else None,
            text=f"Suggestion {n}",
            reply_due_on=timezone.localdate() + timedelta(days=5),
        )
        for n, customer in zip(range(start, stop), customers, strict=True)
    )


def add_notifications(start, stop, people):
    Notification.objects.bulk_create(
        Notification(
            recipient=people["agent"],
            kind="case_assigned",
            title=f"Case {n} is yours",
            key=f"query-counts-{n}",
        )
        for n in range(start, stop)
    )


def add_users(start, stop, people):
    """Service agents; the fixture's two agents are two of the `stop` staff."""
    users = User.objects.bulk_create(
        User(username=f"staff{n:05d}", first_name="Staff", last_name=str(n))
        for n in range(start, stop - 2)
    )
    units = User.units.through
    units.objects.bulk_create(
        units(user=user, unit=people["units"]["hot"]) for user in users
    )
    roles = User.groups.through
    agents = Group.objects.get(name="agent")
    roles.objects.bulk_create(roles(user=user, group=agents) for user in users)


def add_standards(start, stop, people):
    StandardDocument.objects.bulk_create(
        StandardDocument(
            code=f"Q/ACME {n:05d}",
            title=f"Standard {n}",
            kind="management",
            owner_unit=people["units"]["co"],
            owner=people["agent"],
        )
        for n in range(start, stop)
    )


# (url, who, how: page or api, rows added per size).
LISTS = [
    ("/customers/", "agent", "page", add_customers),
    ("/customers/?q=kunde", "agent", "page", add_customers),
    ("/customers/?q=13900", "agent", "page", add_customers),
    ("/api/v1/customers/", "agent", "api", add_customers),
    ("/api/v1/customers/?q=kunde", "agent", "api", add_customers),
    ("/api/v1/products/", "agent", "api", add_customers),
    ("/api/v1/contacts/", "agent", "api", add_contacts),
    ("/customers/parties/", "agent", "page", add_parties),
    ("/api/v1/parties/", "agent", "api", add_parties),
    ("/customers/product-models/", "agent", "page", add_product_models),
    ("/api/v1/product-models/", "agent", "api", add_product_models),
    ("/followups/", "visitor", "page", add_followups),
    ("/followups/?view=all", "visitor", "page", add_followups),
    ("/followups/?view=mine", "visitor", "page", add_followups),
    ("/followups/?view=team", "visitor", "page", add_followups),
    ("/followups/?view=all", "supervisor", "page", add_followups),
    ("/followups/?view=all&q=kunde", "supervisor", "page", add_followups),
    ("/followups/?view=all", "manager", "page", add_followups),
    ("/api/v1/followups/", "visitor", "api", add_followups),
    ("/api/v1/followups/?q=kunde", "visitor", "api", add_followups),
    ("/api/v1/followups/?status=due", "manager", "api", add_followups),
    ("/feedback/items/", "agent", "page", add_feedback_items),
    ("/api/v1/feedback-items/", "agent", "api", add_feedback_items),
    ("/notifications/", "agent", "page", add_notifications),
    ("/api/v1/users/", "agent", "api", add_users),
    ("/standards/", "agent", "page", add_standards),
    ("/api/v1/standards/", "agent", "api", add_standards),
]


def _client(who: str, how: str, people, request):
    user = {
        "agent": people["agent"],
        "visitor": people["visitor"],
        "supervisor": request.getfixturevalue("supervisor_user"),
        "manager": request.getfixturevalue("manager_user"),
    }[who]
    if how == "api":
        client = APIClient()
        client.force_authenticate(user)
    else:
        client = Client()
        client.force_login(user)
    return client


def _queries(client, url: str) -> list[str]:
    client.get(url)  # warm caches (content types, the menu, translations)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize(("url", "who", "how", "add"), LISTS)
def test_a_list_issues_the_same_queries_at_10_and_at_1000_rows(
    url, who, how, add, people, request
):
    client = _client(who, how, people, request)
    add(0, SMALL, people)
    small = _queries(client, url)
    add(SMALL, LARGE, people)
    large = _queries(client, url)

    assert len(small) == len(large), "\n".join(large)
    assert len(large) <= MAX_QUERIES, "\n".join(large)
    assert not any("DISTINCT" in sql.upper() for sql in large), "\n".join(large)


def test_the_lists_see_the_rows_they_are_counted_with(people, request):
    """The lists above are not empty for the people who call them (a count of an empty
    list proves nothing)."""
    add_followups(0, 3, people)
    client = _client("visitor", "api", people, request)
    assert client.get("/api/v1/followups/").json()["count"] == 3
    client = _client("agent", "api", people, request)
    assert client.get("/api/v1/customers/?q=kunde").json()["count"] == 3
    assert Unit.objects.filter(code="fu").exists()
