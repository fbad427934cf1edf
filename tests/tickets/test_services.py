"""Writes of the tickets app (tickets/cases/services.py): opening a case (first owner, pinned
standard, stored clocks, number, safety incidents), the lifecycle with its guards, pauses and
reopenings, compare-and-set, the event log, and handovers (A01, A02, reject, one pending,
addressed handovers). Every state is reached through the services."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from aftersales.exceptions import ActionForbidden, DomainError, StaleObject
from aftersales.models import Membership, Notification, OutboxMessage
from customers.models import Contact
from standards import services as standard_services
from standards.workflow import VersionStatus
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer, product, product_model
from tests.standards.factories import approved, document, effective
from tests.tickets.factories import (
    act,
    open_ticket,
    ready_to_resolve,
    resolved,
    service_standard,
)
from tickets.cases import services
from tickets.models import Handover, Ticket, TicketEvent
from tickets.workflow import TicketAction, TicketStatus

pytestmark = pytest.mark.django_db

A = TicketAction
S = TicketStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 2 March 2026, 01:00 in Shanghai (still Sunday in UTC).
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=SHANGHAI)
H = timedelta(hours=1)


# --- Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def quality_user(unit_tree):
    return UserFactory(
        username="qm", roles=["quality_manager"], units=[unit_tree["co"]]
    )


@pytest.fixture
def standard(clock, unit_tree, quality_user, manager_user):
    """The company's service standard: the default parameters (calendar hours; P1
    acknowledge 0.5 h, first contact 1 h, resolve 48 h; on site 24 h urban, 72 h rural;
    handover acceptance 4 h; repairs followed up, consultations not; reopen window 30 d)."""
    return service_standard(
        author=quality_user, approver=manager_user, owner_unit=unit_tree["co"]
    )


@pytest.fixture
def zhang(standard, agent_user):
    return customer(actor=agent_user, name="Zhang Wei", phones=["13800138000"])


@pytest.fixture
def workshop_supervisor(unit_tree):
    return UserFactory(
        username="zhou", roles=["supervisor"], supervises=[unit_tree["ws"]]
    )


def events(ticket, type_=None) -> list[TicketEvent]:
    rows = TicketEvent.objects.filter(ticket=ticket).order_by("at", "pk")
    return list(rows.filter(type=type_) if type_ else rows)


def status_changes(ticket) -> list[tuple[str, str]]:
    return [
        (e.data["old"], e.data["new"])
        for e in events(ticket, TicketEvent.Type.STATUS_CHANGED)
    ]


def notified(kind: str) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list(
            "recipient__username", flat=True
        )
    )


# --- Opening a case -----------------------------------------------------------------------------


def test_open_makes_the_actor_first_owner_and_handler_in_their_unit(
    zhang, agent_user, unit_tree
):
    # when
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair")

    # then
    ticket.refresh_from_db()
    assert ticket.first_owner == agent_user
    assert ticket.handler == agent_user
    assert ticket.unit == unit_tree["hot"]
    assert ticket.status == S.NEW
    assert ticket.escalation_level == 0
    assert ticket.reopen_count == 0
    assert ticket.bounce_count == 0


def test_open_numbers_the_case_by_its_local_date_and_pk(zhang, agent_user):
    # NOW is 1 March 17:00 UTC, 2 March in Shanghai
    ticket = open_ticket(actor=agent_user, customer=zhang)

    assert ticket.number == f"T20260302-{ticket.pk:05d}"
    assert Ticket.objects.get(pk=ticket.pk).number == ticket.number
    assert ticket.get_absolute_url() == f"/tickets/T20260302-{ticket.pk:05d}/"


def test_open_pins_the_standard_and_stores_calendar_hour_due_times(
    zhang, agent_user, standard
):
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair", priority="P1")

    ticket.refresh_from_db()
    assert ticket.standard_version == standard
    assert ticket.has_sla is True
    assert ticket.created_at == NOW
    assert ticket.acknowledge_due_at == NOW + timedelta(minutes=30)
    assert ticket.first_contact_due_at == NOW + 1 * H
    assert ticket.onsite_due_at == NOW + 24 * H
    assert ticket.resolve_due_at == NOW + 48 * H
    # the 80 % points
    assert ticket.acknowledge_warn_at == NOW + timedelta(minutes=24)
    assert ticket.first_contact_warn_at == NOW + timedelta(minutes=48)
    assert ticket.onsite_warn_at == NOW + timedelta(hours=19, minutes=12)
    assert ticket.resolve_warn_at == NOW + timedelta(hours=38, minutes=24)


def test_open_takes_the_rural_on_site_time_and_none_for_a_consultation(
    standard, agent_user
):
    farmer = customer(actor=agent_user, name="Wang Fang", region="rural")

    repair = open_ticket(actor=agent_user, customer=farmer, type="repair")
    consultation = open_ticket(actor=agent_user, customer=farmer, type="consultation")

    assert repair.onsite_due_at == NOW + 72 * H
    assert repair.resolve_due_at == NOW + 168 * H
    assert consultation.onsite_due_at is None
    assert consultation.onsite_warn_at is None
    assert consultation.resolve_due_at == NOW + 168 * H


def test_open_counts_business_hours_when_the_standard_says_so(
    unit_tree, quality_user, manager_user, agent_user
):
    # given: Monday 2 March 2026 10:00, office hours 09:00–18:00 Monday to Friday
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        version = service_standard(
            author=quality_user,
            approver=manager_user,
            owner_unit=unit_tree["co"],
            parameters={"sla": {"business_hours": True}},
        )
        standard_services.business_calendar_save(
            actor=manager_user,
            unit=None,
            name="Office hours",
            day_start=time(9),
            day_end=time(18),
            workdays=[0, 1, 2, 3, 4],
        )
        buyer = customer(actor=agent_user, name="Li Na")

        # when
        ticket = open_ticket(
            actor=agent_user, customer=buyer, type="consultation", priority="P3"
        )

    # then: 24 business hours = Mon 8 h + Tue 9 h + Wed 7 h → Wednesday 16:00;
    # 168 h = Mon 8 h + 17 full days (153 h) + 7 h → the 18th working day after Monday
    ticket.refresh_from_db()
    assert ticket.standard_version == version
    assert ticket.acknowledge_due_at == datetime(2026, 3, 4, 16, 0, tzinfo=SHANGHAI)
    assert ticket.first_contact_due_at == datetime(2026, 3, 4, 16, 0, tzinfo=SHANGHAI)
    assert ticket.onsite_due_at is None
    assert ticket.resolve_due_at == datetime(2026, 3, 26, 16, 0, tzinfo=SHANGHAI)


def test_open_records_one_opened_event(zhang, agent_user, standard):
    ticket = open_ticket(actor=agent_user, customer=zhang, priority="P2")

    (event,) = events(ticket)
    assert event.type == TicketEvent.Type.OPENED
    assert event.actor == agent_user
    assert event.at == NOW
    assert event.public is True
    assert event.data == {
        "priority": "P2",
        "standard_version": standard.pk,
        "safety_incident": False,
    }


def test_open_without_a_standard_in_force_has_no_clocks(clock, unit_tree, agent_user):
    buyer = customer(actor=agent_user, name="Li Na")

    ticket = open_ticket(actor=agent_user, customer=buyer, priority="P1")

    ticket.refresh_from_db()
    assert ticket.standard_version is None
    assert ticket.has_sla is False
    assert ticket.acknowledge_due_at is None
    assert ticket.resolve_due_at is None
    assert ticket.resolve_warn_at is None


def test_open_may_explicitly_have_no_sla(zhang, agent_user, standard):
    ticket = open_ticket(actor=agent_user, customer=zhang, has_sla=False)

    ticket.refresh_from_db()
    assert ticket.standard_version == standard
    assert ticket.has_sla is False
    assert ticket.acknowledge_due_at is None
    assert ticket.resolve_due_at is None


def test_safety_incident_forces_p1_and_notifies_every_manager_once(
    zhang, agent_user, manager_user, unit_tree
):
    UserFactory(username="wu", roles=["manager"], units=[unit_tree["br"]])
    UserFactory(username="gone", roles=["manager"], is_active=False)

    ticket = open_ticket(
        actor=agent_user, customer=zhang, priority="P3", safety_incident=True
    )

    ticket.refresh_from_db()
    assert ticket.priority == "P1"
    assert ticket.safety_incident is True
    assert ticket.resolve_due_at == NOW + 48 * H
    assert notified("safety_incident") == ["wang", "wu"]
    assert (
        OutboxMessage.objects.filter(
            subject=f"[Aftersales] Safety incident: {ticket.number} Washing machine is noisy"
        ).count()
        == 2
    )
    assert events(ticket)[0].data["safety_incident"] is True


def test_open_refuses_a_product_of_another_customer_and_stores_nothing(
    zhang, agent_user
):
    other = customer(actor=agent_user, name="Li Na")
    washer = product(
        actor=agent_user,
        owner=other,
        model=product_model(actor=agent_user, code="WM-1", category="washing_machine"),
        serial="WM0001",
        sale_date=date(2026, 1, 10),
    )

    with pytest.raises(ValidationError) as excinfo:
        open_ticket(actor=agent_user, customer=zhang, product=washer)

    assert excinfo.value.message_dict == {
        "product": ["This product belongs to another customer."]
    }
    assert Ticket.objects.count() == 0
    assert TicketEvent.objects.count() == 0


def test_open_is_for_staff_only(zhang, customer_user):
    with pytest.raises(PermissionDenied):
        open_ticket(actor=customer_user, customer=zhang)

    assert Ticket.objects.count() == 0


def test_a17_a_new_standard_version_applies_to_cases_opened_from_its_first_day(
    unit_tree, quality_user, manager_user, agent_user
):
    # given: on-site 48 h in force since 1 January; a version with 24 h approved on 20 June,
    # effective 1 July
    with time_machine.travel(datetime(2026, 1, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        doc = document(
            actor=manager_user, owner=quality_user, owner_unit=unit_tree["co"]
        )
        old = effective(
            doc,
            author=quality_user,
            approver=manager_user,
            effective_from=date(2026, 1, 1),
            parameters={"sla": {"onsite": {"urban": 48}}},
        )
        buyer = customer(actor=agent_user, name="Zhang Wei")
    with time_machine.travel(datetime(2026, 6, 20, 9, 0, tzinfo=SHANGHAI), tick=False):
        new = approved(
            doc,
            author=quality_user,
            approver=manager_user,
            effective_from=date(2026, 7, 1),
            today=date(2026, 6, 20),
            parameters={"sla": {"onsite": {"urban": 24}}},
        )
    assert new.status == VersionStatus.APPROVED

    # when: a case on 30 June (late evening), the daily job on 1 July, a case on 1 July
    june_30 = datetime(2026, 6, 30, 23, 30, tzinfo=SHANGHAI)
    with time_machine.travel(june_30, tick=False):
        before = open_ticket(actor=agent_user, customer=buyer, type="repair")
    july_1 = datetime(2026, 7, 1, 0, 30, tzinfo=SHANGHAI)  # still 30 June in UTC
    with time_machine.travel(july_1, tick=False):
        assert standard_services.standard_activation_sweep(today=date(2026, 7, 1)) == 1
        after = open_ticket(actor=agent_user, customer=buyer, type="repair")

    # then
    before.refresh_from_db()
    after.refresh_from_db()
    assert before.standard_version == old
    assert before.onsite_due_at == june_30 + 48 * H
    assert after.standard_version == new
    assert after.onsite_due_at == july_1 + 24 * H
    assert events(before)[0].data["standard_version"] == old.pk
    assert events(after)[0].data["standard_version"] == new.pk


# --- Lifecycle ----------------------------------------------------------------------------------


def test_acknowledge_stamps_the_time_and_records_one_status_event(
    clock, zhang, agent_user
):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    clock.shift(10 * 60)

    ticket = services.ticket_transition(
        ticket=ticket, action=A.ACKNOWLEDGE, actor=agent_user
    )

    ticket.refresh_from_db()
    assert ticket.status == S.ACKNOWLEDGED
    assert ticket.acknowledged_at == NOW + timedelta(minutes=10)
    (event,) = events(ticket, TicketEvent.Type.STATUS_CHANGED)
    assert event.actor == agent_user
    assert event.at == NOW + timedelta(minutes=10)
    assert event.public is False
    assert event.data == {
        "old": "new",
        "new": "acknowledged",
        "action": "acknowledge",
        "note": "",
    }


def test_every_state_change_writes_exactly_one_status_event(
    clock, zhang, agent_user, standard
):
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair")
    act(ticket, agent_user, A.ACKNOWLEDGE, A.START, A.PAUSE_CUSTOMER)
    act(ticket, agent_user, A.CANCEL, note="Customer stopped answering.")
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair")
    act(ticket, agent_user, A.ACKNOWLEDGE, A.START)
    ready_to_resolve(ticket, agent_user)
    act(ticket, agent_user, A.RESOLVE)
    act(ticket, None, A.AWAIT_FOLLOW_UP)
    act(ticket, agent_user, A.REOPEN, note="Still noisy.")
    act(ticket, agent_user, A.START, A.RESOLVE)
    act(ticket, None, A.AWAIT_FOLLOW_UP)
    # The follow-up loop (feedback app) is not built yet: it will stamp this.
    Ticket.objects.filter(pk=ticket.pk).update(follow_up_completed_at=NOW)
    ticket.refresh_from_db()
    act(ticket, agent_user, A.CLOSE)

    first = Ticket.objects.order_by("pk").first()
    assert status_changes(first) == [
        ("new", "acknowledged"),
        ("acknowledged", "in_progress"),
        ("in_progress", "waiting_customer"),
        ("waiting_customer", "cancelled"),
    ]
    assert status_changes(ticket) == [
        ("new", "acknowledged"),
        ("acknowledged", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "awaiting_follow_up"),
        ("awaiting_follow_up", "reopened"),
        ("reopened", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "awaiting_follow_up"),
        ("awaiting_follow_up", "closed"),
    ]
    actors = [e.actor for e in events(ticket, TicketEvent.Type.STATUS_CHANGED)]
    assert actors == [agent_user] * 3 + [None] + [agent_user] * 3 + [None, agent_user]
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED
    assert ticket.closed_at == NOW


@pytest.mark.parametrize("missing", ["cause_code", "liability", "customer_informed"])
def test_resolve_names_each_missing_requirement_and_changes_nothing(
    zhang, agent_user, missing
):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    act(ticket, agent_user, A.ACKNOWLEDGE, A.START)
    services.ticket_set_resolution(
        ticket=ticket,
        actor=agent_user,
        cause_code="" if missing == "cause_code" else "bearing",
        liability="" if missing == "liability" else "producer_defect",
    )
    if missing != "customer_informed":
        services.ticket_inform_customer(
            ticket=ticket, actor=agent_user, message="Parts ordered."
        )
    ticket.refresh_from_db()
    before = TicketEvent.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        services.ticket_transition(ticket=ticket, action=A.RESOLVE, actor=agent_user)

    assert list(excinfo.value.message_dict) == [missing]
    ticket.refresh_from_db()
    assert ticket.status == S.IN_PROGRESS
    assert ticket.resolved_at is None
    assert TicketEvent.objects.count() == before


def test_resolve_with_nothing_recorded_names_all_three(zhang, agent_user):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    act(ticket, agent_user, A.ACKNOWLEDGE, A.START)

    with pytest.raises(ValidationError) as excinfo:
        services.ticket_transition(ticket=ticket, action=A.RESOLVE, actor=agent_user)

    assert excinfo.value.message_dict == {
        "cause_code": ["Record the cause before resolving."],
        "liability": ["Record the liability before resolving."],
        "customer_informed": ["Tell the customer the result first."],
    }
    assert Ticket.objects.get(pk=ticket.pk).status == S.IN_PROGRESS
    assert len(status_changes(ticket)) == 2


def test_a_case_answered_on_the_spot_resolves_from_acknowledged(
    clock, zhang, agent_user
):
    ticket = open_ticket(actor=agent_user, customer=zhang, type="consultation")
    act(ticket, agent_user, A.ACKNOWLEDGE)
    ready_to_resolve(ticket, agent_user)

    act(ticket, agent_user, A.RESOLVE)

    ticket.refresh_from_db()
    assert ticket.status == S.RESOLVED
    assert ticket.resolved_at == NOW
    assert status_changes(ticket)[-1] == ("acknowledged", "resolved")


def test_a04_a_repair_cannot_close_before_its_follow_up(
    zhang, agent_user, technician_user, supervisor_user, manager_user
):
    # given: the technician finished and the customer was told
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair")
    resolved(ticket, agent_user)
    act(ticket, None, A.AWAIT_FOLLOW_UP)
    before = TicketEvent.objects.count()

    # when / then: the technician may not; nobody may before the follow-up
    with pytest.raises(ActionForbidden):
        services.ticket_transition(ticket=ticket, action=A.CLOSE, actor=technician_user)
    for person in (agent_user, supervisor_user, manager_user):
        with pytest.raises(DomainError) as excinfo:
            services.ticket_transition(ticket=ticket, action=A.CLOSE, actor=person)
        assert type(excinfo.value) is DomainError
        assert str(excinfo.value) == (
            "A case closes after its follow-up (or the unreachable path with a "
            "supervisor's note)."
        )

    ticket.refresh_from_db()
    assert ticket.status == S.AWAITING_FOLLOW_UP
    assert ticket.closed_at is None
    assert TicketEvent.objects.count() == before


def test_a04_a_repair_cannot_close_straight_from_resolved(zhang, agent_user):
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair")
    resolved(ticket, agent_user)

    with pytest.raises(DomainError):
        services.ticket_transition(ticket=ticket, action=A.CLOSE, actor=agent_user)

    assert Ticket.objects.get(pk=ticket.pk).status == S.RESOLVED
    assert status_changes(ticket)[-1] == ("in_progress", "resolved")


def test_a_repair_closes_once_its_follow_up_is_completed(clock, zhang, agent_user):
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair")
    resolved(ticket, agent_user)
    act(ticket, None, A.AWAIT_FOLLOW_UP)
    # The follow-up loop (feedback app) is not built yet: it will stamp this.
    Ticket.objects.filter(pk=ticket.pk).update(follow_up_completed_at=NOW)
    ticket.refresh_from_db()

    act(ticket, agent_user, A.CLOSE)

    assert Ticket.objects.get(pk=ticket.pk).status == S.CLOSED


def test_a_consultation_closes_from_resolved_without_a_follow_up(
    clock, zhang, agent_user
):
    ticket = open_ticket(actor=agent_user, customer=zhang, type="consultation")
    resolved(ticket, agent_user)
    clock.shift(3600)

    act(ticket, agent_user, A.CLOSE)

    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED
    assert ticket.closed_at == NOW + H
    assert ticket.follow_up_completed_at is None
    assert status_changes(ticket)[-1] == ("resolved", "closed")


def test_only_the_system_hands_a_resolved_case_to_follow_up(
    zhang, agent_user, manager_user
):
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair")
    resolved(ticket, agent_user)

    for person in (agent_user, manager_user):
        with pytest.raises(ActionForbidden):
            services.ticket_transition(
                ticket=ticket, action=A.AWAIT_FOLLOW_UP, actor=person
            )
    assert Ticket.objects.get(pk=ticket.pk).status == S.RESOLVED

    act(ticket, None, A.AWAIT_FOLLOW_UP)

    assert Ticket.objects.get(pk=ticket.pk).status == S.AWAITING_FOLLOW_UP
    last = events(ticket, TicketEvent.Type.STATUS_CHANGED)[-1]
    assert last.actor is None
    assert last.data["new"] == "awaiting_follow_up"


def test_a_follow_up_agent_cannot_acknowledge(zhang, agent_user, unit_tree):
    caller = UserFactory(roles=["followup_agent"], units=[unit_tree["hot"]])
    ticket = open_ticket(actor=agent_user, customer=zhang)

    with pytest.raises(ActionForbidden):
        services.ticket_transition(ticket=ticket, action=A.ACKNOWLEDGE, actor=caller)

    ticket.refresh_from_db()
    assert ticket.status == S.NEW
    assert ticket.acknowledged_at is None
    assert status_changes(ticket) == []


@pytest.mark.parametrize("action", [A.CANCEL, A.MARK_DUPLICATE])
def test_cancel_and_duplicate_need_a_reason(zhang, agent_user, action):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    act(ticket, agent_user, A.ACKNOWLEDGE)

    with pytest.raises(ValidationError) as excinfo:
        services.ticket_transition(
            ticket=ticket, action=action, actor=agent_user, note="   "
        )
    assert excinfo.value.message_dict == {"reason": ["Give a reason."]}
    assert Ticket.objects.get(pk=ticket.pk).status == S.ACKNOWLEDGED
    assert len(status_changes(ticket)) == 1

    act(ticket, agent_user, action, note="Customer withdrew / same as T1.")

    target = S.CANCELLED if action == A.CANCEL else S.DUPLICATE
    assert Ticket.objects.get(pk=ticket.pk).status == target
    last = events(ticket, TicketEvent.Type.STATUS_CHANGED)[-1]
    assert last.data["note"] == "Customer withdrew / same as T1."


def test_pause_stamps_the_pause_and_keeps_the_due_times(clock, zhang, agent_user):
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair")
    act(ticket, agent_user, A.ACKNOWLEDGE, A.START)
    clock.move_to(NOW + 3 * H)

    act(ticket, agent_user, A.PAUSE_PARTS)

    ticket.refresh_from_db()
    assert ticket.status == S.WAITING_PARTS
    assert ticket.paused_at == NOW + 3 * H
    assert ticket.onsite_due_at == NOW + 24 * H
    assert ticket.resolve_due_at == NOW + 168 * H
    assert status_changes(ticket)[-1] == ("in_progress", "waiting_parts")


def test_pause_and_resume_move_open_due_times_by_the_paused_duration(
    clock, zhang, agent_user
):
    # given: a P3 repair (acknowledge, first contact, on site 24 h; resolve 168 h);
    # acknowledged after 1 h, customer called after 2 h
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair")
    clock.move_to(NOW + 1 * H)
    act(ticket, agent_user, A.ACKNOWLEDGE, A.START)
    clock.move_to(NOW + 2 * H)
    services.ticket_inform_customer(
        ticket=ticket, actor=agent_user, message="Technician booked."
    )

    # when: waiting for parts from +3 h to +13 h
    clock.move_to(NOW + 3 * H)
    act(ticket, agent_user, A.PAUSE_PARTS)
    ticket.refresh_from_db()
    assert ticket.paused_at == NOW + 3 * H
    assert ticket.resolve_due_at == NOW + 168 * H
    clock.move_to(NOW + 13 * H)
    act(ticket, agent_user, A.RESUME)

    # then: the met clocks stay, the open ones move 10 h
    ticket.refresh_from_db()
    assert ticket.status == S.IN_PROGRESS
    assert ticket.paused_at is None
    assert ticket.acknowledge_due_at == NOW + 24 * H
    assert ticket.acknowledge_warn_at == NOW + timedelta(hours=19, minutes=12)
    assert ticket.first_contact_due_at == NOW + 24 * H
    assert ticket.onsite_due_at == NOW + 34 * H
    assert ticket.onsite_warn_at == NOW + timedelta(hours=29, minutes=12)
    assert ticket.resolve_due_at == NOW + 178 * H
    assert ticket.resolve_warn_at == NOW + timedelta(hours=144, minutes=24)


def _business_hours_case(unit_tree, quality_user, manager_user, agent_user, at):
    """A P3 consultation opened at `at` under a business-hours standard (office hours
    09:00–18:00 Monday to Friday), acknowledged and started."""
    with time_machine.travel(at, tick=False):
        service_standard(
            author=quality_user,
            approver=manager_user,
            owner_unit=unit_tree["co"],
            parameters={"sla": {"business_hours": True}},
        )
        standard_services.business_calendar_save(
            actor=manager_user, unit=None, name="Office hours",
            day_start=time(9), day_end=time(18), workdays=[0, 1, 2, 3, 4],
        )  # fmt: skip
        buyer = customer(actor=agent_user, name="Li Na")
        ticket = open_ticket(
            actor=agent_user, customer=buyer, type="consultation", priority="P3"
        )
        act(ticket, agent_user, A.ACKNOWLEDGE, A.START)
    ticket.refresh_from_db()
    return ticket


def test_a_pause_outside_business_hours_does_not_move_business_hour_due_times(
    unit_tree, quality_user, manager_user, agent_user
):
    # given: opened Friday 6 March 2026 16:00 under a business-hours standard
    ticket = _business_hours_case(
        unit_tree, quality_user, manager_user, agent_user,
        at=datetime(2026, 3, 6, 16, 0, tzinfo=SHANGHAI),
    )  # fmt: skip
    before = {
        f"resolve_{k}_at": getattr(ticket, f"resolve_{k}_at") for k in ("due", "warn")
    }

    # when: waiting for the customer from Friday 18:00 to Monday 09:00 (no working hour)
    with time_machine.travel(datetime(2026, 3, 6, 18, 0, tzinfo=SHANGHAI), tick=False):
        act(ticket, agent_user, A.PAUSE_CUSTOMER)
    with time_machine.travel(datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI), tick=False):
        act(ticket, agent_user, A.RESUME)

    # then: the clocks lost no business hour, so nothing moved (not 63 wall-clock hours)
    ticket.refresh_from_db()
    assert ticket.paused_at is None
    assert ticket.resolve_due_at == before["resolve_due_at"]
    assert ticket.resolve_warn_at == before["resolve_warn_at"]


def test_a_pause_in_business_hours_moves_due_times_by_the_business_hours_lost(
    unit_tree, quality_user, manager_user, agent_user
):
    # given: opened Monday 2 March 2026 10:00; resolve due 168 business hours later,
    # Thursday 26 March 16:00
    ticket = _business_hours_case(
        unit_tree, quality_user, manager_user, agent_user,
        at=datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI),
    )  # fmt: skip
    assert ticket.resolve_due_at == datetime(2026, 3, 26, 16, 0, tzinfo=SHANGHAI)

    # when: paused Friday 6 March 16:00 to Monday 9 March 11:00: 2 + 2 = 4 business hours
    with time_machine.travel(datetime(2026, 3, 6, 16, 0, tzinfo=SHANGHAI), tick=False):
        act(ticket, agent_user, A.PAUSE_CUSTOMER)
    with time_machine.travel(datetime(2026, 3, 9, 11, 0, tzinfo=SHANGHAI), tick=False):
        act(ticket, agent_user, A.RESUME)

    # then: 4 business hours later: Thursday 16:00 + 2 h → 18:00, + 2 h → Friday 11:00
    ticket.refresh_from_db()
    assert ticket.resolve_due_at == datetime(2026, 3, 27, 11, 0, tzinfo=SHANGHAI)


def test_reopen_from_follow_up_hands_back_to_the_same_first_owner(
    clock, zhang, agent_user, technician_user, unit_tree
):
    # given: Li's case, handled by the workshop, resolved and awaiting follow-up
    caller = UserFactory(username="he", roles=["followup_agent"])
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair")
    act(ticket, agent_user, A.ACKNOWLEDGE)
    handover = services.handover_request(
        ticket=ticket, actor=agent_user, to_unit=unit_tree["ws"], reason="Diagnosis"
    )
    services.handover_accept(handover=handover, actor=technician_user)
    ticket.refresh_from_db()
    ready_to_resolve(ticket, technician_user)
    act(ticket, technician_user, A.RESOLVE)
    act(ticket, None, A.AWAIT_FOLLOW_UP)
    assert ticket.handler == technician_user

    # when: the follow-up finds it still noisy
    act(ticket, caller, A.REOPEN, note="Still noisy.")

    # then
    ticket.refresh_from_db()
    assert ticket.status == S.REOPENED
    assert ticket.first_owner == agent_user
    assert ticket.handler == agent_user
    assert ticket.reopen_count == 1
    (notification,) = Notification.objects.filter(kind="ticket_reopened")
    assert notification.recipient == agent_user
    assert notification.body == "Still noisy."
    assert notification.key == f"reopened:{ticket.pk}:1"
    last = events(ticket, TicketEvent.Type.STATUS_CHANGED)[-1]
    assert last.actor == caller
    assert last.public is True
    assert last.data == {
        "old": "awaiting_follow_up",
        "new": "reopened",
        "action": "reopen",
        "note": "Still noisy.",
    }


def test_reopen_needs_a_reason(zhang, agent_user):
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair")
    resolved(ticket, agent_user)
    act(ticket, None, A.AWAIT_FOLLOW_UP)

    with pytest.raises(ValidationError):
        services.ticket_transition(ticket=ticket, action=A.REOPEN, actor=agent_user)

    ticket.refresh_from_db()
    assert ticket.status == S.AWAITING_FOLLOW_UP
    assert ticket.reopen_count == 0
    assert Notification.objects.filter(kind="ticket_reopened").count() == 0


def _closed_consultation(clock, customer_, agent):
    ticket = open_ticket(actor=agent, customer=customer_, type="consultation")
    resolved(ticket, agent)
    act(ticket, agent, A.CLOSE)
    return ticket


def test_a_closed_case_reopens_within_the_reopen_window(clock, zhang, agent_user):
    ticket = _closed_consultation(clock, zhang, agent_user)
    clock.move_to(NOW + timedelta(days=30))

    act(ticket, agent_user, A.REOPEN, note="Same fault again.")

    ticket.refresh_from_db()
    assert ticket.status == S.REOPENED
    assert ticket.reopen_count == 1
    assert status_changes(ticket)[-1] == ("closed", "reopened")


def test_a_closed_case_does_not_reopen_after_the_reopen_window(
    clock, zhang, agent_user
):
    ticket = _closed_consultation(clock, zhang, agent_user)
    before = TicketEvent.objects.count()
    clock.move_to(NOW + timedelta(days=30, seconds=1))

    with pytest.raises(DomainError) as excinfo:
        services.ticket_transition(
            ticket=ticket, action=A.REOPEN, actor=agent_user, note="Same fault."
        )

    assert str(excinfo.value) == (
        "The reopen window of 30 days has passed: open a new case."
    )
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED
    assert ticket.reopen_count == 0
    assert TicketEvent.objects.count() == before
    assert Notification.objects.filter(kind="ticket_reopened").count() == 0


def test_a_stale_ticket_raises_stale_object_and_writes_no_event(zhang, agent_user):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    stale = Ticket.objects.get(pk=ticket.pk)
    Ticket.objects.filter(pk=ticket.pk).update(status=S.CANCELLED)

    with pytest.raises(StaleObject):
        services.ticket_transition(ticket=stale, action=A.ACKNOWLEDGE, actor=agent_user)

    ticket.refresh_from_db()
    assert ticket.status == S.CANCELLED
    assert ticket.acknowledged_at is None
    assert status_changes(ticket) == []


def test_the_same_transition_twice_from_one_object_is_refused_the_second_time(
    zhang, agent_user, supervisor_user
):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    first = Ticket.objects.get(pk=ticket.pk)
    second = Ticket.objects.get(pk=ticket.pk)
    services.ticket_transition(ticket=first, action=A.ACKNOWLEDGE, actor=agent_user)

    with pytest.raises(StaleObject):
        services.ticket_transition(
            ticket=second, action=A.ACKNOWLEDGE, actor=supervisor_user
        )

    assert status_changes(ticket) == [("new", "acknowledged")]
    assert events(ticket, TicketEvent.Type.STATUS_CHANGED)[0].actor == agent_user


# --- Handovers ----------------------------------------------------------------------------------


def test_a01_first_ownership_survives_a_handover_to_the_workshop(
    clock, zhang, agent_user, technician_user, unit_tree
):
    # given: Li registers a noisy washing machine and acknowledges it
    ticket = open_ticket(actor=agent_user, customer=zhang, type="repair")
    act(ticket, agent_user, A.ACKNOWLEDGE)

    # when: Li hands it to the workshop with a 48 h diagnosis commitment …
    handover = services.handover_request(
        ticket=ticket,
        actor=agent_user,
        to_unit=unit_tree["ws"],
        reason="Needs a diagnosis in the workshop.",
        commitment="Diagnose in 48 h",
        commitment_hours=Decimal("48"),
    )
    assert handover.status == Handover.Status.REQUESTED
    assert handover.from_unit == unit_tree["hot"]
    assert handover.from_user == agent_user
    assert handover.accept_due_at == NOW + 4 * H
    assert handover.commitment_due_at is None
    # … and a workshop technician accepts an hour later
    clock.move_to(NOW + 1 * H)
    services.handover_accept(handover=handover, actor=technician_user)

    # then
    handover.refresh_from_db()
    ticket.refresh_from_db()
    assert handover.status == Handover.Status.ACCEPTED
    assert handover.decided_by == technician_user
    assert handover.decided_at == NOW + 1 * H
    assert handover.commitment_due_at == NOW + 49 * H
    assert ticket.first_owner == agent_user
    assert ticket.handler == technician_user
    assert ticket.unit == unit_tree["ws"]
    assert ticket.status == S.IN_PROGRESS
    assert status_changes(ticket)[-1] == ("acknowledged", "in_progress")
    assert events(ticket, TicketEvent.Type.STATUS_CHANGED)[-1].actor == technician_user
    assert [e.type for e in events(ticket)] == [
        "opened",
        "status_changed",
        "handover_requested",
        "handover_accepted",
        "status_changed",
    ]
    (notification,) = Notification.objects.filter(kind="handover_accepted")
    assert notification.recipient == agent_user
    assert notification.url == ticket.get_absolute_url()


def test_accepting_a_handover_of_a_case_in_progress_keeps_its_status(
    zhang, agent_user, technician_user, unit_tree
):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    act(ticket, agent_user, A.ACKNOWLEDGE, A.START)
    handover = services.handover_request(
        ticket=ticket, actor=agent_user, to_unit=unit_tree["ws"], reason="Diagnosis"
    )

    services.handover_accept(handover=handover, actor=technician_user)

    ticket.refresh_from_db()
    assert ticket.status == S.IN_PROGRESS
    assert len(status_changes(ticket)) == 2


def _workshop_accepted(agent, technician, ticket, unit_tree):
    handover = services.handover_request(
        ticket=ticket, actor=agent, to_unit=unit_tree["ws"], reason="Diagnosis"
    )
    services.handover_accept(handover=handover, actor=technician)
    ticket.refresh_from_db()
    return handover


def test_a02_the_workshop_cannot_send_an_accepted_case_back_to_the_hotline(
    zhang, agent_user, technician_user, unit_tree
):
    # given: the workshop accepted a case from the hotline
    ticket = open_ticket(actor=agent_user, customer=zhang)
    act(ticket, agent_user, A.ACKNOWLEDGE)
    _workshop_accepted(agent_user, technician_user, ticket, unit_tree)
    before = TicketEvent.objects.count()

    # when / then: back to the hotline, as a unit or to the agent in person
    for target in ({"to_unit": unit_tree["hot"]}, {"to_user": agent_user}):
        with pytest.raises(DomainError) as excinfo:
            services.handover_request(
                ticket=ticket, actor=technician_user, reason="Not ours", **target
            )
        assert str(excinfo.value) == (
            "No bounce: this case came from Hotline. Accept it, or reject it to your "
            "coordinator with a reason."
        )

    assert Handover.objects.filter(ticket=ticket).count() == 1
    assert TicketEvent.objects.count() == before
    ticket.refresh_from_db()
    assert ticket.unit == unit_tree["ws"]
    assert ticket.handler == technician_user


def test_a02_a_refused_bounce_is_counted(zhang, agent_user, technician_user, unit_tree):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    act(ticket, agent_user, A.ACKNOWLEDGE)
    _workshop_accepted(agent_user, technician_user, ticket, unit_tree)

    with pytest.raises(DomainError):
        services.handover_request(
            ticket=ticket, actor=technician_user, to_unit=unit_tree["hot"], reason="No"
        )

    assert Ticket.objects.get(pk=ticket.pk).bounce_count == 1


def test_the_workshop_may_pass_the_case_on_to_a_third_unit(
    zhang, agent_user, technician_user, unit_tree
):
    parts = UnitFactory(code="parts", name="Parts", parent=unit_tree["br"])
    ticket = open_ticket(actor=agent_user, customer=zhang)
    act(ticket, agent_user, A.ACKNOWLEDGE)
    _workshop_accepted(agent_user, technician_user, ticket, unit_tree)

    handover = services.handover_request(
        ticket=ticket, actor=technician_user, to_unit=parts, reason="Needs a part"
    )

    assert handover.from_unit == unit_tree["ws"]
    assert handover.to_unit == parts
    assert Ticket.objects.get(pk=ticket.pk).bounce_count == 0


def test_reject_needs_a_reason_and_changes_nothing_without_one(
    zhang, agent_user, technician_user, unit_tree
):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    handover = services.handover_request(
        ticket=ticket, actor=agent_user, to_unit=unit_tree["ws"], reason="Diagnosis"
    )
    before = TicketEvent.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        services.handover_reject(handover=handover, actor=technician_user, reason=" ")

    assert excinfo.value.message_dict == {"reason": ["Give a reason."]}
    handover.refresh_from_db()
    assert handover.status == Handover.Status.REQUESTED
    assert handover.decided_by is None
    assert TicketEvent.objects.count() == before
    assert Notification.objects.filter(kind="handover_rejected").count() == 0


def test_reject_goes_to_the_coordinator_and_notifies_the_receiving_supervisors(
    clock, zhang, agent_user, technician_user, supervisor_user, workshop_supervisor,
    unit_tree,
):  # fmt: skip
    UserFactory(
        username="hotline-boss", roles=["supervisor"], supervises=[unit_tree["hot"]]
    )
    ticket = open_ticket(actor=agent_user, customer=zhang)
    handover = services.handover_request(
        ticket=ticket, actor=agent_user, to_unit=unit_tree["ws"], reason="Diagnosis"
    )

    services.handover_reject(
        handover=handover, actor=technician_user, reason="This is a parts issue."
    )

    handover.refresh_from_db()
    assert handover.status == Handover.Status.REJECTED
    assert handover.to_coordinator is True
    assert handover.rejection_reason == "This is a parts issue."
    assert handover.decided_by == technician_user
    assert handover.decided_at == NOW
    assert notified("handover_rejected") == ["chen", "zhou"]
    ticket.refresh_from_db()
    assert ticket.handler == agent_user
    assert ticket.unit == unit_tree["hot"]
    last = events(ticket)[-1]
    assert last.type == TicketEvent.Type.HANDOVER_REJECTED
    assert last.data == {"handover": handover.pk, "reason": "This is a parts issue."}


def test_only_one_pending_handover_per_case(zhang, agent_user, unit_tree):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    services.handover_request(
        ticket=ticket, actor=agent_user, to_unit=unit_tree["ws"], reason="Diagnosis"
    )

    with pytest.raises(DomainError) as excinfo:
        services.handover_request(
            ticket=ticket, actor=agent_user, to_unit=unit_tree["co"], reason="Other"
        )

    assert str(excinfo.value) == (
        "This case already has a handover waiting for acceptance."
    )
    assert Handover.objects.filter(ticket=ticket).count() == 1
    assert len(events(ticket, TicketEvent.Type.HANDOVER_REQUESTED)) == 1


def test_a_handover_addressed_to_a_person_is_not_accepted_by_someone_else(
    zhang, agent_user, technician_user, unit_tree
):
    colleague = UserFactory(roles=["technician"], units=[unit_tree["ws"]])
    ticket = open_ticket(actor=agent_user, customer=zhang)
    act(ticket, agent_user, A.ACKNOWLEDGE)
    handover = services.handover_request(
        ticket=ticket, actor=agent_user, to_user=technician_user, reason="Diagnosis"
    )
    assert handover.to_unit == unit_tree["ws"]
    before = TicketEvent.objects.count()

    with pytest.raises(PermissionDenied):
        services.handover_accept(handover=handover, actor=colleague)
    with pytest.raises(PermissionDenied):
        services.handover_reject(handover=handover, actor=colleague, reason="No")

    handover.refresh_from_db()
    ticket.refresh_from_db()
    assert handover.status == Handover.Status.REQUESTED
    assert handover.decided_by is None
    assert ticket.handler == agent_user
    assert ticket.unit == unit_tree["hot"]
    assert ticket.status == S.ACKNOWLEDGED
    assert TicketEvent.objects.count() == before
    assert Notification.objects.filter(kind="handover_accepted").count() == 0


def test_a_decided_handover_cannot_be_accepted_again(
    zhang, agent_user, technician_user, unit_tree
):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    handover = services.handover_request(
        ticket=ticket, actor=agent_user, to_unit=unit_tree["ws"], reason="Diagnosis"
    )
    services.handover_reject(handover=handover, actor=technician_user, reason="No")
    stale = Handover.objects.get(pk=handover.pk)

    with pytest.raises(StaleObject):
        services.handover_accept(handover=stale, actor=technician_user)

    ticket.refresh_from_db()
    assert ticket.handler == agent_user
    assert Handover.objects.get(pk=handover.pk).status == Handover.Status.REJECTED
    assert events(ticket, TicketEvent.Type.HANDOVER_ACCEPTED) == []


def test_only_an_open_case_is_handed_over(zhang, agent_user, unit_tree):
    ticket = open_ticket(actor=agent_user, customer=zhang, type="consultation")
    resolved(ticket, agent_user)

    with pytest.raises(DomainError):
        services.handover_request(
            ticket=ticket, actor=agent_user, to_unit=unit_tree["ws"], reason="Late"
        )

    assert Handover.objects.count() == 0


def test_a_pending_handover_of_a_cancelled_case_cannot_be_accepted(
    zhang, agent_user, technician_user, unit_tree
):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    handover = services.handover_request(
        ticket=ticket, actor=agent_user, to_unit=unit_tree["ws"], reason="Diagnosis"
    )
    act(ticket, agent_user, A.CANCEL, note="Customer withdrew.")

    with pytest.raises(DomainError):
        services.handover_accept(handover=handover, actor=technician_user)

    ticket.refresh_from_db()
    assert ticket.handler == agent_user
    assert ticket.unit == unit_tree["hot"]


# --- Who is told (issue #13: staff notifications that matter) ---------------------------------


def test_the_person_a_case_is_handed_to_is_told_at_once(
    zhang, agent_user, technician_user, unit_tree
):
    colleague = UserFactory(roles=["technician"], units=[unit_tree["ws"]])
    ticket = open_ticket(actor=agent_user, customer=zhang)
    services.handover_request(
        ticket=ticket, actor=agent_user, to_user=technician_user, reason="Diagnosis"
    )
    told = Notification.objects.filter(kind="handover_requested")
    assert [(n.recipient, n.body) for n in told] == [(technician_user, "Diagnosis")]
    assert (
        told[0].title == f"{ticket.number} is handed over to you: accept or reject it"
    )
    assert told[0].url == ticket.get_absolute_url()
    assert not Notification.objects.filter(recipient=colleague).exists()


def test_a_case_handed_to_a_unit_tells_its_members_but_not_the_sender(
    zhang, agent_user, technician_user, unit_tree
):
    colleague = UserFactory(roles=["technician"], units=[unit_tree["ws"]])
    gone = UserFactory(roles=["technician"], units=[unit_tree["ws"]], is_active=False)
    # the sender is a member of the workshop too
    Membership.objects.create(user=agent_user, unit=unit_tree["ws"])
    ticket = open_ticket(actor=agent_user, customer=zhang)
    services.handover_request(
        ticket=ticket, actor=agent_user, to_unit=unit_tree["ws"], reason="Diagnosis"
    )
    told = set(
        Notification.objects.filter(kind="handover_requested").values_list(
            "recipient", flat=True
        )
    )
    assert told == {technician_user.pk, colleague.pk}
    assert gone.pk not in told
    assert agent_user.pk not in told


@pytest.mark.parametrize(
    ("action", "title"),
    [
        (A.CANCEL, "{} was cancelled"),
        (A.MARK_DUPLICATE, "{} was marked as a duplicate"),
    ],
)
def test_a_cancel_or_duplicate_tells_the_first_owner(
    zhang, agent_user, supervisor_user, action, title
):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    act(ticket, supervisor_user, action, note="Same as T1.")
    told = Notification.objects.get(kind="ticket_ended")
    assert told.recipient == agent_user
    assert told.title == title.format(ticket.number)
    assert told.body == "Same as T1."


def test_the_first_owner_ending_their_own_case_is_not_told(zhang, agent_user):
    ticket = open_ticket(actor=agent_user, customer=zhang)
    act(ticket, agent_user, A.CANCEL, note="Withdrawn.")
    assert not Notification.objects.filter(kind="ticket_ended").exists()


# --- Every contact on record (issue #13) ------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "channel"),
    [("hotline", "phone"), ("counter", "counter"), ("email", "email")],
)
def test_a_case_opened_with_the_customer_is_their_contact_on_record(
    zhang, agent_user, source, channel
):
    ticket = open_ticket(actor=agent_user, customer=zhang, source=source)
    contact = Contact.objects.get(customer=zhang, direction="inbound")
    assert (contact.channel, contact.direction, contact.disposition) == (
        channel, "inbound", "ticket_created",
    )  # fmt: skip
    assert (contact.reference, contact.received_by, contact.summary) == (
        ticket.number, agent_user, ticket.title,
    )  # fmt: skip
    assert contact.at == ticket.created_at


@pytest.mark.parametrize("source", ["dealer", "regulator", "odr"])
def test_a_case_from_a_third_party_is_no_contact_of_the_customer(
    zhang, agent_user, source
):
    open_ticket(actor=agent_user, customer=zhang, source=source)
    assert not Contact.objects.filter(customer=zhang, direction="inbound").exists()
