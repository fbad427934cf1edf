"""Tickets API (shared/api.md "Tickets"): create as first owner, detail by id or number,
409 for a transition the state forbids, 404 out of scope, 403 for customers, timeline,
handovers, and a flat query count for the list."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import open_ticket, service_standard
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def standard(unit_tree, manager_user):
    author = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    return service_standard(
        author=author, approver=manager_user, owner_unit=unit_tree["co"]
    )


@pytest.fixture
def zhang(agent_user):
    return customer(actor=agent_user, name="Zhang Wei")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_makes_the_caller_first_owner_and_pins_the_standard(
    standard, agent_user, zhang
):
    response = client_for(agent_user).post(
        f"{API}/tickets/",
        {"type": "repair", "source": "hotline", "customer": zhang.pk, "title": "Noisy",
         "description": "Knocks when spinning", "priority": "P2", "safety_incident": False},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert body["first_owner"] == agent_user.pk
    assert body["handler"] == agent_user.pk
    assert body["status"] == "new"
    assert body["standard_version"] == standard.pk
    assert set(body["due"]) == {"acknowledge", "first_contact", "onsite", "resolve"}
    assert body["number"].startswith("T")


def test_create_with_bad_input_is_400_with_field_errors_and_stores_nothing(agent_user):
    response = client_for(agent_user).post(
        f"{API}/tickets/", {"type": "nonsense", "customer": 999999}, format="json"
    )
    assert response.status_code == 400
    assert {"type", "customer", "source", "title", "description"} <= set(
        response.json()
    )
    assert Ticket.objects.count() == 0


def test_detail_by_id_or_number_and_409_for_a_forbidden_transition(
    standard, agent_user, zhang
):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    client = client_for(agent_user)
    assert client.get(f"{API}/tickets/{ticket.pk}/").json()["number"] == ticket.number
    assert client.get(f"{API}/tickets/{ticket.number}/").json()["id"] == ticket.pk
    assert client.post(f"{API}/tickets/{ticket.number}/acknowledge/").status_code == 200
    events = TicketEvent.objects.filter(ticket=ticket).count()
    again = client.post(f"{API}/tickets/{ticket.number}/acknowledge/")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert TicketEvent.objects.filter(ticket=ticket).count() == events
    timeline = client.get(f"{API}/tickets/{ticket.number}/events/").json()
    assert [event["type"] for event in timeline] == ["opened", "status_changed"]


def test_out_of_scope_is_404_and_customers_get_403(standard, agent_user, zhang):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    elsewhere = UnitFactory(code="far", name="Far branch", kind="branch")
    stranger = UserFactory(roles=["agent"], units=[elsewhere])
    assert (
        client_for(stranger).get(f"{API}/tickets/{ticket.number}/").status_code == 404
    )
    owner = UserFactory(username="zw@example.com", roles=["customer"])
    assert client_for(owner).get(f"{API}/tickets/").status_code == 403


def test_a_handover_is_requested_and_accepted_through_the_api(
    standard, agent_user, technician_user, zhang, unit_tree
):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    client_for(agent_user).post(f"{API}/tickets/{ticket.number}/acknowledge/")
    handover = client_for(agent_user).post(
        f"{API}/tickets/{ticket.number}/handovers/",
        {"to_unit": unit_tree["ws"].pk, "reason": "Diagnosis", "commitment": "48 h",
         "commitment_hours": "48"},
        format="json",
    )  # fmt: skip
    assert handover.status_code == 201
    accepted = client_for(technician_user).post(
        f"{API}/handovers/{handover.json()['id']}/accept/"
    )
    assert accepted.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.first_owner, ticket.handler, ticket.status) == (
        agent_user,
        technician_user,
        "in_progress",
    )


def test_the_list_keeps_a_constant_query_count(
    standard, agent_user, zhang, django_assert_max_num_queries
):
    client = client_for(agent_user)
    for _ in range(3):
        open_ticket(actor=agent_user, customer=zhang)
    with django_assert_max_num_queries(8):
        small = client.get(f"{API}/tickets/")
    for _ in range(27):
        open_ticket(actor=agent_user, customer=zhang)
    with django_assert_max_num_queries(8):
        large = client.get(f"{API}/tickets/", {"page_size": 200})
    assert small.json()["count"] == 3
    assert len(large.json()["results"]) == 30
