"""The one writer of case events (tickets/events.py): every step is an append-only row with
its data; a keyed step happens once."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tests.aftersales.factories import UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import open_ticket, service_standard
from tickets.events import ticket_event_record
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(unit_tree, agent_user, manager_user):
    quality = UserFactory(
        username="qm", roles=["quality_manager"], units=[unit_tree["co"]]
    )
    service_standard(author=quality, approver=manager_user, owner_unit=unit_tree["co"])
    zhang = customer(actor=agent_user, name="Zhang Wei", phones=["13800138000"])
    return open_ticket(actor=agent_user, customer=zhang)


def test_an_event_is_written_with_its_data_actor_and_visibility(case, agent_user):
    before = case.events.count()

    event = ticket_event_record(
        case, TicketEvent.Type.COMMENT, agent_user, data={"body": "Called back"},
        public=True,
    )  # fmt: skip

    event.refresh_from_db()
    assert case.events.count() == before + 1
    assert (event.type, event.actor, event.data, event.public, event.key) == (
        TicketEvent.Type.COMMENT, agent_user, {"body": "Called back"}, True, None,
    )  # fmt: skip


def test_a_keyed_step_is_written_once(case):
    ticket_event_record(case, TicketEvent.Type.COMMENT, None, key=f"once:{case.pk}")

    with pytest.raises(IntegrityError), transaction.atomic():
        ticket_event_record(case, TicketEvent.Type.COMMENT, None, key=f"once:{case.pk}")

    assert case.events.filter(key=f"once:{case.pk}").count() == 1
