"""The sweeps of the tickets app (tickets/cases/sweep.py): the SLA ladder (warn at 80 %, breach
at 100 %, escalate at 200 %, each step once, paused and met clocks skipped, a JobRun per
run), the handover-acceptance sweep, and, on PostgreSQL, real concurrency: two sweeps at
once and two people firing the same transition."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.exceptions import InvalidTransition, StaleObject
from aftersales.models import JobRun, Notification, OutboxMessage, User
from aftersales.services import notification_email_set, notify
from aftersales.services import notifications_mark_read as mark_read
from standards import services as standard_services
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import act, open_ticket, service_standard
from tickets.cases import services, sweep
from tickets.cases.services import CLOCK_LABELS
from tickets.models import Handover, Ticket, TicketEvent
from tickets.workflow import TicketAction, TicketStatus

pytestmark = pytest.mark.django_db

A = TicketAction
S = TicketStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
H = timedelta(hours=1)
# The sweep plans without parallel workers on PostgreSQL: a SET and a RESET per sweep.
SERIAL = 2 if connection.vendor == "postgresql" else 0
ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="real row locking and concurrent transactions need PostgreSQL "
    "(SQLite serialises writers and ignores select_for_update)",
)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def standard(clock, unit_tree, manager_user):
    """Default parameters, calendar hours: P3 acknowledge and first contact 24 h, resolve
    168 h; handover acceptance 4 h."""
    author = UserFactory(
        username="qm", roles=["quality_manager"], units=[unit_tree["co"]]
    )
    return service_standard(
        author=author, approver=manager_user, owner_unit=unit_tree["co"]
    )


@pytest.fixture
def people(unit_tree, agent_user, technician_user, supervisor_user, manager_user):
    """Li (hotline agent), Liu (workshop technician), Chen (supervises hotline and
    workshop), Zhou (workshop supervisor), Sun (hotline supervisor only), Wang (manager)."""
    UserFactory(username="zhou", roles=["supervisor"], supervises=[unit_tree["ws"]])
    UserFactory(username="sun", roles=["supervisor"], supervises=[unit_tree["hot"]])


@pytest.fixture
def workshop_case(standard, people, agent_user, technician_user, unit_tree):
    """A P3 consultation Li opened at NOW, acknowledged and told the customer about at
    once, handed to and accepted by the workshop: only the resolve clock (168 h) runs."""
    zhang = customer(actor=agent_user, name="Zhang Wei")
    ticket = open_ticket(actor=agent_user, customer=zhang, type="consultation")
    act(ticket, agent_user, A.ACKNOWLEDGE)
    services.ticket_inform_customer(
        ticket=ticket, actor=agent_user, message="We are looking into it."
    )
    handover = services.handover_request(
        ticket=ticket, actor=agent_user, to_unit=unit_tree["ws"], reason="Diagnosis"
    )
    services.handover_accept(handover=handover, actor=technician_user)
    ticket.refresh_from_db()
    assert ticket.resolve_due_at == NOW + 168 * H
    assert (ticket.handler, ticket.unit) == (technician_user, unit_tree["ws"])
    return ticket


def sla_events(ticket) -> list[tuple[str, str | None]]:
    return list(
        TicketEvent.objects.filter(
            ticket=ticket, type__in=["sla_warning", "sla_breached", "escalated"]
        )
        .order_by("pk")
        .values_list("type", "key")
    )


def notified(kind: str) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list(
            "recipient__username", flat=True
        )
    )


def level(ticket) -> int:
    return Ticket.objects.get(pk=ticket.pk).escalation_level


# --- The SLA ladder -------------------------------------------------------------------------------


def test_sla_sweep_does_nothing_before_80_percent(workshop_case):
    assert sweep.sla_sweep(now=NOW + timedelta(hours=134, minutes=23)) == 0

    assert sla_events(workshop_case) == []
    assert level(workshop_case) == 0


def test_sla_sweep_warns_the_handler_and_first_owner_at_80_percent(workshop_case):
    # 80 % of 168 h = 134 h 24 min
    count = sweep.sla_sweep(now=NOW + timedelta(hours=134, minutes=24))

    assert count == 1
    pk = workshop_case.pk
    assert sla_events(workshop_case) == [("sla_warning", f"sla:{pk}:resolve:warning")]
    assert notified("sla_warning") == ["li", "liu"]
    assert notified("sla_breached") == []
    assert level(workshop_case) == 0


def test_sla_sweep_breaches_at_100_percent_and_alerts_the_units_supervisors(
    workshop_case,
):
    sweep.sla_sweep(now=NOW + 140 * H)

    count = sweep.sla_sweep(now=NOW + 168 * H)

    assert count == 1
    pk = workshop_case.pk
    assert sla_events(workshop_case) == [
        ("sla_warning", f"sla:{pk}:resolve:warning"),
        ("sla_breached", f"sla:{pk}:resolve:breach"),
    ]
    assert level(workshop_case) == 1
    # the workshop's supervisors (not the hotline's), with the owners
    assert notified("sla_breached") == ["chen", "li", "liu", "zhou"]
    assert notified("sla_escalated") == []
    event = TicketEvent.objects.get(key=f"sla:{pk}:resolve:breach")
    assert event.actor is None
    assert event.at == NOW + 168 * H
    assert event.data == {"clock": "resolve", "step": "breach"}


def test_sla_sweep_escalates_to_the_managers_at_200_percent(workshop_case):
    sweep.sla_sweep(now=NOW + 170 * H)

    count = sweep.sla_sweep(now=NOW + 336 * H)

    assert count == 1
    pk = workshop_case.pk
    assert sla_events(workshop_case)[-1] == ("escalated", f"sla:{pk}:resolve:manager")
    assert level(workshop_case) == 2
    assert notified("sla_escalated") == ["li", "liu", "wang"]


def test_running_the_sla_sweep_twice_records_each_step_once(workshop_case):
    later = NOW + 400 * H

    first = sweep.sla_sweep(now=later)
    notifications = Notification.objects.count()
    second = sweep.sla_sweep(now=later)

    assert (first, second) == (3, 0)
    pk = workshop_case.pk
    for step in ("warning", "breach", "manager"):
        assert TicketEvent.objects.filter(key=f"sla:{pk}:resolve:{step}").count() == 1
    assert len(sla_events(workshop_case)) == 3
    assert Notification.objects.count() == notifications
    assert level(workshop_case) == 2
    runs = JobRun.objects.filter(name="sla_sweep").order_by("pk")
    assert [(r.status, r.items) for r in runs] == [("succeeded", 3), ("succeeded", 0)]


@pytest.mark.parametrize("overdue", [2, 8])
def test_a_sla_sweep_with_nothing_new_costs_the_same_for_any_number_of_overdue_cases(
    standard, people, agent_user, overdue, django_assert_max_num_queries
):
    zhang = customer(actor=agent_user, name="Zhang Wei")
    for n in range(overdue):
        open_ticket(actor=agent_user, customer=zhang, title=f"Case {n}")
    later = NOW + 400 * H
    # Every clock of every case has passed 200 %: the first run takes all the steps.
    assert sweep.sla_sweep(now=later) > 0

    # The second run reads no case whose last step is taken (job run + 2 per clock).
    with django_assert_max_num_queries(12):
        assert sweep.sla_sweep(now=later) == 0


def test_a_clock_whose_last_step_is_recorded_is_looked_at_no_more(workshop_case):
    # given the resolve clock between breach and 200 %: not marked yet
    sweep.sla_sweep(now=NOW + 170 * H)
    workshop_case.refresh_from_db()
    assert workshop_case.resolve_steps_done is False
    # when the managers' step is recorded
    assert sweep.sla_sweep(now=NOW + 336 * H) == 1
    # then the clock is marked
    workshop_case.refresh_from_db()
    assert workshop_case.resolve_steps_done is True
    # and no later sweep reads the case for it: were its last step lost, none would
    # record it again (an unmarked clock is probed, and the step recorded anew)
    TicketEvent.objects.filter(key=f"sla:{workshop_case.pk}:resolve:manager").delete()
    assert sweep.sla_sweep(now=NOW + 500 * H) == 0
    Ticket.objects.filter(pk=workshop_case.pk).update(resolve_steps_done=False)
    assert sweep.sla_sweep(now=NOW + 500 * H) == 1


def test_a_reopening_looks_at_the_clock_again(
    clock, workshop_case, agent_user, technician_user
):
    # given a case whose resolve clock took every step, then was resolved and reopened
    ticket = workshop_case
    assert sweep.sla_sweep(now=NOW + 340 * H) == 3
    clock.move_to(NOW + 340 * H)
    Ticket.objects.filter(pk=ticket.pk).update(
        cause_code="X", liability="producer_defect"
    )
    ticket.refresh_from_db()
    act(ticket, technician_user, A.RESOLVE)
    act(ticket, None, A.AWAIT_FOLLOW_UP)
    act(Ticket.objects.get(pk=ticket.pk), agent_user, A.REOPEN, note="Still noisy")
    # then the new round's clock is not marked, and its steps come again
    ticket.refresh_from_db()
    assert ticket.resolve_steps_done is False
    # (the managers' step of the rework at twice its time from the case's opening)
    assert sweep.sla_sweep(now=NOW + 340 * H + 168 * H) == 2
    ticket.refresh_from_db()
    assert ticket.resolve_steps_done is False
    assert sweep.sla_sweep(now=NOW + 1100 * H) == 1
    ticket.refresh_from_db()
    assert ticket.resolve_steps_done is True
    keys = [key for _type, key in sla_events(ticket) if key.endswith(":r1")]
    assert keys == [
        f"sla:{ticket.pk}:resolve:{step}:r1"
        for step in ("warning", "breach", "manager")
    ]


def test_a_sla_sweep_between_breach_and_200_percent_takes_no_step_twice(
    standard, people, agent_user, django_assert_max_num_queries
):
    zhang = customer(actor=agent_user, name="Zhang Wei")
    for n in range(5):
        open_ticket(actor=agent_user, customer=zhang, title=f"Case {n}")
    breached = NOW + 30 * H  # acknowledge, first contact, on site (24 h) breached
    first = sweep.sla_sweep(now=breached)

    with django_assert_max_num_queries(12):
        second = sweep.sla_sweep(now=breached + H)

    assert first == 5 * 3 * 2  # three clocks, warning + breach each
    assert second == 0


def test_sla_sweep_skips_a_paused_case(workshop_case, technician_user):
    act(workshop_case, technician_user, A.PAUSE_CUSTOMER)

    assert sweep.sla_sweep(now=NOW + 400 * H) == 0

    assert sla_events(workshop_case) == []
    assert level(workshop_case) == 0
    (run,) = JobRun.objects.filter(name="sla_sweep")
    assert (run.status, run.items) == ("succeeded", 0)


def test_sla_sweep_skips_a_met_clock(clock, standard, people, agent_user):
    # given: acknowledged at once, the customer never called (both 24 h clocks)
    zhang = customer(actor=agent_user, name="Zhang Wei")
    ticket = open_ticket(actor=agent_user, customer=zhang, type="consultation")
    act(ticket, agent_user, A.ACKNOWLEDGE)

    sweep.sla_sweep(now=NOW + 25 * H)

    pk = ticket.pk
    assert sla_events(ticket) == [
        ("sla_warning", f"sla:{pk}:first_contact:warning"),
        ("sla_breached", f"sla:{pk}:first_contact:breach"),
    ]
    assert level(ticket) == 1


def test_sla_sweep_skips_closed_and_no_sla_cases(clock, standard, people, agent_user):
    zhang = customer(actor=agent_user, name="Zhang Wei")
    no_sla = open_ticket(actor=agent_user, customer=zhang, has_sla=False)
    cancelled = open_ticket(actor=agent_user, customer=zhang)
    act(cancelled, agent_user, A.CANCEL, note="Duplicate call.")

    assert sweep.sla_sweep(now=NOW + 400 * H) == 0

    assert TicketEvent.objects.filter(key__startswith="sla:").count() == 0
    assert (level(no_sla), level(cancelled)) == (0, 0)


# --- At scale: a bounded number of queries, the same results as the service path -----------------


def copies(ticket: Ticket, count: int, *, first: int) -> list[int]:
    """`count` rows identical to `ticket` (clocks, owners, unit, standard) but their number,
    bulk-inserted: the service path would take minutes for a thousand cases."""
    row = Ticket.objects.filter(pk=ticket.pk).values()[0]
    del row["id"], row["number"]
    numbers = [f"BULK-{first + n:06d}" for n in range(count)]
    Ticket.objects.bulk_create(Ticket(**row, number=number) for number in numbers)
    return list(Ticket.objects.filter(number__in=numbers).values_list("pk", flat=True))


def outcomes(ticket_ids) -> dict[int, tuple]:
    """Per case: its SLA events (type, key and data, the case's id as #), the people
    notified of each (kind, username, title with the case's number as #), its level."""
    tickets = dict(Ticket.objects.filter(pk__in=ticket_ids).values_list("pk", "number"))
    events: dict[int, list] = {pk: [] for pk in tickets}
    for ticket_id, type_, key, data in TicketEvent.objects.filter(
        ticket_id__in=ticket_ids, key__startswith="sla:"
    ).values_list("ticket_id", "type", "key", "data"):
        events[ticket_id].append((type_, key.replace(f":{ticket_id}:", ":#:"), data))
    alerts: dict[int, list] = {pk: [] for pk in tickets}
    for key, kind, username, title in Notification.objects.filter(
        key__startswith="sla:"
    ).values_list("key", "kind", "recipient__username", "title"):
        ticket_id = int(key.split(":")[1])
        if ticket_id in alerts:
            number = tickets[ticket_id]
            alerts[ticket_id].append((kind, username, title.replace(number, "#")))
    levels = dict(
        Ticket.objects.filter(pk__in=ticket_ids).values_list("pk", "escalation_level")
    )
    return {pk: (sorted(events[pk]), sorted(alerts[pk]), levels[pk]) for pk in tickets}


def test_a_sla_sweep_of_1000_due_cases_costs_the_queries_of_10_and_acts_as_for_one(
    clock, standard, people, agent_user
):
    # given: a consultation opened through the services, and copies of it
    zhang = customer(actor=agent_user, name="Zhang Wei")
    model = open_ticket(actor=agent_user, customer=zhang, type="consultation")
    at = NOW + 30 * H  # acknowledge and first contact (24 h) warned and breached
    copies(model, 9, first=0)

    with CaptureQueriesContext(connection) as ten:
        assert sweep.sla_sweep(now=at) == 10 * 4

    thousand_ids = set(copies(model, 1000, first=9))
    with CaptureQueriesContext(connection) as thousand:
        assert sweep.sla_sweep(now=at) == 1000 * 4

    # then: the same statements for 10 and for 1,000 (none per case)
    assert len(thousand) == len(ten)
    # the job run (2), the ids of the due cases of each clock (4), and for each of the
    # two due clocks one batch: its savepoint (2, as the test runs in a transaction), its
    # cases, the events, the levels, the supervisors, the people, the notifications and
    # their e-mails (7); on PostgreSQL the parallel workers' setting set and reset (2)
    assert len(ten) == 2 + SERIAL + 4 + 2 * (2 + 7)
    # and every copy got exactly what the service-made case got
    every = outcomes(thousand_ids | {model.pk})
    expected = every.pop(model.pk)
    assert expected[0] == [
        (f"sla_{kind}", f"sla:#:{clock}:{step}", {"clock": clock, "step": step})
        for kind, step in [("breached", "breach"), ("warning", "warning")]
        for clock in ("acknowledge", "first_contact")
    ]
    # the owner is warned; the owner and the hotline's supervisors are told of the
    # breach: one notification per person and case, showing its latest step
    assert [(kind, who) for kind, who, _title in expected[1]] == [
        ("sla_breached", "chen"), ("sla_breached", "li"), ("sla_breached", "sun"),
    ]  # fmt: skip
    assert ("sla_breached", "li", "#: the first contact time is breached") in expected[
        1
    ]
    assert expected[2] == 1
    assert all(outcome == expected for outcome in every.values())
    # one e-mail copy per breach notification (warnings stay in the app)
    assert OutboxMessage.objects.count() == 1010 * 6
    assert TicketEvent.objects.filter(key__startswith="sla:").count() == 1010 * 4

    # and a minute later nothing is read again
    with CaptureQueriesContext(connection) as idle:
        assert sweep.sla_sweep(now=at + timedelta(minutes=1)) == 0
    assert len(idle) == 2 + SERIAL + 4


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_sweeps_e_mails_are_the_ones_notify_writes(workshop_case, language):
    User.objects.filter(username="chen").update(language=language)
    sweep.sla_sweep(now=NOW + 168 * H)
    chen = User.objects.get(username="chen")
    swept = Notification.objects.get(key=f"sla:{workshop_case.pk}:{chen.pk}")
    step = f"sla:{workshop_case.pk}:resolve:breach:{chen.pk}"
    by_sweep = OutboxMessage.objects.get(key=f"notification:{step}")

    by_notify = notify(
        recipient=chen,
        kind="sla_breached",
        key="compare",
        title=sweep.STEP_TITLE["breach"],
        title_params={"number": workshop_case.number, "clock": CLOCK_LABELS["resolve"]},
        url=workshop_case.get_absolute_url(),
        email=True,
    )

    assert swept.title == by_notify.title
    expected = OutboxMessage.objects.get(key=f"notification:{by_notify.pk}")
    assert (by_sweep.to, by_sweep.subject, by_sweep.body) == (
        expected.to,
        expected.subject,
        expected.body,
    )
    assert workshop_case.number in by_sweep.body


def test_the_sla_sweep_works_in_batches(
    clock, standard, people, agent_user, monkeypatch
):
    zhang = customer(actor=agent_user, name="Zhang Wei")
    model = open_ticket(actor=agent_user, customer=zhang, type="consultation")
    ids = {*copies(model, 24, first=0), model.pk}
    monkeypatch.setattr(sweep, "SWEEP_BATCH", 10)

    assert sweep.sla_sweep(now=NOW + 30 * H) == 25 * 4

    every = outcomes(ids)
    assert len({repr(outcome) for outcome in every.values()}) == 1
    assert len(every[model.pk][1]) == 3  # one per person: li, and two supervisors


# --- The handover sweep ---------------------------------------------------------------------------


@pytest.fixture
def pending_handover(standard, people, agent_user, unit_tree):
    zhang = customer(actor=agent_user, name="Zhang Wei")
    ticket = open_ticket(actor=agent_user, customer=zhang)
    handover = services.handover_request(
        ticket=ticket, actor=agent_user, to_unit=unit_tree["ws"], reason="Diagnosis"
    )
    assert handover.accept_due_at == NOW + 4 * H
    return handover


def test_handover_sweep_leaves_a_handover_that_is_not_yet_due(pending_handover):
    assert sweep.handover_sweep(now=NOW + 4 * H) == 0

    pending_handover.refresh_from_db()
    assert pending_handover.status == Handover.Status.REQUESTED
    assert notified("handover_expired") == []
    (run,) = JobRun.objects.filter(name="handover_sweep")
    assert (run.status, run.items) == ("succeeded", 0)


def test_handover_sweep_expires_an_overdue_handover_once_and_alerts_the_receivers(
    pending_handover,
):
    later = NOW + 5 * H

    first = sweep.handover_sweep(now=later)
    second = sweep.handover_sweep(now=later + H)

    assert (first, second) == (1, 0)
    pending_handover.refresh_from_db()
    assert pending_handover.status == Handover.Status.EXPIRED
    assert pending_handover.decided_at == later
    assert pending_handover.decided_by is None
    (event,) = TicketEvent.objects.filter(type="escalated")
    assert event.key == f"handover-expired:{pending_handover.pk}"
    assert event.ticket_id == pending_handover.ticket_id
    assert event.at == later
    assert event.data == {"handover": pending_handover.pk, "step": "handover_expired"}
    # the workshop's supervisors and the first owner, once each
    assert notified("handover_expired") == ["chen", "li", "zhou"]
    runs = JobRun.objects.filter(name="handover_sweep").order_by("pk")
    assert [(r.status, r.items) for r in runs] == [("succeeded", 1), ("succeeded", 0)]


def test_handover_sweep_ignores_decided_handovers(pending_handover, technician_user):
    services.handover_accept(handover=pending_handover, actor=technician_user)

    assert sweep.handover_sweep(now=NOW + 10 * H) == 0

    assert Handover.objects.get(pk=pending_handover.pk).status == "accepted"
    assert notified("handover_expired") == []


def test_a_handover_sweep_costs_the_same_queries_for_2_and_12_handovers(
    standard, people, agent_user, technician_user, unit_tree
):
    zhang = customer(actor=agent_user, name="Zhang Wei")

    def handovers(count: int, *, commitment: bool) -> None:
        for n in range(count):
            ticket = open_ticket(actor=agent_user, customer=zhang, title=f"Case {n}")
            handover = services.handover_request(
                ticket=ticket, actor=agent_user, to_unit=unit_tree["ws"],
                reason="Diagnosis", commitment="diagnose in 48 h", commitment_hours=48,
            )  # fmt: skip
            if commitment:
                services.handover_accept(handover=handover, actor=technician_user)

    handovers(2, commitment=False)
    handovers(2, commitment=True)
    with CaptureQueriesContext(connection) as few:
        assert sweep.handover_sweep(now=NOW + 49 * H) == 4
    handovers(12, commitment=False)
    handovers(12, commitment=True)
    with CaptureQueriesContext(connection) as more:
        assert sweep.handover_sweep(now=NOW + 49 * H) == 24

    assert len(more) == len(few)
    assert Notification.objects.filter(kind="handover_expired").count() == 14 * 3
    assert Notification.objects.filter(kind="commitment_missed").count() == 14 * 3


def test_an_expired_handover_frees_the_case_for_a_new_one(pending_handover, agent_user):
    parts = UnitFactory(code="parts", name="Parts")
    sweep.handover_sweep(now=NOW + 5 * H)
    ticket = Ticket.objects.get(pk=pending_handover.ticket_id)

    again = services.handover_request(
        ticket=ticket, actor=agent_user, to_unit=parts, reason="Try parts"
    )

    assert again.status == Handover.Status.REQUESTED
    assert Handover.objects.filter(ticket=ticket).count() == 2


# --- Real concurrency (PostgreSQL) ----------------------------------------------------------------


def run_in_threads(*targets) -> list[BaseException | object]:
    """Run each callable in its own thread (own DB connection), released together;
    returns each one's result or exception."""
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)

    def runner(index, target):
        try:
            barrier.wait(timeout=10)
            results[index] = target()
        except BaseException as exc:  # noqa: BLE001  # reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sla_sweeps_record_each_step_exactly_once(unit_tree):
    # given: a case 400 h old (warning, breach and manager steps all due)
    standard_services.legal_rule_sets_seed()
    agent = UserFactory(username="li", roles=["agent"], units=[unit_tree["hot"]])
    manager = UserFactory(username="wang", roles=["manager"], units=[unit_tree["co"]])
    author = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    UserFactory(username="zhou", roles=["supervisor"], supervises=[unit_tree["hot"]])
    with time_machine.travel(NOW, tick=False):
        service_standard(author=author, approver=manager, owner_unit=unit_tree["co"])
        zhang = customer(actor=agent, name="Zhang Wei")
        ticket = open_ticket(actor=agent, customer=zhang, type="consultation")
    later = NOW + 400 * H

    # when
    results = run_in_threads(
        lambda: sweep.sla_sweep(now=later), lambda: sweep.sla_sweep(now=later)
    )

    # then
    for result in results:
        if isinstance(result, BaseException):
            raise result
    assert (
        sum(results) == 9
    )  # 3 clocks (no on-site clock) × 3 steps, split between the two
    for clock in ("acknowledge", "first_contact", "resolve"):
        for step in ("warning", "breach", "manager"):
            key = f"sla:{ticket.pk}:{clock}:{step}"
            assert TicketEvent.objects.filter(key=key).count() == 1, key
    assert TicketEvent.objects.filter(key__startswith="sla:").count() == 9
    assert Ticket.objects.get(pk=ticket.pk).escalation_level == 2
    assert (
        Notification.objects.filter(
            kind="sla_breached", recipient__username="zhou"
        ).count()
        == 1  # the case's one notification to zhou (three clocks breached)
    )
    assert JobRun.objects.filter(name="sla_sweep", status="succeeded").count() == 2


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sla_sweeps_over_many_cases_in_batches_alert_exactly_once(
    unit_tree, monkeypatch
):
    # given: 300 cases 30 h old (acknowledge and first contact warned and breached), swept
    # in batches of 40 so that the two sweeps race batch by batch
    standard_services.legal_rule_sets_seed()
    agent = UserFactory(username="li", roles=["agent"], units=[unit_tree["hot"]])
    manager = UserFactory(username="wang", roles=["manager"], units=[unit_tree["co"]])
    author = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    UserFactory(username="zhou", roles=["supervisor"], supervises=[unit_tree["hot"]])
    with time_machine.travel(NOW, tick=False):
        service_standard(author=author, approver=manager, owner_unit=unit_tree["co"])
        zhang = customer(actor=agent, name="Zhang Wei")
        model = open_ticket(actor=agent, customer=zhang, type="consultation")
        ids = {*copies(model, 299, first=0), model.pk}
    monkeypatch.setattr(sweep, "SWEEP_BATCH", 40)
    later = NOW + 30 * H

    # when
    results = run_in_threads(
        lambda: sweep.sla_sweep(now=later), lambda: sweep.sla_sweep(now=later)
    )

    # then: every step once, recorded by one of the two, and alerted once
    for result in results:
        if isinstance(result, BaseException):
            raise result
    assert sum(results) == 300 * 4
    assert TicketEvent.objects.filter(key__startswith="sla:").count() == 300 * 4
    # one notification per case and person (li, zhou), whatever the steps and clocks
    assert Notification.objects.filter(key__startswith="sla:").count() == 300 * 2
    assert OutboxMessage.objects.count() == 300 * 4
    every = outcomes(ids)
    assert len({repr(outcome) for outcome in every.values()}) == 1
    assert set(Ticket.objects.values_list("escalation_level", flat=True)) == {1}
    assert JobRun.objects.filter(name="sla_sweep", status="succeeded").count() == 2


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_handover_sweeps_expire_each_handover_exactly_once(unit_tree):
    # given: 12 handovers to the workshop, none accepted in its 4 hours
    standard_services.legal_rule_sets_seed()
    agent = UserFactory(username="li", roles=["agent"], units=[unit_tree["hot"]])
    manager = UserFactory(username="wang", roles=["manager"], units=[unit_tree["co"]])
    author = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    UserFactory(username="zhou", roles=["supervisor"], supervises=[unit_tree["ws"]])
    with time_machine.travel(NOW, tick=False):
        service_standard(author=author, approver=manager, owner_unit=unit_tree["co"])
        zhang = customer(actor=agent, name="Zhang Wei")
        for n in range(12):
            ticket = open_ticket(actor=agent, customer=zhang, title=f"Case {n}")
            services.handover_request(
                ticket=ticket, actor=agent, to_unit=unit_tree["ws"], reason="Diagnosis"
            )
    later = NOW + 5 * H

    # when
    results = run_in_threads(
        lambda: sweep.handover_sweep(now=later), lambda: sweep.handover_sweep(now=later)
    )

    # then
    for result in results:
        if isinstance(result, BaseException):
            raise result
    assert sum(results) == 12
    assert set(Handover.objects.values_list("status", flat=True)) == {"expired"}
    assert TicketEvent.objects.filter(key__startswith="handover-expired:").count() == 12
    assert set(
        Notification.objects.filter(kind="handover_expired").values_list(
            "recipient__username", flat=True
        )
    ) == {"li", "zhou"}
    assert Notification.objects.filter(kind="handover_expired").count() == 12 * 2


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_two_people_firing_the_same_transition_at_once_move_the_case_once(unit_tree):
    # given
    standard_services.legal_rule_sets_seed()
    li = UserFactory(username="li", roles=["agent"], units=[unit_tree["hot"]])
    ma = UserFactory(username="ma", roles=["agent"], units=[unit_tree["hot"]])
    zhang = customer(actor=li, name="Zhang Wei")
    ticket = open_ticket(actor=li, customer=zhang)
    copies = [Ticket.objects.get(pk=ticket.pk) for _ in range(2)]
    actors = [User.objects.get(pk=li.pk), User.objects.get(pk=ma.pk)]

    # when
    results = run_in_threads(
        *(
            lambda c=c, a=a: services.ticket_transition(
                ticket=c, action=A.ACKNOWLEDGE, actor=a
            )
            for c, a in zip(copies, actors, strict=True)
        )
    )

    # then
    succeeded = [r for r in results if isinstance(r, Ticket)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(succeeded) == 1
    assert len(refused) == 1
    assert isinstance(refused[0], StaleObject | InvalidTransition)
    ticket.refresh_from_db()
    assert ticket.status == S.ACKNOWLEDGED
    changes = TicketEvent.objects.filter(ticket=ticket, type="status_changed")
    assert changes.count() == 1
    assert (
        changes.get().actor_id
        == succeeded[0].events.get(type="status_changed").actor_id
    )


# --- Commitments and reopened rework ----------------------------------------------------------


def test_a_missed_commitment_alerts_the_first_owner_and_the_workshop_supervisor_once(
    clock, standard, people, agent_user, technician_user, unit_tree
):
    """A01: the workshop accepted "diagnose in 48 h"; when 48 h pass without a result, Li
    (first owner) and the workshop's supervisors are alerted and the miss names the
    workshop."""
    zhang = customer(actor=agent_user, name="Zhang Wei")
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair")
    act(ticket, agent_user, A.ACKNOWLEDGE)
    handover = services.handover_request(
        ticket=ticket, actor=agent_user, to_unit=unit_tree["ws"], reason="Noise",
        commitment="diagnose in 48 h", commitment_hours=48,
    )  # fmt: skip
    services.handover_accept(handover=handover, actor=technician_user)

    assert sweep.handover_sweep(now=NOW + 47 * H) == 0
    assert sweep.handover_sweep(now=NOW + 49 * H) == 1
    assert sweep.handover_sweep(now=NOW + 50 * H) == 0

    event = TicketEvent.objects.get(key=f"commitment-missed:{handover.pk}")
    assert event.data["step"] == "commitment_missed"
    assert event.data["unit"] == unit_tree["ws"].pk
    assert notified("commitment_missed") == ["chen", "li", "zhou"]


def test_a_reopened_case_returns_to_the_first_owner_with_a_fresh_resolve_clock(
    clock, workshop_case, agent_user, technician_user, unit_tree
):
    """Rework after a dissatisfied follow-up: handler and unit back to Li's, the resolve
    clock restarts from the reopening, and its escalation steps happen again."""
    ticket = workshop_case
    Ticket.objects.filter(pk=ticket.pk).update(
        cause_code="X", liability="producer_defect"
    )
    ticket.refresh_from_db()
    act(ticket, technician_user, A.RESOLVE)
    act(ticket, None, A.AWAIT_FOLLOW_UP)
    assert sweep.sla_sweep(now=NOW + 150 * H) == 0  # resolved: the clock was met
    clock.move_to(NOW + 160 * H)
    ticket = Ticket.objects.get(pk=ticket.pk)
    act(ticket, agent_user, A.REOPEN, note="Still noisy")

    ticket.refresh_from_db()
    assert (ticket.handler, ticket.unit) == (agent_user, unit_tree["hot"])
    assert ticket.resolved_at is None
    assert ticket.resolve_due_at == NOW + 160 * H + 168 * H
    sweep.sla_sweep(now=NOW + 160 * H + 140 * H)
    assert sla_events(ticket) == [
        ("sla_warning", f"sla:{ticket.pk}:resolve:warning:r1")
    ]


# --- A case's SLA alerts: one notification per person, updated; e-mail by choice --------


def test_a_cases_sla_alerts_are_one_notification_updated_and_unread_again(
    workshop_case, clock
):
    sweep.sla_sweep(now=NOW + 140 * H)
    liu = User.objects.get(username="liu")
    [warned] = Notification.objects.filter(recipient=liu, key__startswith="sla:")
    assert warned.kind == "sla_warning"
    assert "80% used" in warned.title
    mark_read(user=liu)
    # the breach updates the same notification, and it is unread again, on top
    clock.move_to(NOW + 168 * H)
    sweep.sla_sweep(now=NOW + 168 * H)
    [breached] = Notification.objects.filter(recipient=liu, key__startswith="sla:")
    assert breached.pk == warned.pk
    assert breached.kind == "sla_breached"
    assert breached.title == f"{workshop_case.number}: the resolution time is breached"
    assert breached.read_at is None
    assert breached.created_at == NOW + 168 * H
    assert Notification.objects.filter(recipient=liu).first() == breached
    # each step still sends its own e-mail copy where the kind sends one (not warnings)
    assert not OutboxMessage.objects.filter(to=liu.email, subject__contains="80%")
    assert OutboxMessage.objects.filter(
        key=f"notification:sla:{workshop_case.pk}:resolve:breach:{liu.pk}"
    ).exists()


def test_each_person_chooses_per_kind_whether_an_email_comes_too(workshop_case):
    li, liu = User.objects.get(username="li"), User.objects.get(username="liu")
    notification_email_set(user=li, kinds=["sla_warning"])  # warnings yes, breaches no
    sweep.sla_sweep(now=NOW + 168 * H)
    to = set(OutboxMessage.objects.values_list("to", "key"))
    pk = workshop_case.pk
    assert (li.email, f"notification:sla:{pk}:resolve:warning:{li.pk}") in to
    assert (li.email, f"notification:sla:{pk}:resolve:breach:{li.pk}") not in to
    # liu kept the defaults: the breach by e-mail, the warning not
    assert (liu.email, f"notification:sla:{pk}:resolve:breach:{liu.pk}") in to
    assert (liu.email, f"notification:sla:{pk}:resolve:warning:{liu.pk}") not in to
    # and a single notify() follows the same choice
    notify(recipient=li, kind="sla_breached", key="x", title="Breach", email=True)
    assert not OutboxMessage.objects.filter(key__startswith="notification:", to=li.email,
                                            subject__contains="Breach")  # fmt: skip


def test_an_unknown_kind_is_refused_and_the_choice_kept(workshop_case):
    li = User.objects.get(username="li")
    notification_email_set(user=li, kinds=["sla_warning"])
    with pytest.raises(ValidationError):
        notification_email_set(user=li, kinds=["sla_warning", "nonsense"])
    li.refresh_from_db()
    assert li.notification_email["sla_warning"] is True
