"""Fault tests (issue #14) on real PostgreSQL: fifty people pressing the same transition
at the same moment, each on their own connection: exactly one succeeds, the other 49 get
a 409, and the timeline records the step once."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from standards.services import legal_rule_sets_seed
from tests.aftersales.factories import UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import open_ticket, service_standard
from tests.tickets.test_sweeps import ON_POSTGRESQL, run_in_threads
from tickets.models import Ticket, TicketEvent

pytestmark = [ON_POSTGRESQL, pytest.mark.django_db(transaction=True)]

PEOPLE = 50


def test_fifty_parallel_transitions_give_one_success_and_forty_nine_409s(unit_tree):
    legal_rule_sets_seed()  # a transactional test starts without the seeded rows
    manager = UserFactory(roles=["manager"], units=[unit_tree["co"]])
    quality = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    service_standard(author=quality, approver=manager, owner_unit=unit_tree["co"])
    agents = [
        UserFactory(username=f"agent{n}", roles=["agent"], units=[unit_tree["hot"]])
        for n in range(PEOPLE)
    ]
    ticket = open_ticket(actor=agents[0], customer=customer(actor=agents[0], name="W"))

    def press(agent):
        def call():
            client = APIClient()
            client.force_authenticate(agent)
            return client.post(f"/api/v1/tickets/{ticket.pk}/acknowledge/").status_code

        return call

    results = run_in_threads(*(press(agent) for agent in agents))
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert sorted(results) == [200] + [409] * (PEOPLE - 1)
    assert Ticket.objects.get(pk=ticket.pk).status == "acknowledged"
    steps = TicketEvent.objects.filter(
        ticket=ticket, type="status_changed", data__action="acknowledge"
    )
    assert steps.count() == 1
