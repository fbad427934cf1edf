"""The follow-up loop through a real Celery worker (issue 6's quality bar): resolving a case
publishes the scheduling task after the commit, a worker process on the broker (Redis when
REDIS_URL is set, the filesystem broker otherwise) creates the follow-up, a dissatisfied
answer reopens the case to its first owner, and the rework's resolution brings the second
follow-up through the broker again."""

from __future__ import annotations

import time

import pytest

from aftersales.celery import app as celery_app
from feedback.followups import services
from feedback.models import FollowUp
from standards.services import legal_rule_sets_seed
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import act, open_ticket, ready_to_resolve, service_standard
from tickets.cases import services as ticket_services
from tickets.models import Ticket
from tickets.workflow import TicketAction, TicketStatus

pytestmark = [pytest.mark.worker]


def wait_for_followup(ticket: Ticket, round_: int, timeout: float = 60) -> FollowUp:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = FollowUp.objects.filter(ticket=ticket, round=round_).first()
        if found is not None:
            return found
        time.sleep(0.25)
    pytest.fail(f"the worker made no round-{round_} follow-up within {timeout} s")


def resolve(ticket: Ticket, worker) -> Ticket:
    if ticket.status in {"new"}:
        act(ticket, worker, TicketAction.ACKNOWLEDGE)
    if ticket.status in {"acknowledged", "reopened"}:
        act(ticket, worker, TicketAction.START)
    ready_to_resolve(ticket, worker)
    ticket.refresh_from_db()
    # committed at once (transactional test): the signal publishes to the broker
    return ticket_services.ticket_resolve(
        ticket=ticket,
        actor=worker,
        cause_code="bearing",
        liability="producer_defect",
        resolution="Drum bearing replaced.",
    )


def test_resolve_followup_dissatisfied_reopen_runs_through_the_broker(
    celery_worker_process, unit_tree, agent_user, manager_user
):
    # given a follow-up team, the company standard and a customer's repair case
    legal_rule_sets_seed()  # a transactional test starts without the seeded rows
    team = UnitFactory(code="fu", kind="followup_team", parent=unit_tree["br"])
    visitor = UserFactory(username="huang", roles=["followup_agent"], units=[team])
    quality = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    service_standard(author=quality, approver=manager_user, owner_unit=unit_tree["co"])
    zhang = customer(actor=agent_user, name="Zhang Wei", phones=["13800138000"])
    ticket = open_ticket(actor=agent_user, customer=zhang)
    assert not celery_app.conf.task_always_eager  # nothing runs in this process

    # when the case is resolved, the worker schedules its follow-up
    ticket = resolve(ticket, agent_user)
    assert ticket.status == TicketStatus.AWAITING_FOLLOW_UP
    first = wait_for_followup(ticket, 1)
    assert first.assigned_to == visitor
    assert first.kind == FollowUp.Kind.AFTER_SERVICE

    # and a dissatisfied answer reopens the case to its first owner at once
    services.followup_complete(
        followup=first, actor=visitor, score=1, resolved=False, comment="Still noisy"
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REOPENED
    assert ticket.handler == agent_user

    # then the rework's resolution brings the second follow-up through the broker
    ticket = resolve(ticket, agent_user)
    second = wait_for_followup(ticket, 2)
    assert second.kind == FollowUp.Kind.SECOND
    assert second.previous_id == first.pk
    first.refresh_from_db()
    assert first.result == "dissatisfied"
