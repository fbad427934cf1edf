"""Follow-up scheduling at a department's volume (#11): one case costs the same queries
with 10 or 1,000 cases and tasks already there, the round-robin stays exact for an agent
whose last task is older than the newest tasks it reads, and the sweep's re-drive
schedules a batch of cases exactly as one call per case would, in a bounded number of
queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.models import Notification
from feedback.followups import services
from feedback.followups.services import scheduling
from feedback.models import FollowUp
from tests.aftersales.factories import UserFactory
from tests.customers.factories import customer
from tests.feedback import test_followups_helpers as helpers
from tests.feedback.test_followups_helpers import NOW, H, task_of
from tests.tickets.factories import act, open_ticket, ready_to_resolve
from tickets.cases import services as ticket_services
from tickets.models import Ticket
from tickets.workflow import TicketAction, TicketStatus

pytestmark = pytest.mark.django_db

# the follow-up tests' fixtures (organisation, standard, customer, follow-up agents)
capture, clock, org, quality_user, standard = (
    helpers.capture,
    helpers.clock,
    helpers.org,
    helpers.quality_user,
    helpers.standard,
)
visitor, visitor2, followup_supervisor, zhang = (
    helpers.visitor,
    helpers.visitor2,
    helpers.followup_supervisor,
    helpers.zhang,
)

S = FollowUp.Status
REDRIVE_AT = NOW + timedelta(minutes=11)  # the sweep re-drives after ten minutes


def waiting_case(person, actor) -> Ticket:
    """A case resolved through the services whose follow-up is not scheduled yet (the
    after-commit hook that queues it never runs inside the test's transaction)."""
    ticket = open_ticket(actor=actor, customer=person)
    if ticket.status == TicketStatus.NEW:
        act(ticket, actor, TicketAction.ACKNOWLEDGE)
    act(ticket, actor, TicketAction.START)
    ready_to_resolve(ticket, actor)
    ticket.refresh_from_db()
    ticket_services.ticket_resolve(
        ticket=ticket, actor=actor, cause_code="bearing", liability="producer_defect"
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.AWAITING_FOLLOW_UP
    assert not FollowUp.objects.filter(ticket=ticket).exists()
    return ticket


def history(model: Ticket, count: int, *, first: int, agents, team) -> None:
    """`count` closed cases like `model` (bulk copies), each with its completed
    follow-up, given to `agents` in turn (the last one to agents[(count - 1) % n])."""
    row = Ticket.objects.filter(pk=model.pk).values()[0]
    del row["id"], row["number"]
    row["status"] = TicketStatus.CLOSED
    numbers = [f"HIST-{first + n:06d}" for n in range(count)]
    Ticket.objects.bulk_create(Ticket(**row, number=number) for number in numbers)
    ids = Ticket.objects.filter(number__in=numbers).order_by("pk")
    FollowUp.objects.bulk_create(
        FollowUp(
            ticket_id=pk,
            customer_id=row["customer_id"],
            unit=team,
            assigned_to=agents[n % len(agents)],
            opens_at=NOW - 70 * H,
            closes_at=NOW - H,
            due_at=NOW - H,
            status=S.COMPLETED,
            result=FollowUp.Result.SATISFIED,
            policy={"channels": ["phone"], "retry_after_hours": 23},
        )
        for n, pk in enumerate(ids.values_list("pk", flat=True))
    )


def test_scheduling_one_case_costs_the_same_queries_with_10_or_1000_cases_and_tasks(
    zhang, agent_user, org, visitor, visitor2
):
    # given a first case scheduled (the default questionnaire is made the first time)
    first = waiting_case(zhang, agent_user)
    assert services.followup_schedule_for_ticket(ticket_id=first.pk) == 1
    # and 10 closed cases whose tasks went to huang and ma in turn (ma last)
    small_case = waiting_case(zhang, agent_user)
    history(small_case, 10, first=0, agents=[visitor, visitor2], team=org["fu"])
    with CaptureQueriesContext(connection) as small:
        assert services.followup_schedule_for_ticket(ticket_id=small_case.pk) == 1
    assert task_of(small_case).assigned_to == visitor
    # and then 990 more (huang last)
    large_case = waiting_case(zhang, agent_user)
    history(large_case, 990, first=10, agents=[visitor2, visitor], team=org["fu"])
    assert FollowUp.objects.count() == 1002
    with CaptureQueriesContext(connection) as large:
        assert services.followup_schedule_for_ticket(ticket_id=large_case.pk) == 1
    # then the second case costs what the first did, and the round goes on
    assert task_of(large_case).assigned_to == visitor2
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(small) <= 15, [q["sql"] for q in small.captured_queries]


def test_an_agent_whose_last_task_is_older_than_the_newest_read_is_still_next(
    zhang, agent_user, org, visitor, visitor2, monkeypatch
):
    # given zz, whose two tasks are older than the newest three read, then huang and ma
    zz = UserFactory(username="zz", roles=["followup_agent"], units=[org["fu"]])
    model = waiting_case(zhang, agent_user)
    history(model, 2, first=0, agents=[zz], team=org["fu"])
    history(model, 6, first=2, agents=[visitor, visitor2], team=org["fu"])
    monkeypatch.setattr(scheduling, "RECENT_TASKS", 3)
    cases = [model] + [waiting_case(zhang, agent_user) for _n in range(3)]
    # when four cases are scheduled one by one
    for ticket in cases:
        assert services.followup_schedule_for_ticket(ticket_id=ticket.pk) == 1
    # then the task goes to whoever was given one longest ago, as over every task
    assert [task_of(t).assigned_to.username for t in cases] == [
        "zz",
        "huang",
        "ma",
        "zz",
    ]


def outcome(ticket_ids) -> list[tuple]:
    """What scheduling made of each case: its tasks' round, kind, status, assignee,
    team, window, next attempt and channel, questionnaire, link to the round before."""
    return [
        tuple(row)
        for row in FollowUp.objects.filter(ticket_id__in=ticket_ids)
        .order_by("ticket_id", "round")
        .values_list(
            "ticket_id",
            "round",
            "kind",
            "status",
            "assigned_to__username",
            "unit__code",
            "opens_at",
            "closes_at",
            "next_attempt_at",
            "next_channel",
            "questionnaire_id",
            "previous__round",
            "max_attempts",
            "policy",
        )
    ]


def mixed_cases(zhang, agent_user, org, capture) -> list[int]:
    """Cases waiting for a follow-up without one: plain ones, one a follow-up agent
    worked on, one of a customer who does not consent to service contact, and one
    resolved again after a rework whose first task is still open."""
    plain = [waiting_case(zhang, agent_user) for _n in range(3)]
    # lin, a follow-up agent who also takes hotline calls, handled this one
    lin = UserFactory(
        username="lin", roles=["followup_agent", "agent"], units=[org["fu"], org["hot"]]
    )
    worked = waiting_case(zhang, lin)
    private = customer(actor=agent_user, name="Qian", consent_service=False)
    declined = waiting_case(private, agent_user)
    reworked = waiting_case(zhang, agent_user)
    with capture(execute=True):
        services.followup_schedule_for_ticket(ticket_id=reworked.pk, now=NOW)
    act(reworked, agent_user, TicketAction.REOPEN, note="Customer called back")
    reworked.refresh_from_db()
    act(reworked, agent_user, TicketAction.START)
    ready_to_resolve(reworked, agent_user)
    reworked.refresh_from_db()
    ticket_services.ticket_resolve(
        ticket=reworked, actor=agent_user, cause_code="bearing", liability="none"
    )
    return [t.pk for t in [*plain, worked, declined, reworked]]


def test_the_sweeps_redrive_schedules_a_batch_as_one_call_per_case_would(
    zhang, agent_user, org, visitor, visitor2, followup_supervisor, capture
):
    ids = mixed_cases(zhang, agent_user, org, capture)
    # what one call per case makes, in the order the sweep reads the cases (undone)
    with transaction.atomic():
        for pk in Ticket.objects.filter(pk__in=ids).values_list("pk", flat=True):
            services.followup_schedule_for_ticket(ticket_id=pk, now=REDRIVE_AT)
        one_by_one = outcome(ids)
        alerts = Notification.objects.filter(kind="followup_declined").count()
        transaction.set_rollback(True)
    assert not FollowUp.objects.filter(ticket_id__in=ids, round=2).exists()
    # the sweep makes the same, in one batch
    assert services.followup_sweep(now=REDRIVE_AT) == len(ids)
    assert outcome(ids) == one_by_one
    assert Notification.objects.filter(kind="followup_declined").count() == alerts
    kinds = {(row[1], row[2], row[3]) for row in one_by_one}
    assert (1, FollowUp.Kind.AFTER_SERVICE, S.DECLINED) in kinds
    assert (1, FollowUp.Kind.AFTER_SERVICE, S.CANCELLED) in kinds
    assert (2, FollowUp.Kind.SECOND, S.SCHEDULED) in kinds
    assert len({row[4] for row in one_by_one if row[3] == S.SCHEDULED}) == 3
    # and a second sweep makes nothing more
    assert services.followup_sweep(now=REDRIVE_AT + H) == 0


def test_the_redrive_of_a_batch_reads_the_shared_rows_once(
    zhang, agent_user, org, visitor, visitor2
):
    def redrive(count: int) -> int:
        ids = [waiting_case(zhang, agent_user).pk for _n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            assert (
                services.followup_schedule_for_tickets(ticket_ids=ids, now=REDRIVE_AT)
                == count
            )
        return len(queries)

    redrive(1)  # the default questionnaire is made the first time
    three, twelve = redrive(3), redrive(12)
    # only the case's own workers are read per case (selectors.case_workers); the rest
    # (cases, tasks, questionnaire, teams and agents, their last tasks, the cancel, the
    # insert) once per batch
    assert twelve - three <= 9 * PER_CASE_READS, (three, twelve)
    assert three - 3 * PER_CASE_READS <= 12, three


PER_CASE_READS = 4  # selectors.case_workers: events, handovers, repairs, field visits
