"""The daily legal-clock sweep (tickets/repairs/services.py `legal_clock_sweep`; domain §4
and §9): closing 7-day return, 15-day exchange and no-reason-return windows are warned once
per case and window; open repairs that pass the repairer-fault (30 days), parts (90 days)
and vehicle limits (single repair over 5 days, cumulative over 30 days) upgrade the
entitlement once; set-based (the query count does not grow with the open cases) and
idempotent (a second run the same day touches nothing)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.models import JobRun, Notification
from tests.aftersales.factories import UserFactory
from tests.customers.factories import customer, product, product_model
from tests.tickets.factories import act, service_standard
from tests.tickets.test_repairs import fresh, household_product, repair_case
from tickets.cases import services as case_services
from tickets.entitlement import EXCHANGE, NO_REASON_RETURN, REPAIR, RETURN, SPARE_CAR
from tickets.models import TicketEvent
from tickets.repairs import services as repair_services
from tickets.workflow import TicketAction

pytestmark = pytest.mark.django_db

A = TicketAction
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 6, 30, tzinfo=SHANGHAI)  # the beat runs at 06:30
TODAY = NOW.date()
DAY = timedelta(days=1)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def standard(clock, unit_tree, manager_user):
    author = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    return service_standard(
        author=author, approver=manager_user, owner_unit=unit_tree["co"]
    )


@pytest.fixture
def zhang(standard, agent_user):
    return customer(actor=agent_user, name="Zhang Wei", phones=["13800138000"])


def sweep(clock, *, days: int = 0) -> int:
    clock.move_to(NOW + days * DAY)
    return repair_services.legal_clock_sweep(now=timezone.now())


def deadline_keys() -> list[str]:
    return sorted(
        TicketEvent.objects.filter(type="legal_deadline").values_list("key", flat=True)
    )


def notified(kind: str) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list(
            "recipient__username", flat=True
        )
    )


def case_of(zhang, agent_user, *, delivered_days_ago: int, serial: str, **fields):
    item = household_product(
        actor=agent_user, owner=zhang, delivered=TODAY - delivered_days_ago * DAY,
        serial=serial, **fields,
    )  # fmt: skip
    return repair_case(actor=agent_user, owner=zhang, item=item)


def handed_to(ticket, agent_user, technician_user):
    handover = case_services.handover_request(
        ticket=ticket, actor=agent_user, to_unit=technician_user.units.get(),
        to_user=technician_user, reason="Workshop repair",
    )  # fmt: skip
    case_services.handover_accept(handover=handover, actor=technician_user)
    return fresh(ticket)


# --- Closing windows -------------------------------------------------------------------------


def test_the_return_window_closing_within_two_days_is_warned_once(
    clock, zhang, agent_user, technician_user
):
    # delivered 6 days ago: the 7-day window's last day is tomorrow
    ticket = case_of(zhang, agent_user, delivered_days_ago=6, serial="TV1")
    assert ticket.entitlement["options"] == [RETURN, EXCHANGE, REPAIR]
    ticket = handed_to(ticket, agent_user, technician_user)

    assert sweep(clock) == 1
    assert sweep(clock) == 0

    assert deadline_keys() == [f"legal-window:{ticket.pk}:return"]
    event = TicketEvent.objects.get(type="legal_deadline")
    assert event.data["last_day"] == (TODAY + DAY).isoformat()
    assert event.actor is None
    assert notified("legal_window") == ["li", "liu"]  # first owner and handler
    run = JobRun.objects.filter(name="legal_clock_sweep").order_by("pk")
    assert list(run.values_list("items", flat=True)) == [1, 0]


def test_the_exchange_window_is_warned_when_it_closes(clock, zhang, agent_user):
    ticket = case_of(zhang, agent_user, delivered_days_ago=3, serial="TV1")

    assert sweep(clock) == 0  # return closes in 4 days, exchange in 12
    assert sweep(clock, days=2) == 1  # return: last day in 2 days
    assert sweep(clock, days=3) == 0
    assert sweep(clock, days=10) == 1  # exchange: last day in 2 days
    assert sweep(clock, days=12) == 0

    assert deadline_keys() == [
        f"legal-window:{ticket.pk}:exchange",
        f"legal-window:{ticket.pk}:return",
    ]


def test_a_window_three_days_away_is_not_yet_warned(clock, zhang, agent_user):
    case_of(zhang, agent_user, delivered_days_ago=4, serial="TV1")

    assert sweep(clock) == 0
    assert deadline_keys() == []


def test_no_warning_for_a_closed_case_an_agreed_offer_or_a_remedy_not_owed(
    clock, zhang, agent_user
):
    cancelled = case_of(zhang, agent_user, delivered_days_ago=6, serial="TV1")
    act(cancelled, agent_user, A.CANCEL, note="Withdrawn")
    agreed = case_of(zhang, agent_user, delivered_days_ago=6, serial="TV2")
    repair_services.offer_make(ticket=agreed, actor=agent_user, option=RETURN)
    item = household_product(
        actor=agent_user, owner=zhang, delivered=TODAY - 6 * DAY, serial="TV3"
    )
    from tests.tickets.factories import open_ticket

    question = open_ticket(
        actor=agent_user, customer=zhang, type="consultation", product=item
    )
    assert RETURN not in question.entitlement["options"]

    assert sweep(clock) == 0
    assert deadline_keys() == []


def test_the_no_reason_return_window_of_a_distance_sale(clock, zhang, agent_user):
    ticket = case_of(
        zhang, agent_user, delivered_days_ago=5, serial="PC1", category="computer",
        is_distance_sale=True,
    )  # fmt: skip
    assert NO_REASON_RETURN in ticket.entitlement["options"]

    assert sweep(clock) == 1

    assert deadline_keys() == [
        f"legal-window:{ticket.pk}:no_reason_return",
        f"legal-window:{ticket.pk}:return",
    ]


# --- Repair limits ---------------------------------------------------------------------------


def test_a_repair_delayed_by_the_repairer_past_30_days_upgrades_the_entitlement(
    clock, zhang, agent_user, technician_user
):
    ticket = case_of(zhang, agent_user, delivered_days_ago=60, serial="TV1")
    repair = repair_services.repair_record(
        ticket=ticket, actor=agent_user, started_on=TODAY - 2 * DAY,
        repairer_fault=True,
    )  # fmt: skip
    ticket = handed_to(fresh(ticket), agent_user, technician_user)
    assert ticket.entitlement["options"] == [REPAIR]

    assert sweep(clock, days=28) == 0  # 30 days in repair: not over the limit
    assert sweep(clock, days=29) == 1  # 31 days
    assert sweep(clock, days=29) == 0

    snapshot = fresh(ticket).entitlement
    assert snapshot["options"] == [EXCHANGE, REPAIR]
    assert snapshot["exchange_cost_on_repairer"] is True
    assert deadline_keys() == [f"repair-limit:{repair.pk}:repairer_fault"]
    changed = TicketEvent.objects.get(type="entitlement_changed")
    assert changed.key == f"entitlement-limit:{repair.pk}:repairer_fault"
    assert changed.data["old_options"] == [REPAIR]
    assert changed.data["new_options"] == [EXCHANGE, REPAIR]
    assert notified("repair_limit") == ["li", "liu"]
    assert notified("entitlement_changed") == ["li"]


def test_the_sweeps_recompute_counts_repair_days_to_its_own_now(
    clock, zhang, agent_user, technician_user
):
    """A sweep replayed for a later day (clock left where it is) upgrades as of that
    day, not as of the wall clock."""
    ticket = case_of(zhang, agent_user, delivered_days_ago=60, serial="TV1")
    repair_services.repair_record(
        ticket=ticket, actor=agent_user, started_on=TODAY - 2 * DAY,
        repairer_fault=True,
    )  # fmt: skip
    ticket = handed_to(fresh(ticket), agent_user, technician_user)

    assert repair_services.legal_clock_sweep(now=NOW + 29 * DAY) == 1

    assert fresh(ticket).entitlement["options"] == [EXCHANGE, REPAIR]


def test_waiting_for_parts_over_90_days_upgrades_the_entitlement(
    clock, zhang, agent_user
):
    ticket = case_of(zhang, agent_user, delivered_days_ago=60, serial="TV1")
    repair = repair_services.repair_record(
        ticket=ticket, actor=agent_user, started_on=TODAY - DAY
    )
    case_services.ticket_pause(ticket=fresh(ticket), actor=agent_user, reason="parts")

    assert sweep(clock, days=89) == 0  # 90 days since hand-in
    assert sweep(clock, days=90) == 1

    assert fresh(ticket).entitlement["options"] == [EXCHANGE, REPAIR]
    assert deadline_keys() == [f"repair-limit:{repair.pk}:parts_wait"]
    assert sweep(clock, days=91) == 0


def test_a_long_repair_not_waiting_for_parts_nor_delayed_by_the_repairer_is_left(
    clock, zhang, agent_user
):
    ticket = case_of(zhang, agent_user, delivered_days_ago=60, serial="TV1")
    repair_services.repair_record(
        ticket=ticket, actor=agent_user, started_on=TODAY - DAY
    )

    assert sweep(clock, days=120) == 0
    assert fresh(ticket).entitlement["options"] == [REPAIR]
    assert deadline_keys() == []


@pytest.fixture
def car_case(zhang, agent_user):
    """A car delivered 100 days ago (past the 60-day window): owed a repair."""
    delivered = TODAY - 100 * DAY
    car = product(
        actor=agent_user, owner=zhang,
        model=product_model(actor=agent_user, code="CAR-1", category="vehicle"),
        serial="VIN1", sale_date=delivered, delivery_date=delivered,
        invoice_price=Decimal("150000.00"),
    )  # fmt: skip
    ticket = repair_case(actor=agent_user, owner=zhang, item=car)
    assert ticket.entitlement["options"] == [REPAIR]
    return ticket


def test_vehicle_cumulative_and_single_repair_limits(clock, car_case, agent_user):
    repair_services.repair_record(
        ticket=car_case, actor=agent_user, started_on=TODAY - 40 * DAY,
        ended_on=TODAY - 12 * DAY, outcome="fixed",
    )  # fmt: skip
    current = repair_services.repair_record(
        ticket=fresh(car_case), actor=agent_user, started_on=TODAY - DAY
    )
    assert fresh(car_case).entitlement["options"] == [REPAIR]  # 28 + 1 days

    assert sweep(clock, days=1) == 0  # 28 + 2 = 30 days: not over
    assert sweep(clock, days=2) == 1  # 31 days in repair within validity
    assert fresh(car_case).entitlement["options"] == [RETURN, EXCHANGE, REPAIR]
    assert sweep(clock, days=4) == 0  # this repair: 5 days
    assert sweep(clock, days=5) == 1  # 6 days: spare car

    assert fresh(car_case).entitlement["options"] == [
        RETURN, EXCHANGE, REPAIR, SPARE_CAR,
    ]  # fmt: skip
    assert deadline_keys() == [
        f"repair-limit:{current.pk}:cumulative",
        f"repair-limit:{current.pk}:spare_car",
    ]
    assert TicketEvent.objects.filter(type="entitlement_changed").count() == 2
    assert sweep(clock, days=6) == 0


def test_closed_cases_are_not_swept(clock, zhang, agent_user):
    ticket = case_of(zhang, agent_user, delivered_days_ago=60, serial="TV1")
    repair_services.repair_record(
        ticket=ticket, actor=agent_user, started_on=TODAY - DAY, repairer_fault=True
    )
    act(fresh(ticket), agent_user, A.CANCEL, note="Withdrawn")

    assert sweep(clock, days=40) == 0
    assert deadline_keys() == []


# --- Set-based -------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_the_open_cases(clock, zhang, agent_user):
    def open_cases(count: int, start: int) -> None:
        for n in range(start, start + count):
            ticket = case_of(zhang, agent_user, delivered_days_ago=60, serial=f"TV{n}")
            repair_services.repair_record(
                ticket=ticket, actor=agent_user, started_on=TODAY - DAY,
                repairer_fault=n % 2 == 0,
            )  # fmt: skip

    open_cases(1, 0)
    with CaptureQueriesContext(connection) as one:
        assert repair_services.legal_clock_sweep(now=timezone.now()) == 0
    open_cases(6, 1)

    with CaptureQueriesContext(connection) as seven:
        assert repair_services.legal_clock_sweep(now=timezone.now()) == 0

    assert len(seven) == len(one)


def test_the_management_command_runs_the_legal_sweep(clock, zhang, agent_user, capsys):
    case_of(zhang, agent_user, delivered_days_ago=6, serial="TV1")

    call_command("ticket_sweeps", only="legal")

    assert "legal_clock_sweep: 1 case(s)" in capsys.readouterr().out
