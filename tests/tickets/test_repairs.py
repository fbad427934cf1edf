"""Repairs, field visits and offers (tickets/repairs/services.py; domain §4 entitlement
rules, §6 "Repairs and visits", "Entitlement engine"): repair records and their validation,
the product's repair history feeding the entitlement (two failed repairs, the 30-day
repairer-fault and 90-day parts limits), validity extension, visits with the pinned
standard's conduct checklist and the on-site stamp, offers below the entitlement and who may
decide them; the API (`/api/v1/tickets/{id}/repairs/`, `/visits/`, `/offers/` and their
commands) and the case page's repairs panel.

Days are counted as the engine counts them: the hand-in day is day 0."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains, assertNotContains
from rest_framework.test import APIClient

from aftersales.exceptions import ActionForbidden, InvalidTransition, StaleObject
from aftersales.models import Notification
from customers.models import ValidityEvent
from standards.parameters import DEFAULT_CONDUCT_CHECKLIST
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer, product, product_model
from tests.tickets.factories import act, open_ticket, service_standard
from tickets.cases import services as case_services
from tickets.entitlement import EXCHANGE, PAID_REPAIR, REPAIR, RETURN
from tickets.models import FieldVisit, Offer, Repair, Ticket, TicketEvent
from tickets.repairs import services as repair_services
from tickets.repairs.selectors import repair_history_facts
from tickets.workflow import TicketAction, TicketStatus

pytestmark = pytest.mark.django_db

A = TicketAction
S = TicketStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
API = "/api/v1"
ALL_DONE = dict.fromkeys(DEFAULT_CONDUCT_CHECKLIST, True)


# --- Builders (also used by test_legal_sweep.py) ---------------------------------------------


def household_product(
    *, actor, owner, delivered: date, serial: str, category="tv", **fields
):
    """A product delivered (validity start) on `delivered`, 12-month whole-unit period."""
    return product(
        actor=actor,
        owner=owner,
        model=product_model(actor=actor, code=f"M-{serial}", category=category),
        serial=serial,
        sale_date=delivered,
        delivery_date=delivered,
        invoice_price=Decimal("3999.00"),
        price_paid=Decimal("3599.00"),
        **fields,
    )


def repair_case(*, actor, owner, item, acknowledge: bool = True) -> Ticket:
    """A repair case of `item` opened (and acknowledged) by `actor`."""
    ticket = open_ticket(
        actor=actor, customer=owner, type="repair", product=item, fault_code="E01"
    )
    if acknowledge:
        act(ticket, actor, A.ACKNOWLEDGE)
    ticket.refresh_from_db()
    return ticket


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def options(ticket: Ticket) -> list[str]:
    return fresh(ticket).entitlement["options"]


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- Fixtures --------------------------------------------------------------------------------


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


@pytest.fixture
def old_tv(zhang, agent_user):
    """Delivered 60 days ago: past the 15-day window, within validity — owed a repair."""
    return household_product(
        actor=agent_user,
        owner=zhang,
        delivered=TODAY - timedelta(days=60),
        serial="TV1",
    )


@pytest.fixture
def case(old_tv, zhang, agent_user):
    """Li's acknowledged repair case of the old TV (hotline unit)."""
    ticket = repair_case(actor=agent_user, owner=zhang, item=old_tv)
    assert ticket.entitlement["options"] == [REPAIR]
    return ticket


@pytest.fixture
def people(unit_tree, supervisor_user, technician_user, manager_user):
    """Chen supervises hotline and workshop; Zhou only the workshop; Wu the branch."""
    return {
        "zhou": UserFactory(
            username="zhou", roles=["supervisor"], supervises=[unit_tree["ws"]]
        ),
        "wu": UserFactory(
            username="wu", roles=["supervisor"], supervises=[unit_tree["br"]]
        ),
    }


def record(ticket, actor, **fields) -> Repair:
    values = {"started_on": TODAY - timedelta(days=3)}
    return repair_services.repair_record(
        ticket=ticket, actor=actor, **{**values, **fields}
    )


# --- Repairs ---------------------------------------------------------------------------------


def test_recording_a_repair_starts_an_acknowledged_case_and_copies_the_product(
    case, agent_user, technician_user, old_tv
):
    repair = record(case, agent_user, technician=technician_user, diagnosis="Board")

    assert repair.product == old_tv
    assert repair.fault_code == "E01"  # the case's, when none is given
    assert repair.outcome == Repair.Outcome.IN_PROGRESS
    assert repair.created_by == agent_user
    assert fresh(case).status == S.IN_PROGRESS
    event = TicketEvent.objects.get(ticket=case, type=TicketEvent.Type.REPAIR)
    assert event.data["repair"] == repair.pk
    assert event.data["step"] == "recorded"
    assert event.actor == agent_user


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"started_on": TODAY + timedelta(days=1)}, "started_on"),
        (
            {"ended_on": TODAY - timedelta(days=5), "outcome": "fixed"},
            "ended_on",
        ),
        ({"ended_on": TODAY + timedelta(days=1), "outcome": "fixed"}, "ended_on"),
        ({"outcome": "fixed"}, "ended_on"),
        ({"ended_on": TODAY, "outcome": "in_progress"}, "outcome"),
        ({"outcome": "broken"}, "outcome"),
        ({"parts_wait_days": 4}, "parts_wait_days"),
        ({"parts_wait_days": -1}, "parts_wait_days"),
        ({"fault_code": "X" * 51}, "fault_code"),
    ],
)
def test_a_repair_with_bad_dates_or_values_is_refused_and_nothing_is_stored(
    case, agent_user, fields, field
):
    with pytest.raises(ValidationError) as info:
        record(case, agent_user, **fields)

    assert field in info.value.message_dict
    assert not Repair.objects.exists()
    assert fresh(case).status == S.ACKNOWLEDGED
    assert not TicketEvent.objects.filter(type=TicketEvent.Type.REPAIR).exists()


def test_the_wait_for_parts_may_equal_the_days_in_repair(case, agent_user):
    repair = record(case, agent_user, parts_wait_days=3)

    assert repair.parts_wait_days == 3


def test_a_repair_needs_an_open_case_and_staff(case, agent_user, customer_user):
    act(case, agent_user, A.CANCEL, note="Customer withdrew")

    with pytest.raises(InvalidTransition):
        record(fresh(case), agent_user)
    with pytest.raises(PermissionDenied):
        record(fresh(case), customer_user)
    assert not Repair.objects.exists()


def test_a_technician_must_be_active_staff(case, agent_user, customer_user):
    with pytest.raises(ValidationError) as info:
        record(case, agent_user, technician=customer_user)

    assert "technician" in info.value.message_dict


def test_only_one_repair_is_open_on_a_case_at_a_time(case, agent_user):
    record(case, agent_user)

    with pytest.raises(InvalidTransition):
        record(fresh(case), agent_user)
    assert Repair.objects.count() == 1


def test_finishing_a_repair_records_outcome_and_extends_validity(
    case, agent_user, old_tv
):
    validity_end = old_tv.validity_end
    repair = record(case, agent_user, started_on=TODAY - timedelta(days=10))

    finished = repair_services.repair_finish(
        repair=repair,
        actor=agent_user,
        ended_on=TODAY,
        outcome="fixed",
        work_done="Board replaced",
        parts_wait_days=4,
    )

    assert (finished.ended_on, finished.outcome) == (TODAY, Repair.Outcome.FIXED)
    assert finished.work_done == "Board replaced"
    assert finished.parts_wait_days == 4
    old_tv.refresh_from_db()
    assert old_tv.validity_end == validity_end + timedelta(days=10)
    assert sorted(
        ValidityEvent.objects.filter(product=old_tv).values_list("kind", "days")
    ) == [("parts_wait_days", 4), ("repair_days", 6)]
    steps = list(
        TicketEvent.objects.filter(ticket=case, type="repair").values_list(
            "data__step", flat=True
        )
    )
    assert steps == ["recorded", "finished"]


def test_a_finished_repair_cannot_be_finished_again(case, agent_user):
    repair = record(case, agent_user)
    stale = Repair.objects.get(pk=repair.pk)
    repair_services.repair_finish(
        repair=repair, actor=agent_user, ended_on=TODAY, outcome="fixed"
    )

    with pytest.raises(StaleObject):
        repair_services.repair_finish(
            repair=Repair.objects.get(pk=repair.pk),
            actor=agent_user,
            ended_on=TODAY,
            outcome="failed",
        )
    with pytest.raises(StaleObject):  # a stale copy loses the compare-and-set
        repair_services.repair_finish(
            repair=stale, actor=agent_user, ended_on=TODAY, outcome="failed"
        )
    assert Repair.objects.get(pk=repair.pk).outcome == Repair.Outcome.FIXED


def test_a_case_with_an_open_repair_cannot_be_resolved_until_it_is_finished(
    case, agent_user
):
    repair = record(case, agent_user)
    case_services.ticket_inform_customer(
        ticket=fresh(case), actor=agent_user, message="Fixed; works again."
    )

    with pytest.raises(ValidationError) as refused:
        case_services.ticket_resolve(
            ticket=fresh(case), actor=agent_user, cause_code="RELAY",
            liability="producer_defect",
        )  # fmt: skip
    assert "repair" in refused.value.message_dict
    assert fresh(case).status == TicketStatus.IN_PROGRESS

    repair_services.repair_finish(
        repair=repair, actor=agent_user, ended_on=TODAY, outcome="fixed"
    )
    resolved = case_services.ticket_resolve(
        ticket=fresh(case), actor=agent_user, cause_code="RELAY",
        liability="producer_defect",
    )  # fmt: skip
    assert resolved.resolved_at is not None


@pytest.mark.parametrize("outcome", ["in_progress", "nonsense"])
def test_a_repair_finishes_only_as_fixed_or_failed(case, agent_user, outcome):
    repair = record(case, agent_user)

    with pytest.raises(ValidationError) as info:
        repair_services.repair_finish(
            repair=repair, actor=agent_user, ended_on=TODAY, outcome=outcome
        )

    assert "outcome" in info.value.message_dict
    assert Repair.objects.get(pk=repair.pk).ended_on is None


# --- The repair history drives the entitlement -----------------------------------------------


def test_two_failed_repairs_of_the_same_problem_owe_an_exchange_or_a_return(
    case, agent_user
):
    first = record(case, agent_user, started_on=TODAY - timedelta(days=20))
    repair_services.repair_finish(
        repair=first,
        actor=agent_user,
        ended_on=TODAY - timedelta(days=15),
        outcome="failed",
    )
    assert options(case) == [REPAIR]
    assert not TicketEvent.objects.filter(type="entitlement_changed").exists()

    second = record(fresh(case), agent_user, started_on=TODAY - timedelta(days=10))
    repair_services.repair_finish(
        repair=second, actor=agent_user, ended_on=TODAY, outcome="failed"
    )

    snapshot = fresh(case).entitlement
    assert snapshot["options"] == [RETURN, EXCHANGE, REPAIR]
    assert "failed_repairs_2" in snapshot["reasons"]
    assert snapshot["refund_amount"] == "3599.00"
    event = TicketEvent.objects.get(type="entitlement_changed")
    assert event.data["old_options"] == [REPAIR]
    assert event.data["new_options"] == [RETURN, EXCHANGE, REPAIR]
    assert event.actor == agent_user
    notification = Notification.objects.get(kind="entitlement_changed")
    assert notification.recipient == agent_user  # the first owner
    assert "Return with refund" in notification.body


def test_failed_repairs_count_across_the_cases_of_the_same_product(
    case, agent_user, zhang, old_tv
):
    first = record(case, agent_user, started_on=TODAY - timedelta(days=20))
    repair_services.repair_finish(
        repair=first, actor=agent_user, ended_on=TODAY - timedelta(days=15),
        outcome="failed",
    )  # fmt: skip
    act(fresh(case), agent_user, A.CANCEL, note="Logged twice")
    again = repair_case(actor=agent_user, owner=zhang, item=old_tv)

    record(
        again, agent_user, started_on=TODAY - timedelta(days=5), ended_on=TODAY,
        outcome="failed",
    )  # fmt: skip

    assert options(again) == [RETURN, EXCHANGE, REPAIR]


def test_a_failed_repair_of_another_problem_does_not_count(case, agent_user):
    record(case, agent_user, started_on=TODAY - timedelta(days=20),
           ended_on=TODAY - timedelta(days=15), outcome="failed")  # fmt: skip

    record(fresh(case), agent_user, started_on=TODAY - timedelta(days=5),
           ended_on=TODAY, outcome="failed", same_problem=False)  # fmt: skip

    assert options(case) == [REPAIR]


def test_repairs_of_another_product_do_not_count(case, agent_user, zhang):
    other = household_product(
        actor=agent_user, owner=zhang, delivered=TODAY - timedelta(days=60),
        serial="TV2",
    )  # fmt: skip
    other_case = repair_case(actor=agent_user, owner=zhang, item=other)
    for days in (20, 10):
        record(other_case if days == 20 else fresh(other_case), agent_user,
               started_on=TODAY - timedelta(days=days),
               ended_on=TODAY - timedelta(days=days - 3), outcome="failed")  # fmt: skip

    assert options(other_case) == [RETURN, EXCHANGE, REPAIR]
    assert repair_history_facts(ticket=fresh(case), as_of=TODAY)["failed_repairs"] == 0


@pytest.mark.parametrize(("days", "owed"), [(30, [REPAIR]), (31, [EXCHANGE, REPAIR])])
def test_a_repair_delayed_over_30_days_by_the_repairer_owes_an_exchange(
    case, agent_user, days, owed
):
    record(
        case, agent_user, started_on=TODAY - timedelta(days=days), ended_on=TODAY,
        outcome="fixed", repairer_fault=True,
    )  # fmt: skip

    snapshot = fresh(case).entitlement
    assert snapshot["options"] == owed
    assert snapshot["exchange_cost_on_repairer"] is (days > 30)


def test_a_long_repair_without_the_repairers_fault_owes_no_exchange(case, agent_user):
    record(case, agent_user, started_on=TODAY - timedelta(days=40), ended_on=TODAY,
           outcome="fixed")  # fmt: skip

    assert options(case) == [REPAIR]


@pytest.mark.parametrize(("parts", "owed"), [(90, [REPAIR]), (91, [EXCHANGE, REPAIR])])
def test_parts_not_supplied_over_90_days_owe_an_exchange(
    zhang, agent_user, parts, owed
):
    item = household_product(
        actor=agent_user, owner=zhang, delivered=TODAY - timedelta(days=200),
        serial="TV200",
    )  # fmt: skip
    ticket = repair_case(actor=agent_user, owner=zhang, item=item)

    record(
        ticket, agent_user, started_on=TODAY - timedelta(days=100), ended_on=TODAY,
        outcome="fixed", parts_wait_days=parts,
    )  # fmt: skip

    assert options(ticket) == owed


def test_a_repair_cannot_start_before_the_product_was_sold(case, agent_user):
    with pytest.raises(ValidationError) as info:
        record(case, agent_user, started_on=TODAY - timedelta(days=61))

    assert "started_on" in info.value.message_dict


def test_the_repair_history_facts(case, agent_user, zhang, old_tv):
    record(case, agent_user, started_on=TODAY - timedelta(days=30),
           ended_on=TODAY - timedelta(days=20), outcome="failed", parts_wait_days=6,
           repairer_fault=True)  # fmt: skip
    record(fresh(case), agent_user, started_on=TODAY - timedelta(days=8),
           same_problem=False)  # fmt: skip

    facts = repair_history_facts(ticket=fresh(case), as_of=TODAY)

    assert facts == {
        "failed_repairs": 1,
        "same_problem_repairs": 1,
        "cumulative_repair_days": 18,
        "current_repair_days": 8,
        "parts_wait_days": 6,
        "repairer_fault_repair_days": 10,
    }
    other = repair_case(actor=agent_user, owner=zhang, item=old_tv)
    assert repair_history_facts(ticket=other, as_of=TODAY)["current_repair_days"] == 0


def test_repairs_before_an_exchange_no_longer_count(case, agent_user, old_tv):
    from customers import services as archive_services

    for days in (20, 10):
        record(fresh(case), agent_user, started_on=TODAY - timedelta(days=days),
               ended_on=TODAY - timedelta(days=days - 3), outcome="failed")  # fmt: skip
    archive_services.validity_event_add(product=old_tv, kind="exchange", on=TODAY)

    assert repair_history_facts(ticket=fresh(case), as_of=TODAY)["failed_repairs"] == 0


def test_a_repair_of_a_case_without_product_changes_no_entitlement(zhang, agent_user):
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair")

    repair = record(ticket, agent_user, ended_on=TODAY, outcome="failed")

    assert repair.product is None
    assert fresh(ticket).entitlement["options"] == []
    assert not TicketEvent.objects.filter(type="entitlement_changed").exists()


def test_an_out_of_validity_product_stays_a_paid_repair(zhang, agent_user):
    item = household_product(
        actor=agent_user, owner=zhang, delivered=TODAY - timedelta(days=400),
        serial="TV9",
    )  # fmt: skip
    ticket = repair_case(actor=agent_user, owner=zhang, item=item)

    record(ticket, agent_user, started_on=TODAY - timedelta(days=5), ended_on=TODAY,
           outcome="failed")  # fmt: skip

    assert options(ticket) == [PAID_REPAIR]


# --- Field visits ----------------------------------------------------------------------------


LATER = NOW + timedelta(hours=1)  # visits are recorded an hour after the case opened


@pytest.fixture
def visit(clock, case, agent_user, technician_user):
    booked = repair_services.visit_schedule(
        ticket=case,
        actor=agent_user,
        technician=technician_user,
        appointment_start=NOW + timedelta(minutes=20),
        appointment_end=NOW + timedelta(hours=2),
    )
    clock.move_to(LATER)
    return booked


def complete(visit, actor, **fields):
    values = {
        "arrived_at": LATER - timedelta(minutes=30),
        "departed_at": LATER - timedelta(minutes=5),
        "diagnosis": "Power board burnt",
        "parts": "Power board",
        "fees": Decimal("0.00"),
        "checklist": ALL_DONE,
        "customer_confirmed": True,
    }
    return repair_services.visit_complete(
        visit=visit, actor=actor, **{**values, **fields}
    )


def test_scheduling_a_visit_records_it_and_tells_the_technician(
    visit, case, technician_user
):
    assert visit.technician == technician_user
    event = TicketEvent.objects.get(ticket=case, type="visit")
    assert event.data["step"] == "scheduled"
    assert event.data["visit"] == visit.pk
    notification = Notification.objects.get(kind="visit_scheduled")
    assert notification.recipient == technician_user
    assert case.number in notification.title
    assert fresh(case).status == S.ACKNOWLEDGED  # booking is not yet work


def test_an_appointment_must_end_after_it_starts(case, agent_user, technician_user):
    with pytest.raises(ValidationError) as info:
        repair_services.visit_schedule(
            ticket=case, actor=agent_user, technician=technician_user,
            appointment_start=NOW, appointment_end=NOW - timedelta(hours=1),
        )  # fmt: skip

    assert "appointment_end" in info.value.message_dict
    assert not FieldVisit.objects.exists()


def test_completing_a_visit_stamps_the_onsite_clock_and_starts_the_case(
    visit, case, technician_user
):
    arrived = LATER - timedelta(minutes=30)

    done = complete(visit, technician_user)

    assert done.arrived_at == arrived
    assert done.checklist == ALL_DONE
    assert done.customer_confirmed is True
    ticket = fresh(case)
    assert ticket.onsite_at == arrived
    assert ticket.status == S.IN_PROGRESS
    event = TicketEvent.objects.get(ticket=case, type="visit", data__step="completed")
    assert event.data["onsite_clock_stopped"] is True
    assert event.data["checklist_missed"] == []


def test_a_second_arrival_does_not_move_the_onsite_stamp(
    visit, case, agent_user, technician_user
):
    complete(visit, technician_user)
    second = repair_services.visit_schedule(
        ticket=fresh(case), actor=agent_user, technician=technician_user,
        appointment_start=NOW,
    )  # fmt: skip

    complete(second, technician_user, arrived_at=LATER - timedelta(minutes=1),
             departed_at=None)  # fmt: skip

    assert fresh(case).onsite_at == LATER - timedelta(minutes=30)


def test_unchecked_items_are_stored_as_not_done(visit, technician_user):
    answers = {**ALL_DONE, "Wear shoe covers": False}

    done = complete(visit, technician_user, checklist=answers)

    assert done.checklist["Wear shoe covers"] is False
    event = TicketEvent.objects.get(type="visit", data__step="completed")
    assert event.data["checklist_missed"] == ["Wear shoe covers"]


@pytest.mark.parametrize(
    "checklist",
    [
        {k: v for k, v in ALL_DONE.items() if k != "Wear shoe covers"},  # missing
        {**ALL_DONE, "Sing a song": True},  # unknown
        {**ALL_DONE, "Wear shoe covers": "yes"},  # not a boolean
        ["Show staff ID"],  # not a mapping
    ],
)
def test_the_checklist_must_answer_exactly_the_standards_items(
    visit, case, technician_user, checklist
):
    with pytest.raises(ValidationError) as info:
        complete(visit, technician_user, checklist=checklist)

    assert "checklist" in info.value.message_dict
    assert FieldVisit.objects.get(pk=visit.pk).arrived_at is None
    assert fresh(case).onsite_at is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"arrived_at": LATER + timedelta(minutes=5)}, "arrived_at"),
        ({"arrived_at": NOW - timedelta(minutes=5)}, "arrived_at"),  # before the case
        ({"departed_at": LATER - timedelta(hours=1)}, "departed_at"),
        ({"departed_at": LATER + timedelta(minutes=1)}, "departed_at"),
        ({"diagnosis": "  "}, "diagnosis"),
        ({"fees": Decimal("-1")}, "fees"),
    ],
)
def test_a_visit_with_bad_times_or_values_is_refused(
    visit, technician_user, fields, field
):
    with pytest.raises(ValidationError) as info:
        complete(visit, technician_user, **fields)

    assert field in info.value.message_dict


def test_a_visit_is_recorded_once(visit, technician_user):
    complete(visit, technician_user)

    with pytest.raises(StaleObject):
        complete(FieldVisit.objects.get(pk=visit.pk), technician_user)
    with pytest.raises(StaleObject):  # a stale copy loses the compare-and-set
        complete(visit, technician_user, diagnosis="Something else")
    assert FieldVisit.objects.get(pk=visit.pk).diagnosis == "Power board burnt"


def test_the_checklist_is_the_pinned_standards(
    unit_tree, manager_user, agent_user, technician_user
):
    author = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    with time_machine.travel(NOW, tick=False) as traveller:
        service_standard(
            author=author, approver=manager_user, owner_unit=unit_tree["co"],
            parameters={"conduct_checklist": ["Show staff ID", "Shoe covers"]},
        )  # fmt: skip
        owner = customer(actor=agent_user, name="Qian Li")
        ticket = open_ticket(actor=agent_user, customer=owner)
        visit = repair_services.visit_schedule(
            ticket=ticket, actor=agent_user, technician=technician_user,
            appointment_start=NOW,
        )  # fmt: skip
        traveller.move_to(LATER)
        with pytest.raises(ValidationError):
            complete(visit, technician_user)

        done = complete(
            visit,
            technician_user,
            checklist={"Show staff ID": True, "Shoe covers": True},
        )

    assert done.checklist == {"Show staff ID": True, "Shoe covers": True}


# --- Offers against the entitlement ----------------------------------------------------------


@pytest.fixture
def new_tv_case(zhang, agent_user):
    """A repair case of a TV delivered 5 days ago: owed return, exchange or repair."""
    item = household_product(
        actor=agent_user, owner=zhang, delivered=TODAY - timedelta(days=5), serial="TVN"
    )
    ticket = repair_case(actor=agent_user, owner=zhang, item=item)
    assert ticket.entitlement["options"] == [RETURN, EXCHANGE, REPAIR]
    return ticket


def test_an_offer_within_the_entitlement_stands_at_once(new_tv_case, agent_user):
    offer = repair_services.offer_make(
        ticket=new_tv_case, actor=agent_user, option=RETURN
    )

    assert offer.status == Offer.Status.ACCEPTED
    assert offer.below_entitlement is False
    assert TicketEvent.objects.get(type="offer").data["status"] == "accepted"
    assert not Notification.objects.filter(kind="offer_pending").exists()


def test_an_offer_below_the_entitlement_needs_a_reason(new_tv_case, agent_user):
    with pytest.raises(ValidationError) as info:
        repair_services.offer_make(ticket=new_tv_case, actor=agent_user, option=REPAIR)

    assert "reason" in info.value.message_dict
    assert not Offer.objects.exists()


def test_an_unknown_option_is_refused(new_tv_case, agent_user):
    with pytest.raises(ValidationError) as info:
        repair_services.offer_make(ticket=new_tv_case, actor=agent_user, option="cash")

    assert "option" in info.value.message_dict


@pytest.fixture
def pending(new_tv_case, agent_user, people):
    return repair_services.offer_make(
        ticket=new_tv_case, actor=agent_user, option=REPAIR, reason="Repair is quick"
    )


def test_an_offer_below_the_entitlement_waits_and_the_deciders_are_told(
    pending, new_tv_case
):
    assert pending.status == Offer.Status.PENDING
    assert pending.below_entitlement is True
    assert pending.reason == "Repair is quick"
    # the hotline's supervisor and the manager, not the offerer
    assert sorted(
        Notification.objects.filter(kind="offer_pending").values_list(
            "recipient__username", flat=True
        )
    ) == ["chen", "wang"]
    event = TicketEvent.objects.get(type="offer")
    assert event.data["below_entitlement"] is True
    assert event.data["note"] == "Repair is quick"


def test_a_second_offer_waits_for_the_pending_decision(
    pending, new_tv_case, agent_user
):
    with pytest.raises(InvalidTransition):
        repair_services.offer_make(
            ticket=fresh(new_tv_case), actor=agent_user, option=RETURN
        )
    assert Offer.objects.count() == 1


def test_the_units_supervisor_approves_an_offer_below_the_entitlement(
    pending, supervisor_user, agent_user
):
    offer = repair_services.offer_decide(
        offer=pending, actor=supervisor_user, approve=True, note="OK"
    )

    assert offer.status == Offer.Status.APPROVED
    assert offer.decided_by == supervisor_user
    assert offer.decision_note == "OK"
    event = TicketEvent.objects.get(type="offer_decided")
    assert event.data["approved"] is True
    notification = Notification.objects.get(kind="offer_decided")
    assert notification.recipient == agent_user
    assert "approved" in notification.title


def test_a_supervisor_of_a_unit_above_and_a_manager_may_decide(
    new_tv_case, agent_user, people, manager_user
):
    first = repair_services.offer_make(
        ticket=new_tv_case, actor=agent_user, option=REPAIR, reason="Quick"
    )
    repair_services.offer_decide(
        offer=first, actor=people["wu"], approve=False, note="No"
    )
    second = repair_services.offer_make(
        ticket=fresh(new_tv_case), actor=agent_user, option=EXCHANGE, reason="Stock"
    )

    repair_services.offer_decide(offer=second, actor=manager_user, approve=True)

    assert list(Offer.objects.order_by("pk").values_list("status", flat=True)) == [
        "rejected",
        "approved",
    ]


@pytest.mark.parametrize("who", ["agent", "other_agent", "zhou"])
def test_others_may_not_decide(pending, agent_user, unit_tree, people, who):
    actor = {
        "agent": agent_user,
        "other_agent": UserFactory(roles=["agent"], units=[unit_tree["hot"]]),
        "zhou": people["zhou"],  # supervises the workshop, not the hotline
    }[who]

    with pytest.raises(ActionForbidden):
        repair_services.offer_decide(offer=pending, actor=actor, approve=True, note="")

    assert Offer.objects.get(pk=pending.pk).status == Offer.Status.PENDING
    assert not TicketEvent.objects.filter(type="offer_decided").exists()


def test_a_supervisor_may_not_approve_their_own_offer(new_tv_case, supervisor_user):
    offer = repair_services.offer_make(
        ticket=new_tv_case, actor=supervisor_user, option=REPAIR, reason="Quick"
    )

    with pytest.raises(ActionForbidden):
        repair_services.offer_decide(offer=offer, actor=supervisor_user, approve=True)
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.PENDING


def test_rejecting_needs_a_note_and_a_decision_happens_once(pending, supervisor_user):
    with pytest.raises(ValidationError) as info:
        repair_services.offer_decide(
            offer=pending, actor=supervisor_user, approve=False
        )
    assert "note" in info.value.message_dict

    repair_services.offer_decide(
        offer=pending, actor=supervisor_user, approve=False, note="Owed a return"
    )
    with pytest.raises(StaleObject):
        repair_services.offer_decide(offer=pending, actor=supervisor_user, approve=True)
    assert Offer.objects.get(pk=pending.pk).status == Offer.Status.REJECTED


# --- API -------------------------------------------------------------------------------------


def test_api_records_and_lists_repairs_by_id_or_number(
    case, agent_user, technician_user
):
    api = client_for(agent_user)

    response = api.post(
        f"{API}/tickets/{case.number}/repairs/",
        {"started_on": str(TODAY - timedelta(days=4)), "technician": technician_user.pk,
         "diagnosis": "Board", "parts_wait_days": 2},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert body["days_in_repair"] == 4
    assert body["outcome"] == "in_progress"
    assert body["ticket"] == case.pk
    assert set(body) == {
        "id", "ticket", "started_on", "ended_on", "days_in_repair", "parts_wait_days",
        "fault_code", "same_problem", "repairer_fault", "diagnosis", "work_done",
        "outcome", "technician",
    }  # fmt: skip
    listed = api.get(f"{API}/tickets/{case.pk}/repairs/").json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == body["id"]
    assert fresh(case).status == S.IN_PROGRESS


def test_api_repair_bad_input_is_400_with_field_errors(case, agent_user):
    api = client_for(agent_user)

    missing = api.post(f"{API}/tickets/{case.pk}/repairs/", {}, format="json")
    backwards = api.post(
        f"{API}/tickets/{case.pk}/repairs/",
        {"started_on": str(TODAY), "ended_on": str(TODAY - timedelta(days=1)),
         "outcome": "fixed"},
        format="json",
    )  # fmt: skip

    assert missing.status_code == 400
    assert "started_on" in missing.json()
    assert backwards.status_code == 400
    assert "ended_on" in backwards.json()
    assert not Repair.objects.exists()


def test_api_finish_is_409_the_second_time(case, agent_user):
    api = client_for(agent_user)
    repair = record(case, agent_user)

    first = api.post(
        f"{API}/repairs/{repair.pk}/finish/",
        {"ended_on": str(TODAY), "outcome": "failed"},
        format="json",
    )
    second = api.post(
        f"{API}/repairs/{repair.pk}/finish/",
        {"ended_on": str(TODAY), "outcome": "fixed"},
        format="json",
    )

    assert first.status_code == 200
    assert first.json()["outcome"] == "failed"
    assert first.json()["days_in_repair"] == 3
    assert second.status_code == 409
    assert second.json()["code"] == "invalid_transition"


def test_api_repair_on_a_cancelled_case_is_409(case, agent_user):
    act(case, agent_user, A.CANCEL, note="Withdrawn")

    response = client_for(agent_user).post(
        f"{API}/tickets/{case.pk}/repairs/", {"started_on": str(TODAY)}, format="json"
    )

    assert response.status_code == 409
    assert not Repair.objects.exists()


def test_api_cases_out_of_scope_are_404_and_customers_403(
    case, agent_user, customer_user
):
    outsider = UserFactory(roles=["agent"], units=[UnitFactory(code="far")])
    repair = record(case, agent_user)
    api = client_for(outsider)

    assert api.get(f"{API}/tickets/{case.pk}/repairs/").status_code == 404
    assert (
        api.post(
            f"{API}/tickets/{case.pk}/repairs/",
            {"started_on": str(TODAY)},
            format="json",
        ).status_code
        == 404
    )
    assert (
        api.post(
            f"{API}/repairs/{repair.pk}/finish/",
            {"ended_on": str(TODAY), "outcome": "fixed"},
            format="json",
        ).status_code
        == 404
    )
    assert api.get(f"{API}/tickets/{case.pk}/visits/").status_code == 404
    assert api.get(f"{API}/tickets/{case.pk}/offers/").status_code == 404
    customer_api = client_for(customer_user)
    assert customer_api.get(f"{API}/tickets/{case.pk}/repairs/").status_code == 403
    assert Repair.objects.get(pk=repair.pk).ended_on is None


def test_api_repair_list_query_count_is_flat(case, agent_user):
    api = client_for(agent_user)
    record(case, agent_user, started_on=TODAY - timedelta(days=30),
           ended_on=TODAY - timedelta(days=29), outcome="fixed")  # fmt: skip
    with CaptureQueriesContext(connection) as one:
        assert api.get(f"{API}/tickets/{case.pk}/repairs/").json()["count"] == 1
    for days in (20, 10, 5):
        record(fresh(case), agent_user, started_on=TODAY - timedelta(days=days),
               ended_on=TODAY - timedelta(days=days - 1), outcome="fixed")  # fmt: skip

    with CaptureQueriesContext(connection) as many:
        assert api.get(f"{API}/tickets/{case.pk}/repairs/").json()["count"] == 4

    assert len(many) == len(one)


def test_api_visits_book_and_complete(clock, case, agent_user, technician_user):
    api = client_for(agent_user)
    booked = api.post(
        f"{API}/tickets/{case.number}/visits/",
        {"technician": technician_user.pk,
         "appointment_start": (NOW + timedelta(hours=1)).isoformat()},
        format="json",
    )  # fmt: skip
    assert booked.status_code == 201
    visit_id = booked.json()["id"]
    clock.move_to(LATER)

    wrong = api.post(
        f"{API}/visits/{visit_id}/complete/",
        {"arrived_at": (LATER - timedelta(minutes=5)).isoformat(), "diagnosis": "Fuse",
         "checklist": {"Show staff ID": True}},
        format="json",
    )  # fmt: skip
    done = api.post(
        f"{API}/visits/{visit_id}/complete/",
        {"arrived_at": (LATER - timedelta(minutes=5)).isoformat(), "diagnosis": "Fuse",
         "parts": "Fuse", "fees": "20.00", "checklist": ALL_DONE,
         "customer_confirmed": True},
        format="json",
    )  # fmt: skip
    again = api.post(
        f"{API}/visits/{visit_id}/complete/",
        {"arrived_at": (LATER - timedelta(minutes=5)).isoformat(), "diagnosis": "Fuse",
         "checklist": ALL_DONE},
        format="json",
    )  # fmt: skip

    assert wrong.status_code == 400
    assert "checklist" in wrong.json()
    assert done.status_code == 200
    assert done.json()["fees"] == "20.00"
    assert done.json()["checklist"] == ALL_DONE
    assert again.status_code == 409
    assert fresh(case).onsite_at == LATER - timedelta(minutes=5)
    listed = api.get(f"{API}/tickets/{case.pk}/visits/").json()
    assert [v["id"] for v in listed["results"]] == [visit_id]


def test_api_offers_make_approve_reject(
    new_tv_case, agent_user, supervisor_user, people
):
    api = client_for(agent_user)

    no_reason = api.post(
        f"{API}/tickets/{new_tv_case.pk}/offers/", {"option": "repair"}, format="json"
    )
    bad_option = api.post(
        f"{API}/tickets/{new_tv_case.pk}/offers/", {"option": "cash"}, format="json"
    )
    made = api.post(
        f"{API}/tickets/{new_tv_case.pk}/offers/",
        {"option": "repair", "reason": "Quick fix"},
        format="json",
    )
    offer_id = made.json()["id"]
    by_offerer = api.post(f"{API}/offers/{offer_id}/approve/", {}, format="json")
    reject_no_note = client_for(supervisor_user).post(
        f"{API}/offers/{offer_id}/reject/", {}, format="json"
    )
    approved = client_for(supervisor_user).post(
        f"{API}/offers/{offer_id}/approve/", {"note": "Fine"}, format="json"
    )
    twice = client_for(supervisor_user).post(
        f"{API}/offers/{offer_id}/reject/", {"note": "Changed my mind"}, format="json"
    )

    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()
    assert bad_option.status_code == 400
    assert "option" in bad_option.json()
    assert made.status_code == 201
    assert made.json()["status"] == "pending"
    assert made.json()["below_entitlement"] is True
    assert by_offerer.status_code == 403
    assert reject_no_note.status_code == 400
    assert "note" in reject_no_note.json()
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == supervisor_user.pk
    assert twice.status_code == 409
    listed = api.get(f"{API}/tickets/{new_tv_case.number}/offers/").json()
    assert [o["status"] for o in listed["results"]] == ["approved"]


def test_api_schema_builds_with_the_repair_routes(agent_user):
    response = client_for(agent_user).get("/api/schema/?format=json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/tickets/{id}/repairs/", "/api/v1/repairs/{id}/finish/",
        "/api/v1/tickets/{id}/visits/", "/api/v1/visits/{id}/complete/",
        "/api/v1/tickets/{id}/offers/", "/api/v1/offers/{id}/approve/",
        "/api/v1/offers/{id}/reject/",
    ):  # fmt: skip
        assert path in paths


# --- The case page ---------------------------------------------------------------------------


def page(client, ticket):
    return client.get(f"/tickets/{ticket.number}/")


def test_the_case_page_shows_repairs_visits_and_the_checklist(
    case, agent_user, agent_client, technician_user
):
    record(case, agent_user, started_on=TODAY - timedelta(days=9),
           ended_on=TODAY - timedelta(days=2), outcome="failed", parts_wait_days=3)  # fmt: skip
    record(fresh(case), agent_user, started_on=TODAY - timedelta(days=1))
    repair_services.visit_schedule(
        ticket=fresh(case), actor=agent_user, technician=technician_user,
        appointment_start=NOW,
    )  # fmt: skip

    response = page(agent_client, case)
    # the panel's forms load on demand (#11): the visit's holds the checklist, the
    # offer's marks what the customer is owed
    visit = FieldVisit.objects.get()
    visit_form = agent_client.get(
        f"/tickets/visits/{visit.pk}/complete/form/", HTTP_HX_REQUEST="true"
    )
    offer_form = agent_client.get(
        f"/tickets/{case.number}/offers/form/", HTTP_HX_REQUEST="true"
    )

    assertContains(response, 'data-testid="repair-row"', count=2)
    assertContains(response, 'data-testid="repair-failed"', count=1)
    assertContains(response, 'data-testid="repair-finish-form"')
    assertContains(response, 'data-testid="visit-complete-form"')
    assertContains(visit_form, 'data-testid="conduct-checklist"')
    for item in DEFAULT_CONDUCT_CHECKLIST:
        assertContains(visit_form, item)
    assertContains(offer_form, "Free repair (owed)")


def test_only_those_who_may_decide_see_the_approve_buttons(
    new_tv_case, agent_user, agent_client, client, supervisor_user, people
):
    repair_services.offer_make(
        ticket=new_tv_case, actor=agent_user, option=REPAIR, reason="Quick"
    )

    assertNotContains(
        page(agent_client, new_tv_case), 'data-testid="offer-decide-form"'
    )
    client.force_login(supervisor_user)
    assertContains(page(client, new_tv_case), 'data-testid="offer-decide-form"')


def test_posting_a_repair_from_the_page(case, agent_client):
    response = agent_client.post(
        f"/tickets/{case.number}/repairs/",
        {"started_on": str(TODAY - timedelta(days=2)), "outcome": "in_progress",
         "parts_wait_days": "0", "same_problem": "on"},
    )  # fmt: skip

    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    repair = Repair.objects.get()
    assert repair.same_problem is True
    assert fresh(case).status == S.IN_PROGRESS


def test_a_bad_repair_from_the_page_shows_the_error_and_stores_nothing(
    case, agent_client
):
    response = agent_client.post(
        f"/tickets/{case.number}/repairs/",
        {"started_on": str(TODAY), "ended_on": str(TODAY - timedelta(days=1)),
         "outcome": "fixed", "parts_wait_days": "0"},
        follow=True,
    )  # fmt: skip

    assert response.status_code == 200
    assertContains(response, "The repair cannot end before it started.")
    assert not Repair.objects.exists()


def test_finishing_a_repair_twice_from_the_page_is_a_message_not_an_error(
    case, agent_user, agent_client
):
    repair = record(case, agent_user)
    data = {"ended_on": str(TODAY), "outcome": "failed"}
    agent_client.post(f"/tickets/repairs/{repair.pk}/finish/", data)

    response = agent_client.post(
        f"/tickets/repairs/{repair.pk}/finish/", data, follow=True
    )

    assert response.status_code == 200
    assertContains(response, "This repair is already finished.")
    assert Repair.objects.get(pk=repair.pk).outcome == "failed"


def test_recording_a_visit_from_the_page_with_the_checkboxes(
    clock, case, agent_user, technician_user, client
):
    visit = repair_services.visit_schedule(
        ticket=case, actor=agent_user, technician=technician_user,
        appointment_start=NOW + timedelta(minutes=10),
    )  # fmt: skip
    client.force_login(technician_user)
    handover = case_services.handover_request(
        ticket=case, actor=agent_user, to_user=technician_user,
        to_unit=technician_user.units.get(), reason="Visit",
    )  # fmt: skip
    case_services.handover_accept(handover=handover, actor=technician_user)
    checks = {
        f"check_{i}": "on" for i in range(len(DEFAULT_CONDUCT_CHECKLIST)) if i != 2
    }
    clock.move_to(LATER)

    response = client.post(
        f"/tickets/visits/{visit.pk}/complete/",
        {"arrived_at": (LATER - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"),
         "diagnosis": "Fuse", "parts": "", "fees": "0", "customer_confirmed": "on",
         **checks},
    )  # fmt: skip

    assert response.status_code == 302
    stored = FieldVisit.objects.get(pk=visit.pk).checklist
    assert stored == {**ALL_DONE, DEFAULT_CONDUCT_CHECKLIST[2]: False}
    assert fresh(case).onsite_at == LATER - timedelta(minutes=20)


def test_booking_a_visit_and_making_an_offer_from_the_page(
    new_tv_case, agent_client, technician_user
):
    booked = agent_client.post(
        f"/tickets/{new_tv_case.number}/visits/",
        {"technician": technician_user.pk,
         "appointment_start": (NOW + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")},
    )  # fmt: skip
    refused = agent_client.post(
        f"/tickets/{new_tv_case.number}/offers/", {"option": "repair"}, follow=True
    )
    offered = agent_client.post(
        f"/tickets/{new_tv_case.number}/offers/", {"option": "return"}
    )

    assert booked.status_code == 302
    assert FieldVisit.objects.get().appointment_start == NOW + timedelta(hours=3)
    assertContains(refused, "Offering less than the customer is owed needs a reason.")
    assert offered.status_code == 302
    assert list(Offer.objects.values_list("option", "status")) == [
        ("return", "accepted")
    ]


def test_deciding_an_offer_from_the_page(
    new_tv_case, agent_user, agent_client, client, supervisor_user, people
):
    offer = repair_services.offer_make(
        ticket=new_tv_case, actor=agent_user, option=REPAIR, reason="Quick"
    )
    forbidden = agent_client.post(
        f"/tickets/offers/{offer.pk}/decide/", {"decision": "approve"}, follow=True
    )
    client.force_login(supervisor_user)

    approved = client.post(
        f"/tickets/offers/{offer.pk}/decide/", {"decision": "approve", "note": "OK"}
    )

    assert forbidden.status_code == 200
    assertContains(forbidden, "Someone else must decide on your own offer.")
    assert approved.status_code == 302
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.APPROVED


def test_page_posts_are_404_out_of_scope_and_403_for_customers(
    case, agent_user, client, customer_user
):
    repair = record(case, agent_user)
    outsider = UserFactory(roles=["agent"], units=[UnitFactory(code="far")])
    client.force_login(outsider)

    assert (
        client.post(f"/tickets/{case.number}/repairs/", {"started_on": str(TODAY)})
    ).status_code == 404
    assert (
        client.post(f"/tickets/repairs/{repair.pk}/finish/", {"ended_on": str(TODAY)})
    ).status_code == 404
    client.force_login(customer_user)
    assert (
        client.post(f"/tickets/{case.number}/repairs/", {"started_on": str(TODAY)})
    ).status_code == 403
    assert Repair.objects.count() == 1


def test_the_case_page_query_count_does_not_grow_with_repairs(
    case, agent_user, agent_client
):
    record(case, agent_user, started_on=TODAY - timedelta(days=30),
           ended_on=TODAY - timedelta(days=29), outcome="fixed")  # fmt: skip
    with CaptureQueriesContext(connection) as one:
        page(agent_client, case)
    for days in (20, 10, 5):
        record(fresh(case), agent_user, started_on=TODAY - timedelta(days=days),
               ended_on=TODAY - timedelta(days=days - 1), outcome="fixed")  # fmt: skip

    with CaptureQueriesContext(connection) as many:
        page(agent_client, case)

    assert len(many) == len(one)
