"""The KPI catalogue measured (dashboards/measures.py, kpis.py, selectors.py and the KPI
API): every KPI of `dashboards.kpis.CATALOGUE` and the backlog ageing against a small data
set with the expected value worked out by hand next to it; business hours across a weekend,
a 调休 make-up working day and the National Day holiday; null values over an empty
denominator; breaches against the ceiling of the standard in force at the period's end;
the scope filters and who is attributed what; who may read the API; invalid filters; the
response shape; and a query count that does not grow with the data.

Every case, handover, visit, repair, follow-up, claim, feedback item, improvement action
and standard version is made through its service, at its moment in time with
`time-machine` (the services stamp `timezone.now()`); no row is written directly. The
company calendar is the default one (no BusinessCalendar row): Monday to Friday 09:00–18:00
Asia/Shanghai, statutory holidays and make-up working days from `chinese_calendar`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales import datastamp
from customers import services as archive_services
from customers.models import Contact, Party
from dashboards import kpis, selectors
from dashboards.measures import AGEING, Scope
from dashboards.periods import custom_period
from feedback.followups import services as followup_services
from feedback.models import FollowUp, ImprovementAction, QualityNotice
from feedback.voice import services as voice_services
from standards import calendar as business_calendar
from standards import selectors as standard_selectors
from standards.models import StandardDocument
from standards.parameters import DEFAULT_CONDUCT_CHECKLIST
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer, product, product_model
from tests.standards.factories import approved, document, draft, effective
from tests.tickets.factories import open_ticket, ready_to_resolve, service_standard
from tickets.cases import services as case_services
from tickets.cases import sweep as case_sweep
from tickets.models import Ticket
from tickets.recourse import services as recourse_services
from tickets.repairs import services as repair_services
from tickets.workflow import TicketAction, TicketStatus

pytestmark = pytest.mark.django_db

A = TicketAction
SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
KPI_FIELDS = {"value", "numerator", "denominator", "target", "ceiling", "breached"}
CLOCKS = ("acknowledge", "first_contact", "onsite", "resolve")
CHECKLIST = DEFAULT_CONDUCT_CHECKLIST  # the default standard's 6 items


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An aware Shanghai time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@contextmanager
def travel(moment: datetime) -> Iterator[None]:
    """The clock stands at `moment` (the services stamp `timezone.now()`)."""
    with time_machine.travel(moment, tick=False):
        yield


def scope_of(first: date, last: date, *, now: datetime, **filters) -> Scope:
    """The days `first`–`last` (Shanghai) as seen at `now`, with the scope filters."""
    start, end = custom_period(first, last).span(SHANGHAI)
    return Scope(start=start, end=end, now=now, **filters)


MARCH = (date(2026, 3, 1), date(2026, 3, 31))
AFTER_MARCH = at(2026, 4, 10)  # March seen as a past period


def report(scope: Scope) -> dict:
    """The API shape of the scope's KPIs (`kpi_report(scope).as_api()`)."""
    return selectors.kpi_report(scope).as_api()


def march(**filters) -> dict:
    return report(scope_of(*MARCH, now=AFTER_MARCH, **filters))


def triple(kpi: dict) -> tuple:
    """(value, numerator, denominator) of one KPI of the API shape."""
    return kpi["value"], kpi["numerator"], kpi["denominator"]


# --- People, units, the standard --------------------------------------------------------------


@pytest.fixture
def org(unit_tree):
    """The shared tree (company → branch → hotline, workshop) plus a follow-up team in
    the branch, QA and design at the company, and a second branch with its hotline."""
    company, branch = unit_tree["co"], unit_tree["br"]
    north = UnitFactory(code="br2", name="North branch", kind="branch", parent=company)
    unit_tree.update(
        fu=UnitFactory(
            code="fu", name="Follow-up team", kind="followup_team", parent=branch
        ),
        qa=UnitFactory(code="qa", name="QA", kind="qa", parent=company),
        design=UnitFactory(code="design", name="Design", kind="design", parent=company),
        br2=north,
        hot2=UnitFactory(
            code="hot2", name="North hotline", kind="hotline", parent=north
        ),
    )
    return unit_tree


@pytest.fixture
def quality_user(org):
    return UserFactory(username="qm", roles=["quality_manager"], units=[org["qa"]])


@pytest.fixture
def standard(org, quality_user, manager_user):
    """The company service standard with the default parameters (calendar-hour clocks:
    P1 acknowledge 0.5 h, first contact 1 h, resolve 48 h; on site 24 h urban; P3
    acknowledge 24 h; handover acceptance 4 h; follow-up window 3–72 h after resolution,
    CSAT 1–5 with ≤ 2 dissatisfied, 3 attempts) and the default KPI targets and ceilings."""
    with travel(at(2026, 1, 5, 9)):
        return service_standard(
            author=quality_user, approver=manager_user, owner_unit=org["co"]
        )


@pytest.fixture
def north_agent(org):
    return UserFactory(username="sun", roles=["agent"], units=[org["hot2"]])


@pytest.fixture
def visitor(org):
    """The follow-up agent (回访员) of the follow-up team."""
    return UserFactory(username="huang", roles=["followup_agent"], units=[org["fu"]])


@pytest.fixture
def zhang(standard, agent_user):
    return customer(actor=agent_user, name="Zhang Wei", phones=["13800138000"])


# --- Builders (every step through its service, at its moment) ---------------------------------


def opened(actor, when: datetime, person, **fields) -> Ticket:
    """A case received by `actor` at `when` (P3 repair over the hotline by default)."""
    with travel(when):
        return open_ticket(actor=actor, customer=person, **fields)


def fire(ticket: Ticket, actor, action: str, when: datetime, note: str = "") -> Ticket:
    with travel(when):
        return case_services.ticket_transition(
            ticket=ticket, action=action, actor=actor, note=note, now=when
        )


def informed(ticket: Ticket, actor, when: datetime) -> Ticket:
    """The customer told (the first contact)."""
    with travel(when):
        case_services.ticket_inform_customer(
            ticket=ticket, actor=actor, message="We are on it."
        )
    return ticket


def resolved(
    ticket: Ticket, actor, when: datetime, *, follow_up: bool = False
) -> Ticket:
    """Started (when not yet), cause and liability recorded, the customer told and the
    case resolved at `when`; `follow_up`: through `ticket_resolve`, so it then waits for
    its follow-up."""
    with travel(when):
        ticket.refresh_from_db()
        if ticket.status in {TicketStatus.ACKNOWLEDGED, TicketStatus.REOPENED}:
            ticket = case_services.ticket_transition(
                ticket=ticket, action=A.START, actor=actor, now=when
            )
        ready_to_resolve(ticket, actor)
        if follow_up:
            ticket = case_services.ticket_resolve(
                ticket=ticket,
                actor=actor,
                cause_code="bearing",
                liability="producer_defect",
            )
        else:
            ticket = case_services.ticket_transition(
                ticket=ticket, action=A.RESOLVE, actor=actor, now=when
            )
    ticket.refresh_from_db()
    return ticket


def stored_hours(ticket: Ticket) -> tuple[Decimal | None, Decimal | None]:
    ticket.refresh_from_db()
    return ticket.first_response_hours, ticket.resolution_hours


# --- Business hours: median and 90th percentile -----------------------------------------------


def test_response_and_resolution_percentiles_count_business_hours_across_holidays(
    zhang, agent_user, org
):
    # given the calendar: 09:00–18:00 on working days; 2026-10-01..07 National Day off,
    # Saturday 10-10 a 调休 make-up working day, Sunday 10-11 off
    calendar = standard_selectors.calendar_for_unit(unit=org["hot"])
    assert (calendar.day_start, calendar.day_end) == (time(9), time(18))
    assert not business_calendar.is_working_day(calendar, date(2026, 10, 5))
    assert business_calendar.is_working_day(calendar, date(2026, 10, 10))
    assert not business_calendar.is_working_day(calendar, date(2026, 10, 11))
    li = agent_user
    # and six cases opened in the period 2026-09-28..10-16, acknowledged through the
    # real ticket_transition(now=…)
    before_holiday = opened(li, at(2026, 9, 30, 16), zhang)
    late_before_holiday = opened(li, at(2026, 9, 30, 17, 30), zhang)
    on_holiday = opened(li, at(2026, 10, 3, 10), zhang)
    before_weekend = opened(li, at(2026, 10, 9, 17), zhang)
    monday = opened(li, at(2026, 10, 12, 10), zhang)
    opened(li, at(2026, 10, 16, 15), zhang)  # never acknowledged
    fire(before_holiday, li, A.ACKNOWLEDGE, at(2026, 10, 8, 10))
    fire(late_before_holiday, li, A.ACKNOWLEDGE, at(2026, 10, 10, 11))
    fire(on_holiday, li, A.ACKNOWLEDGE, at(2026, 10, 8, 9, 45))
    fire(before_weekend, li, A.ACKNOWLEDGE, at(2026, 10, 12, 9, 30))
    fire(monday, li, A.ACKNOWLEDGE, at(2026, 10, 12, 10, 15))
    # and three of them resolved in the period
    resolved(before_holiday, li, at(2026, 10, 9, 12))
    resolved(before_weekend, li, at(2026, 10, 12, 17))
    resolved(monday, li, at(2026, 10, 13, 10))

    # then the stored business hours (first response, resolution)
    # 09-30 16–18 = 2 h; 10-01..07 holiday 0; 10-08 09–10 = 1 h → 3.00
    # resolved 10-09 12:00: 2 + 9 (10-08) + 3 (10-09 09–12) → 14.00
    assert stored_hours(before_holiday) == (Decimal("3.00"), Decimal("14.00"))
    # 09-30 17:30–18 = 0.5 h; 10-08 9 h; 10-09 9 h; Sat 10-10 (make-up) 09–11 = 2 h → 20.50
    assert stored_hours(late_before_holiday) == (Decimal("20.50"), None)
    # opened on a holiday: nothing counts until 10-08 09:00; 09:00–09:45 → 0.75
    assert stored_hours(on_holiday) == (Decimal("0.75"), None)
    # Fri 10-09 17–18 = 1 h; Sat 10-10 (make-up) 9 h; Sun 0; Mon 09–09:30 = 0.5 h → 10.50
    # resolved Mon 17:00: 1 + 9 + 8 (Mon 09–17) → 18.00
    assert stored_hours(before_weekend) == (Decimal("10.50"), Decimal("18.00"))
    # Mon 10:00–10:15 → 0.25; resolved Tue 10:00: 8 (Mon 10–18) + 1 (Tue 09–10) → 9.00
    assert stored_hours(monday) == (Decimal("0.25"), Decimal("9.00"))

    # when
    kpi = report(scope_of(date(2026, 9, 28), date(2026, 10, 16), now=at(2026, 10, 20)))

    # first responses of the 5 acknowledged cases, ascending: 0.25, 0.75, 3, 10.5, 20.5
    # median: nearest rank ⌈0.5 × 5⌉ = 3rd → 3; ceiling 4 → not breached
    assert kpi["first_response_median_hours"] == {
        "value": 3, "numerator": None, "denominator": 5,
        "target": 1.0, "ceiling": 4.0, "breached": False,
    }  # fmt: skip
    # p90: rank ⌈0.9 × 5⌉ = 5th → 20.5; ceiling 8 → breached
    assert kpi["first_response_p90_hours"] == {
        "value": 20.5, "numerator": None, "denominator": 5,
        "target": 4.0, "ceiling": 8.0, "breached": True,
    }  # fmt: skip
    # resolution hours of the 3 resolved cases, ascending: 9, 14, 18
    # median rank ⌈0.5 × 3⌉ = 2nd → 14 (ceiling 40); p90 rank ⌈0.9 × 3⌉ = 3rd → 18 (ceiling 80)
    assert triple(kpi["resolution_median_hours"]) == (14, None, 3)
    assert triple(kpi["resolution_p90_hours"]) == (18, None, 3)
    assert kpi["resolution_median_hours"]["breached"] is False
    assert kpi["resolution_p90_hours"]["breached"] is False


def test_a_percentile_of_a_single_case_is_that_case(zhang, agent_user):
    case = opened(agent_user, at(2026, 3, 6, 17), zhang)  # Friday
    fire(case, agent_user, A.ACKNOWLEDGE, at(2026, 3, 9, 9, 30))  # Monday

    kpi = march()

    # Fri 17–18 = 1 h + Mon 09:00–09:30 = 0.5 h → 1.5 (rank ⌈0.5⌉ = ⌈0.9⌉ = 1)
    assert triple(kpi["first_response_median_hours"]) == (1.5, None, 1)
    assert triple(kpi["first_response_p90_hours"]) == (1.5, None, 1)
    # none resolved: no resolution time
    assert triple(kpi["resolution_median_hours"]) == (None, None, 0)


# --- Clocks: on-time rates --------------------------------------------------------------------


def visited(ticket: Ticket, technician, arrived: datetime, *, done: int = 6):
    """A visit booked and completed at `arrived`: the first `done` checklist items done."""
    with travel(arrived):
        visit = repair_services.visit_schedule(
            ticket=ticket, actor=technician, technician=technician,
            appointment_start=arrived - HOUR,
        )  # fmt: skip
        return repair_services.visit_complete(
            visit=visit, actor=technician, arrived_at=arrived, diagnosis="Worn bearing.",
            parts="", fees=Decimal("0"), customer_confirmed=True,
            checklist={item: n < done for n, item in enumerate(CHECKLIST)},
        )  # fmt: skip


def test_on_time_rate_counts_the_clocks_that_came_due_and_were_met(
    zhang, agent_user, technician_user
):
    li, liu = agent_user, technician_user
    # given P1 cases (acknowledge 0.5 h, first contact 1 h, on site 24 h, resolve 48 h)
    a = opened(li, at(2026, 3, 2, 10), zhang, priority="P1")
    fire(a, li, A.ACKNOWLEDGE, at(2026, 3, 2, 10, 20))  # due 10:30: met
    informed(a, li, at(2026, 3, 2, 10, 50))  # due 11:00: met
    visited(a, liu, at(2026, 3, 3, 9))  # due 03-03 10:00: met
    resolved(a, li, at(2026, 3, 3, 12))  # due 03-04 10:00: met
    b = opened(li, at(2026, 3, 2, 11), zhang, priority="P1")
    fire(b, li, A.ACKNOWLEDGE, at(2026, 3, 2, 11, 45))  # due 11:30: missed
    informed(b, li, at(2026, 3, 2, 11, 50))  # due 12:00: met
    visited(b, liu, at(2026, 3, 4, 9))  # due 03-03 11:00: missed
    # (never resolved: due 03-04 11:00, missed)
    c = opened(li, at(2026, 3, 20, 11), zhang, priority="P1")
    # (nothing done; at 11:45 only the acknowledge clock, due 11:30, has come due)
    d = opened(li, at(2026, 3, 5, 10), zhang, priority="P1")
    fire(d, li, A.ACKNOWLEDGE, at(2026, 3, 5, 10, 10))  # met
    informed(d, li, at(2026, 3, 5, 10, 30))  # met
    visited(d, liu, at(2026, 3, 6, 11))  # due 03-06 10:00: missed
    resolved(d, li, at(2026, 3, 6, 15))  # due 03-07 10:00: met
    e = opened(li, at(2026, 3, 10, 10), zhang, priority="P1", type="consultation")
    fire(e, li, A.ACKNOWLEDGE, at(2026, 3, 10, 10, 5))  # met
    # (a consultation has no on-site clock; first contact due 11:00 and resolve due
    # 03-12 10:00 both came due unmet)
    assert e.onsite_due_at is None
    assert c.acknowledge_due_at == at(2026, 3, 20, 11, 30)

    # when March is seen on 03-20 at 11:45
    kpi = report(scope_of(*MARCH, now=at(2026, 3, 20, 11, 45)))["on_time_rate"]

    # acknowledge: due a, b, c, d, e = 5; met a, d, e = 3 → 0.6 (ceiling 0.95: breached)
    assert kpi["acknowledge"] == {
        "value": 0.6, "numerator": 3, "denominator": 5,
        "target": 0.98, "ceiling": 0.95, "breached": True,
    }  # fmt: skip
    # first contact: due a, b, d, e = 4 (c's is due 12:00); met a, b, d = 3 → 0.75
    assert triple(kpi["first_contact"]) == (0.75, 3, 4)
    # on site: due a, b, d = 3 (c's due 03-21; e has none); met a = 1 → 1/3
    assert triple(kpi["onsite"]) == (0.3333333333, 1, 3)
    # resolve: due a, b, d, e = 4 (c's due 03-22); met a, d = 2 → 0.5
    assert triple(kpi["resolve"]) == (0.5, 2, 4)
    assert set(kpi) == set(CLOCKS)


# --- The three controls -----------------------------------------------------------------------


def registered(actor, person, model, serial: str, delivered: date):
    with travel(datetime.combine(delivered, time(12), tzinfo=SHANGHAI)):
        return product(
            actor=actor, owner=person, model=model, serial=serial,
            sale_date=delivered, delivery_date=delivered,
        )  # fmt: skip


def contact(actor, person, when: datetime, disposition: str = "answered") -> Contact:
    with travel(when):
        return archive_services.contact_log(
            actor=actor, customer=person, channel="phone", summary="Call",
            disposition=disposition, at=when,
        )  # fmt: skip


def served(actor, person, opened_at: datetime, resolved_at: datetime, **fields):
    """A case opened at `opened_at`, acknowledged 10 minutes later, resolved at
    `resolved_at` and waiting for its follow-up, which is scheduled then."""
    case = opened(actor, opened_at, person, **fields)
    fire(case, actor, A.ACKNOWLEDGE, opened_at + 10 * MINUTE)
    case = resolved(case, actor, resolved_at, follow_up=True)
    with travel(resolved_at):
        followup_services.followup_schedule_for_ticket(
            ticket_id=case.pk, now=resolved_at
        )
    return case


def task_of(case: Ticket) -> FollowUp:
    return FollowUp.objects.get(ticket=case, round=1)


def answered(case: Ticket, visitor, when: datetime, score: int) -> FollowUp:
    with travel(when):
        return followup_services.followup_complete(
            followup=task_of(case), actor=visitor, score=score, resolved=True, now=when
        )


def unreachable(case: Ticket, visitor, first_call: datetime) -> FollowUp:
    """Three unanswered calls an hour apart: the task ends unreachable at the third."""
    followup = task_of(case)
    for n in range(3):
        with travel(first_call + n * HOUR):
            followup_services.followup_attempt(
                followup=followup, actor=visitor, channel="phone", outcome="no_answer",
                now=first_call + n * HOUR,
            )  # fmt: skip
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.UNREACHABLE
    return followup


def test_the_three_controls(zhang, agent_user, visitor):
    li = agent_user
    # given four products delivered, three of them by the end of March
    washer = product_model(actor=li, code="W-1", category="washing_machine")
    for serial, delivered in (
        ("S1", date(2025, 5, 1)), ("S2", date(2026, 1, 10)),
        ("S3", date(2026, 3, 31)), ("S4", date(2026, 4, 2)),
    ):  # fmt: skip
        registered(li, zhang, washer, serial, delivered)
    # and complaints: two opened in March (one acknowledged late), one in February
    late = opened(li, at(2026, 3, 3, 10), zhang, type="complaint", priority="P1")
    fire(late, li, A.ACKNOWLEDGE, at(2026, 3, 3, 11))  # due 10:30: missed
    on_time = opened(li, at(2026, 3, 4, 10), zhang, type="complaint")
    fire(on_time, li, A.ACKNOWLEDGE, at(2026, 3, 4, 11))  # due 03-05 10:00: met
    opened(li, at(2026, 2, 27, 10), zhang, type="complaint")
    # and four repairs resolved in March: three followed up, one customer unreachable
    one = served(li, zhang, at(2026, 3, 9, 9), at(2026, 3, 9, 10))
    two = served(li, zhang, at(2026, 3, 10, 9), at(2026, 3, 10, 10))
    three = served(li, zhang, at(2026, 3, 11, 9), at(2026, 3, 11, 10))
    four = served(li, zhang, at(2026, 3, 12, 9), at(2026, 3, 12, 10))
    answered(one, visitor, at(2026, 3, 9, 14), score=5)
    answered(two, visitor, at(2026, 3, 10, 14), score=4)
    answered(three, visitor, at(2026, 3, 11, 14), score=2)  # dissatisfied: reopened
    unreachable(four, visitor, at(2026, 3, 12, 14))
    # and four contacts in March, one without a disposition; one in February
    for day, disposition in (
        (2, "answered"),
        (3, "ticket_created"),
        (5, ""),
        (6, "linked"),
    ):
        contact(li, zhang, at(2026, 3, day, 9), disposition)
    contact(li, zhang, at(2026, 2, 20, 9), "")

    kpi = march()

    # complaints opened in March 2 ÷ products delivered by 03-31 3 → 0.6667
    assert kpi["complaint_rate"] == {
        "value": 0.6666666667, "numerator": 2, "denominator": 3,
        "target": None, "ceiling": 0.00001, "breached": True,
    }  # fmt: skip
    # (1 contact without disposition + 1 acknowledgement missed + 1 follow-up ended
    # unreachable) ÷ (4 contacts logged + the 6 cases opened on the phone in March) → 0.3
    assert triple(kpi["omission_rate"]) == (0.3, 3, 10)
    assert kpi["omission_rate"]["breached"] is True
    # dissatisfied 1 (score 2 ≤ 2) ÷ follow-ups completed 3 → 1/3
    assert triple(kpi["dissatisfaction_rate"]) == (0.3333333333, 1, 3)
    assert kpi["dissatisfaction_rate"]["breached"] is True


# --- Follow-ups and the customer's voice ------------------------------------------------------


def test_followup_rate_timeliness_satisfaction_csat_and_nps(
    zhang, agent_user, visitor, quality_user
):
    li = agent_user
    # given CSAT follow-ups (window: resolution + 3 h to + 72 h, due at its close)
    on_time = served(li, zhang, at(2026, 3, 2, 9), at(2026, 3, 2, 10))
    early = served(li, zhang, at(2026, 3, 3, 9), at(2026, 3, 3, 10))
    late = served(li, zhang, at(2026, 3, 4, 9), at(2026, 3, 4, 10))
    missed = served(li, zhang, at(2026, 3, 5, 9), at(2026, 3, 5, 10))
    answered(on_time, visitor, at(2026, 3, 2, 14), score=5)  # window 13:00–03-05 10:00
    answered(early, visitor, at(2026, 3, 3, 11), score=4)  # before 13:00: early
    # (after its window closed 03-07 10:00; 2 ≤ 2: dissatisfied)
    answered(late, visitor, at(2026, 3, 8, 10), score=2)
    unreachable(missed, visitor, at(2026, 3, 5, 14))
    # and, once an NPS questionnaire replaced the CSAT one, three NPS follow-ups
    with travel(at(2026, 3, 9, 9)):
        nps = followup_services.questionnaire_create(
            actor=quality_user, code="after-service", title="NPS", scale="nps10"
        )
        followup_services.questionnaire_activate(actor=quality_user, questionnaire=nps)
    promoter = served(li, zhang, at(2026, 3, 10, 9), at(2026, 3, 10, 10))
    late_promoter = served(li, zhang, at(2026, 3, 11, 9), at(2026, 3, 11, 10))
    detractor = served(li, zhang, at(2026, 3, 12, 9), at(2026, 3, 12, 10))
    answered(promoter, visitor, at(2026, 3, 10, 14), score=10)
    answered(late_promoter, visitor, at(2026, 3, 15, 10), score=9)  # after 03-14 10:00
    answered(detractor, visitor, at(2026, 3, 12, 14), score=3)  # ≤ 6: dissatisfied
    # and an NPS follow-up due in April (resolved 03-30 10:00, due 04-02 10:00) but
    # answered in March
    april = served(li, zhang, at(2026, 3, 30, 9), at(2026, 3, 30, 10))
    answered(april, visitor, at(2026, 3, 30, 14), score=10)
    assert task_of(promoter).questionnaire.scale == "nps10"
    assert task_of(on_time).questionnaire.scale == "csat5"

    kpi = march()

    # due in March: 7 (all but the April one); completed 6 (not the unreachable) → 6/7
    assert kpi["followup_rate"] == {
        "value": 0.8571428571, "numerator": 6, "denominator": 7,
        "target": 1.0, "ceiling": 0.95, "breached": True,
    }  # fmt: skip
    # inside their window: on_time, promoter, detractor = 3 of the 6 completed → 0.5
    assert triple(kpi["followup_timeliness"]) == (0.5, 3, 6)
    # completed in March: 7 (the April-due one too); satisfied: on_time, early,
    # promoter, late_promoter, april = 5 → 5/7; dissatisfied: late, detractor → 2/7
    assert triple(kpi["satisfaction_rate"]) == (0.7142857143, 5, 7)
    assert triple(kpi["dissatisfaction_rate"]) == (0.2857142857, 2, 7)
    # CSAT answers 5 + 4 + 2 = 11 points ÷ 3 answers → 3.67 (below the ceiling 4.0:
    # breached, higher is better)
    assert kpi["csat"] == {
        "value": 3.67, "numerator": 11, "denominator": 3,
        "target": 4.5, "ceiling": 4.0, "breached": True,
    }  # fmt: skip
    # NPS: promoters 3 (10, 9, 10) − detractors 1 (3) = 2 ÷ 4 answers × 100 → 50.0
    # (not below the ceiling 30: not breached)
    assert kpi["nps"] == {
        "value": 50.0, "numerator": 2, "denominator": 4,
        "target": 50.0, "ceiling": 30.0, "breached": False,
    }  # fmt: skip
    # the trend reads the same follow-ups: the 31 days before March had none
    feb, mar = selectors.voice_trend(
        scope_of(*MARCH, now=AFTER_MARCH), custom_period(*MARCH).series(2)
    )
    assert (feb["completed"], feb["satisfaction_rate"], feb["csat"], feb["nps"]) == (
        0, None, None, None,
    )  # fmt: skip
    # 5/7 → 0.7143 (4 places); CSAT 11/3 → 3.67; NPS 2 × 100 / 4 → 50.0
    assert (mar["completed"], mar["satisfaction_rate"], mar["csat"], mar["nps"]) == (
        7, 0.7143, 3.67, 50.0,
    )  # fmt: skip


# --- Work: backlog, reopenings, handovers -----------------------------------------------------


def ageing(kpi: dict) -> dict[str, int]:
    return {key: row["value"] for key, row in kpi["backlog_ageing"].items()}


def test_backlog_and_its_ageing_now_and_at_the_end_of_a_past_period(zhang, agent_user):
    li = agent_user
    # given, seen on 2026-03-20 12:00, the cases open now
    opened(li, at(2026, 3, 20, 8), zhang)  # 4 h old
    opened(li, at(2026, 3, 20, 11), zhang)  # 1 h old
    waiting = opened(li, at(2026, 3, 18, 12), zhang)  # 2 days old
    fire(waiting, li, A.ACKNOWLEDGE, at(2026, 3, 18, 13))
    started = opened(li, at(2026, 3, 15, 12), zhang)  # 5 days old
    fire(started, li, A.ACKNOWLEDGE, at(2026, 3, 15, 13))
    fire(started, li, A.START, at(2026, 3, 16))
    opened(li, at(2026, 3, 10, 12), zhang)  # 10 days old
    opened(li, at(2026, 2, 10, 12), zhang)  # 38 days old (opened before the period)
    # and cases no longer open: resolved, cancelled
    done = opened(li, at(2026, 3, 1, 12), zhang)
    fire(done, li, A.ACKNOWLEDGE, at(2026, 3, 1, 13))
    resolved(done, li, at(2026, 3, 5))
    cancelled = opened(li, at(2026, 3, 2, 12), zhang)
    fire(cancelled, li, A.CANCEL, at(2026, 3, 2, 13), note="Opened twice")
    # and, for February, cases resolved after its end or before it
    after_end = opened(li, at(2026, 2, 20, 12), zhang)
    fire(after_end, li, A.ACKNOWLEDGE, at(2026, 2, 20, 13))
    resolved(after_end, li, at(2026, 3, 3))
    long_open = opened(li, at(2026, 1, 20, 12), zhang)
    fire(long_open, li, A.ACKNOWLEDGE, at(2026, 1, 20, 13))
    resolved(long_open, li, at(2026, 3, 2))
    before_end = opened(li, at(2026, 2, 5, 12), zhang)
    fire(before_end, li, A.ACKNOWLEDGE, at(2026, 2, 5, 13))
    resolved(before_end, li, at(2026, 2, 25))
    now = at(2026, 3, 20, 12)

    # when March is the current period: the cases open now
    current = report(scope_of(*MARCH, now=now))

    # 6 open: 4 h and 1 h (0–1 d), 2 d (1–3 d), 5 d (3–7 d), 10 d (7–30 d), 38 d (30 d+)
    assert current["backlog"] == {
        "value": 6, "numerator": 6, "denominator": None,
        "target": None, "ceiling": None, "breached": False,
    }  # fmt: skip
    assert ageing(current) == {"0_1d": 2, "1_3d": 1, "3_7d": 1, "7_30d": 1, "30d": 1}
    assert current["backlog_ageing"]["0_1d"] == {
        "value": 2, "numerator": 2, "denominator": 6,
        "target": None, "ceiling": None, "breached": False,
    }  # fmt: skip
    assert list(current["backlog_ageing"]) == [key for key, _low, _high in AGEING]

    # when February is a past period: opened before 03-01 00:00, not resolved by then
    past = report(scope_of(date(2026, 2, 1), date(2026, 2, 28), now=now))

    # the one still open (02-10 12:00: 18.5 d), the one resolved 03-03 (02-20 12:00:
    # 8.5 d) and the one resolved 03-02 (01-20 12:00: 39.5 d); not the one resolved 02-25
    assert triple(past["backlog"]) == (3, 3, None)
    assert ageing(past) == {"0_1d": 0, "1_3d": 0, "3_7d": 0, "7_30d": 2, "30d": 1}


def test_reopen_rate_counts_the_latest_resolution_in_the_period(
    zhang, agent_user, supervisor_user
):
    li = agent_user

    def acknowledged(when):
        return fire(opened(li, when, zhang), li, A.ACKNOWLEDGE, when + HOUR)

    # given a case resolved once in March
    resolved(acknowledged(at(2026, 3, 2)), li, at(2026, 3, 3))
    # and one resolved, reopened and resolved again in March
    twice = resolved(acknowledged(at(2026, 3, 2)), li, at(2026, 3, 4), follow_up=True)
    fire(twice, supervisor_user, A.REOPEN, at(2026, 3, 5), "Still noisy")
    resolved(twice, li, at(2026, 3, 6))
    # and one first resolved in February, reopened, then resolved in March
    from_february = resolved(
        acknowledged(at(2026, 2, 23)), li, at(2026, 2, 25), follow_up=True
    )
    fire(from_february, supervisor_user, A.REOPEN, at(2026, 2, 26), "Still noisy")
    resolved(from_february, li, at(2026, 3, 2))
    # and one resolved in March, reopened and still open (no longer resolved)
    still_open = resolved(
        acknowledged(at(2026, 3, 9)), li, at(2026, 3, 10), follow_up=True
    )
    fire(still_open, supervisor_user, A.REOPEN, at(2026, 3, 12), "Still noisy")

    kpi = march()

    # resolved in March: 3; reopened at least once: 2 → 2/3 (ceiling 0.05: breached)
    assert kpi["reopen_rate"] == {
        "value": 0.6666666667, "numerator": 2, "denominator": 3,
        "target": 0.02, "ceiling": 0.05, "breached": True,
    }  # fmt: skip


def handed_over(ticket: Ticket, actor, to_unit, when: datetime):
    with travel(when):
        return case_services.handover_request(
            ticket=ticket, actor=actor, to_unit=to_unit, reason="Needs the workshop"
        )


def test_handover_acceptance_hours_and_bounce_rate(
    zhang, agent_user, technician_user, org
):
    li, liu, workshop = agent_user, technician_user, org["ws"]

    def acknowledged(when):
        return fire(opened(li, when, zhang), li, A.ACKNOWLEDGE, when + MINUTE)

    # given handovers to the workshop decided in March
    quick = handed_over(
        acknowledged(at(2026, 3, 2, 9)), li, workshop, at(2026, 3, 2, 10)
    )
    with travel(at(2026, 3, 2, 11, 30)):  # accepted after 1.5 h
        case_services.handover_accept(handover=quick, actor=liu)
    slow = handed_over(
        acknowledged(at(2026, 3, 3, 9)), li, workshop, at(2026, 3, 3, 10)
    )
    with travel(at(2026, 3, 3, 14, 30)):  # accepted after 4.5 h
        case_services.handover_accept(handover=slow, actor=liu)
    refused = handed_over(
        acknowledged(at(2026, 3, 4, 9)), li, workshop, at(2026, 3, 4, 10)
    )
    with travel(at(2026, 3, 4, 12)):
        case_services.handover_reject(handover=refused, actor=liu, reason="Not ours")
    # (acceptance due 4 h after the request: 14:00; the sweep expires it at 15:00)
    handed_over(acknowledged(at(2026, 3, 5, 9)), li, workshop, at(2026, 3, 5, 10))
    with travel(at(2026, 3, 5, 15)):
        assert case_sweep.handover_sweep(now=at(2026, 3, 5, 15)) == 1
    # and one requested in March but accepted in April
    april = handed_over(
        acknowledged(at(2026, 3, 31, 9)), li, workshop, at(2026, 3, 31, 20)
    )
    with travel(at(2026, 4, 1, 9)):
        case_services.handover_accept(handover=april, actor=liu)

    kpi = march()

    # accepted 2; waited 1.5 + 4.5 = 6 h → 6 ÷ 2 = 3.0 h (ceiling 4: not breached)
    assert kpi["handover_acceptance_hours"] == {
        "value": 3.0, "numerator": 6.0, "denominator": 2,
        "target": 2.0, "ceiling": 4.0, "breached": False,
    }  # fmt: skip
    # decided 4 (accepted 2, rejected 1, expired 1); bounced 2 → 0.5 (ceiling 0.1)
    assert triple(kpi["handover_bounce_rate"]) == (0.5, 2, 4)
    assert kpi["handover_bounce_rate"]["breached"] is True


# --- Quality and 三包 ---------------------------------------------------------------------------


def item_of(
    actor, person, serial: str, delivered: date = date(2025, 12, 1), model=None
):
    """A television of its own model (unless `model`), delivered on `delivered`."""
    model = model or product_model(actor=actor, code=f"TV-{serial}", category="tv")
    with travel(datetime.combine(delivered, time(12), tzinfo=SHANGHAI)):
        return product(
            actor=actor, owner=person, model=model, serial=serial, sale_date=delivered,
            delivery_date=delivered, invoice_price=Decimal("3999.00"),
            price_paid=Decimal("3599.00"),
        )  # fmt: skip


def repaired(ticket: Ticket, actor, day: date, **fields):
    """A repair started and fixed on `day`."""
    with travel(datetime.combine(day, time(16), tzinfo=SHANGHAI)):
        return repair_services.repair_record(
            ticket=ticket, actor=actor, started_on=day, ended_on=day, outcome="fixed",
            **fields,
        )  # fmt: skip


def test_first_time_fix_rate_and_conduct_compliance(
    zhang, agent_user, technician_user, supervisor_user
):
    li, liu = agent_user, technician_user

    def repair_case(serial: str, when: datetime, **fields) -> Ticket:
        case = opened(li, when, zhang, product=item_of(li, zhang, serial), **fields)
        return fire(case, li, A.ACKNOWLEDGE, when + MINUTE)

    # given repair cases resolved in March
    once = repair_case("T1", at(2026, 3, 2))
    repaired(once, liu, date(2026, 3, 2))
    resolved(once, liu, at(2026, 3, 3))  # one repair record: fixed first time
    twice = repair_case("T2", at(2026, 3, 2))
    repaired(twice, liu, date(2026, 3, 2))
    repaired(twice, liu, date(2026, 3, 3))
    resolved(twice, liu, at(2026, 3, 4))  # two repair records
    revisited = repair_case("T3", at(2026, 3, 2))
    visited(revisited, liu, at(2026, 3, 3, 10), done=6)
    visited(revisited, liu, at(2026, 3, 4, 10), done=3)
    resolved(revisited, liu, at(2026, 3, 5))  # two visits
    reopened = repair_case("T4", at(2026, 3, 2))
    resolved(reopened, liu, at(2026, 3, 3), follow_up=True)
    fire(reopened, supervisor_user, A.REOPEN, at(2026, 3, 4), "Noisy again")
    resolved(reopened, liu, at(2026, 3, 6))  # reopened once
    both = repair_case("T5", at(2026, 3, 2))
    visited(both, liu, at(2026, 3, 3, 14), done=6)
    repaired(both, liu, date(2026, 3, 3))
    resolved(both, liu, at(2026, 3, 4))  # one visit and one repair record: first time
    # and a consultation resolved in March (not a repair), a visit in February
    consultation = opened(li, at(2026, 3, 2), zhang, type="consultation")
    fire(consultation, li, A.ACKNOWLEDGE, at(2026, 3, 2, 11))
    resolved(consultation, li, at(2026, 3, 2, 12))
    visited(repair_case("T6", at(2026, 2, 20)), liu, at(2026, 2, 21, 10), done=4)

    kpi = march()

    # repair cases resolved in March 5; fixed first time: once, both → 2/5
    # (ceiling 0.8: breached)
    assert kpi["first_time_fix_rate"] == {
        "value": 0.4, "numerator": 2, "denominator": 5,
        "target": 0.9, "ceiling": 0.8, "breached": True,
    }  # fmt: skip
    # visits arrived in March: 6/6 + 3/6 + 6/6 → 15 items done ÷ 18 asked → 0.8333
    # (not February's 4/6)
    assert triple(kpi["conduct_compliance_rate"]) == (0.8333333333, 15, 18)
    assert kpi["conduct_compliance_rate"]["breached"] is True  # ceiling 0.95


def test_repeat_repair_rates_within_30_and_90_days(zhang, agent_user):
    li = agent_user
    television = item_of(li, zhang, "R1")
    other = item_of(li, zhang, "R2")

    def repair_of(item, when: datetime, fault_code: str) -> Ticket:
        return opened(li, when, zhang, product=item, fault_code=fault_code)

    # given repairs of one television, fault E1 first on 2025-12-20
    repair_of(television, at(2025, 12, 20), "E1")
    repair_of(television, at(2026, 3, 5), "E1")  # 75 days after: within 90, not 30
    # (15 days after 03-05: within 30 and 90)
    repair_of(television, at(2026, 3, 20), "E1")
    repair_of(television, at(2026, 3, 22), "E2")  # another fault
    # and another television's first E1, and a repair without a fault code
    repair_of(other, at(2026, 3, 10), "E1")
    repair_of(other, at(2026, 3, 11), "")
    # and a complaint about the same television and fault (not a repair)
    complaint = {"type": "complaint", "product": television, "fault_code": "E1"}
    opened(li, at(2026, 3, 25), zhang, **complaint)

    kpi = march()

    # repair cases opened in March: 5; within 30 days of an earlier same repair: 03-20 → 1/5
    assert kpi["repeat_repair_rate_30"] == {
        "value": 0.2, "numerator": 1, "denominator": 5,
        "target": 0.02, "ceiling": 0.05, "breached": True,
    }  # fmt: skip
    # within 90 days: 03-05 (after 12-20) and 03-20 → 2/5
    assert triple(kpi["repeat_repair_rate_90"]) == (0.4, 2, 5)
    # the Pareto of March's fault codes (any case type): R1's model E1 3 (two repairs,
    # the complaint), E2 1 → 3/4, then 1/4 (cumulative 1); R2's model E1 1 (blank left out)
    assert [
        (m["model"], m["total"], [(f["fault_code"], f["cases"], f["share"], f["cumulative"])
                                  for f in m["faults"]])
        for m in selectors.pareto(scope_of(*MARCH, now=AFTER_MARCH))
    ] == [
        ("TV-R1", 4, [("E1", 3, 0.75, 0.75), ("E2", 1, 0.25, 1.0)]),
        ("TV-R2", 1, [("E1", 1, 1.0, 1.0)]),
    ]  # fmt: skip


def test_sanbao_exceptions_count_the_legal_clock_events_of_the_period(
    zhang, agent_user, technician_user
):
    li = agent_user

    def sweep(when: datetime) -> int:
        with travel(when):
            return repair_services.legal_clock_sweep(now=when)

    # given a television delivered 03-04 with a repair case: return window to 03-11,
    # exchange window to 03-19
    fresh = opened(
        li, at(2026, 3, 5), zhang, product=item_of(li, zhang, "L1", date(2026, 3, 4))
    )
    # and one delivered 02-22: return window to 03-01, exchange window to 03-09
    older = item_of(li, zhang, "L2", date(2026, 2, 22))
    opened(li, at(2026, 2, 23), zhang, product=older)
    # and a repair by the repairer's fault open since 02-01 (limit 30 days)
    stuck = opened(li, at(2026, 2, 1), zhang, product=item_of(li, zhang, "L3"))
    fire(stuck, li, A.ACKNOWLEDGE, at(2026, 2, 1, 11))
    with travel(at(2026, 2, 1, 12)):
        repair_services.repair_record(
            ticket=stuck, actor=technician_user, started_on=date(2026, 2, 1),
            repairer_fault=True,
        )  # fmt: skip

    # when the daily sweep runs
    assert sweep(at(2026, 2, 27, 6, 30)) == 1  # L2's return window (February)
    assert sweep(at(2026, 3, 10, 6, 30)) == 2  # L1's return window; L3 at 37 days
    assert sweep(at(2026, 3, 17, 6, 30)) == 1  # L1's exchange window
    assert fresh.entitlement["options"][:2] == ["return", "exchange"]

    # then March counts 2 windows + 1 repair limit → 3; February 1
    assert march()["sanbao_exceptions"] == {
        "value": 3, "numerator": 3, "denominator": None,
        "target": None, "ceiling": None, "breached": False,
    }  # fmt: skip
    february = report(scope_of(date(2026, 2, 1), date(2026, 2, 28), now=AFTER_MARCH))
    assert triple(february["sanbao_exceptions"]) == (1, 1, None)


# --- Recourse ---------------------------------------------------------------------------------


def claim_settled(
    ticket: Ticket, actor, party: Party, *, amount: str, submitted: datetime,
    settled: datetime | None, recovered: str | None = None,
):  # fmt: skip
    """A claim drafted and made ready at `submitted`, submitted then, and settled at
    `settled` with `recovered` (None: still waiting for the party)."""
    with travel(submitted):
        claim = recourse_services.claim_create(
            ticket=ticket, actor=actor, party=party, amount=amount, basis="CRPL Art. 40",
            evidence_notes="Repair report on file.",
        )  # fmt: skip
        for action in ("ready", "submit"):
            claim = recourse_services.claim_transition(
                claim=claim, actor=actor, action=action, now=submitted
            )
    if settled is not None:
        with travel(settled):
            claim = recourse_services.claim_transition(
                claim=claim, actor=actor, action="settle", recovered_amount=recovered,
                now=settled,
            )  # fmt: skip
    return claim


def test_recourse_recovery_rate_and_cycle_days(zhang, agent_user):
    li = agent_user
    maker = archive_services.party_save(actor=li, name="ACME", kind=Party.Kind.PRODUCER)
    case = opened(li, at(2026, 2, 10), zhang)
    # given claims settled in March
    claim_settled(
        case, li, maker, amount="3000.00", submitted=at(2026, 3, 2, 10),
        settled=at(2026, 3, 12, 10), recovered="3000.00",
    )  # fmt: skip  # 10 days, in full
    claim_settled(
        case, li, maker, amount="1000.00", submitted=at(2026, 2, 20, 10),
        settled=at(2026, 3, 6, 22), recovered="400.00",
    )  # fmt: skip  # 14.5 days, in part
    # and one still waiting, one settled in April
    claim_settled(
        case, li, maker, amount="500.00", submitted=at(2026, 3, 1), settled=None
    )
    claim_settled(
        case, li, maker, amount="800.00", submitted=at(2026, 3, 20),
        settled=at(2026, 4, 2), recovered="800.00",
    )  # fmt: skip

    kpi = march()

    # recovered 3000 + 400 = 3400 ÷ claimed 3000 + 1000 = 4000 → 0.85 (ceiling 0.7)
    assert kpi["recourse_recovery_rate"] == {
        "value": 0.85, "numerator": 3400, "denominator": 4000,
        "target": 0.9, "ceiling": 0.7, "breached": False,
    }  # fmt: skip
    # days from submission to settlement: 10 + 14.5 = 24.5 over 2 claims → mean 12.25
    assert kpi["recourse_cycle_days"] == {
        "value": 12.25, "numerator": 24.5, "denominator": 2,
        "target": 60.0, "ceiling": 90.0, "breached": False,
    }  # fmt: skip


# --- Standards and improvement ----------------------------------------------------------------


def feedback_item(actor, person, created: datetime, answered: datetime | None):
    """A feedback item recorded at `created` (reply due 10 days later, the default) and
    answered at `answered` (None: not yet)."""
    with travel(created):
        item = voice_services.feedback_item_create(
            actor=actor, source="contact", text="Make the manual clearer.",
            customer=person, now=created,
        )  # fmt: skip
    if answered is not None:
        with travel(answered):
            voice_services.feedback_item_answer(
                item=item, actor=actor, reply="Thank you, we rewrote it."
            )
    return item


def test_feedback_on_time_rate(zhang, agent_user):
    li = agent_user
    # given items whose reply is due in March
    feedback_item(li, zhang, at(2026, 2, 25), answered=at(2026, 3, 5))  # due 03-07
    feedback_item(li, zhang, at(2026, 3, 1), answered=at(2026, 3, 11, 23))  # due 03-11
    # (due 03-15, answered a day late)
    feedback_item(li, zhang, at(2026, 3, 5), answered=at(2026, 3, 16))
    feedback_item(li, zhang, at(2026, 3, 10), answered=None)  # due 03-20: never
    # and one due in April
    feedback_item(li, zhang, at(2026, 3, 25), answered=at(2026, 3, 26))  # due 04-04

    kpi = march()

    # due in March 4; answered by their due day (Shanghai dates: 23:00 on 03-11 is still
    # 03-11) 2 → 0.5 (ceiling 0.9: breached)
    assert kpi["feedback_on_time_rate"] == {
        "value": 0.5, "numerator": 2, "denominator": 4,
        "target": 0.95, "ceiling": 0.9, "breached": True,
    }  # fmt: skip


def test_improvement_actions_on_time_and_open(zhang, agent_user, org):
    li = agent_user
    designer = UserFactory(username="feng", roles=["agent"], units=[org["design"]])
    # given a quality notice for January's cases of a model, addressed to design
    item = item_of(li, zhang, "N1")
    opened(li, at(2026, 1, 15), zhang, product=item, fault_code="E1")
    with travel(at(2026, 2, 1, 4)):
        assert voice_services.quality_notice_generate(now=at(2026, 2, 1, 4)) == 1
    notice = QualityNotice.objects.get()

    def action(created: datetime, due_on: date, done: datetime | None):
        with travel(created):
            made = voice_services.improvement_action_create(
                notice=notice, unit=org["design"], actor=designer,
                description="Stronger bearing.", due_on=due_on,
            )  # fmt: skip
        if done is not None:
            with travel(done):
                voice_services.improvement_action_mark_done(action=made, actor=designer)
        return made

    # and actions due in March: done early, done late, not done
    action(at(2026, 2, 10), date(2026, 3, 10), done=at(2026, 3, 9))
    action(at(2026, 2, 10), date(2026, 3, 20), done=at(2026, 3, 25))
    action(at(2026, 2, 10), date(2026, 3, 31), done=None)
    # and one due in April still open, one due in February done in March, one made in April
    action(at(2026, 3, 15), date(2026, 4, 15), done=None)
    action(at(2026, 2, 10), date(2026, 2, 28), done=at(2026, 3, 2))
    action(at(2026, 4, 5), date(2026, 4, 30), done=None)
    assert ImprovementAction.objects.count() == 6

    kpi = march()

    # due in March 3; done by their due day 1 → 1/3 (ceiling 0.8: breached)
    assert kpi["improvement_on_time_rate"] == {
        "value": 0.3333333333, "numerator": 1, "denominator": 3,
        "target": 0.9, "ceiling": 0.8, "breached": True,
    }  # fmt: skip
    # open at 04-01 00:00: the one due 03-31 and the one due 04-15 → 2 (not the one
    # made on 04-05, after the period's end)
    assert triple(kpi["improvement_actions_open"]) == (2, 2, None)


def test_review_on_time_rate(standard, quality_user, manager_user, org):
    def work_standard(code: str, review_due: date):
        with travel(at(2023, 3, 1)):
            doc = document(
                actor=manager_user, owner=quality_user, owner_unit=org["qa"], code=code,
                kind=StandardDocument.Kind.WORK, title=f"Work standard {code}",
            )  # fmt: skip
            effective(
                doc, author=quality_user, approver=manager_user,
                effective_from=date(2023, 3, 1), next_review_due=review_due,
            )  # fmt: skip
        return doc

    def revised(doc, day: date):
        with travel(datetime.combine(day, time(10), tzinfo=SHANGHAI)):
            approved(
                doc, author=quality_user, approver=manager_user, effective_from=day,
                today=day,
            )  # fmt: skip

    # given work standards whose review falls due in March
    revised(work_standard("Q/W 001", date(2026, 3, 10)), date(2026, 3, 5))  # in time
    revised(work_standard("Q/W 002", date(2026, 3, 20)), date(2026, 3, 25))  # late
    work_standard("Q/W 003", date(2026, 3, 25))  # not revised
    work_standard("Q/W 004", date(2026, 4, 25))  # due in April
    # and a draft that never came into force (not counted)
    with travel(at(2026, 1, 5)):
        draft(
            work_standard("Q/W 005", date(2027, 1, 1)), author=quality_user,
            effective_from=date(2026, 6, 1), next_review_due=date(2026, 3, 15),
        )  # fmt: skip

    kpi = march()

    # versions in force due for review in March 3; a later version approved by the
    # review date 1 → 1/3 (ceiling 0.9: breached)
    assert kpi["review_on_time_rate"] == {
        "value": 0.3333333333, "numerator": 1, "denominator": 3,
        "target": 1.0, "ceiling": 0.9, "breached": True,
    }  # fmt: skip


# --- Empty denominators, breaches -------------------------------------------------------------


def flat(kpi: dict) -> dict[str, dict]:
    """Every KPI of the API shape by its catalogue key (`on_time_rate.acknowledge`)."""
    return {key: _leaf(kpi, key) for key in kpis.BY_KEY}


def _leaf(kpi: dict, key: str) -> dict:
    head, _dot, tail = key.partition(".")
    return kpi[head][tail] if tail else kpi[head]


def test_a_kpi_has_no_value_when_its_denominator_is_zero(zhang, agent_user):
    # given only a P1 complaint a dealer passed on 03-02, never acknowledged (no contacts:
    # the customer did not call; no products, no follow-ups, no repairs…)
    opened(
        agent_user, at(2026, 3, 2), zhang, priority="P1", type="complaint",
        source="dealer",
    )  # fmt: skip

    kpi = march()

    counted = {"backlog", "sanbao_exceptions", "improvement_actions_open"}
    due = {
        "on_time_rate.acknowledge",
        "on_time_rate.first_contact",
        "on_time_rate.resolve",
    }
    for key, row in flat(kpi).items():
        if key in counted | due:
            continue
        assert row["value"] is None, key
        assert row["breached"] is False, key
    # the omission (its acknowledgement missed) has no contacts to be divided by
    assert triple(kpi["omission_rate"]) == (None, 1, 0)
    assert kpi["omission_rate"]["breached"] is False
    # no product in service: a complaint but no complaint rate
    assert triple(kpi["complaint_rate"]) == (None, 1, 0)
    # the clocks came due unmet by 04-01: 0 ÷ 1 is a value (0.0), below the ceilings;
    # a complaint has no on-site clock
    for key in due:
        assert triple(_leaf(kpi, key)) == (0.0, 0, 1)
        assert _leaf(kpi, key)["breached"] is True
    assert triple(kpi["on_time_rate"]["onsite"]) == (None, 0, 0)
    # counts are 0 or more, never null
    assert triple(kpi["backlog"]) == (1, 1, None)
    assert triple(kpi["sanbao_exceptions"]) == (0, 0, None)
    assert triple(kpi["improvement_actions_open"]) == (0, 0, None)


def test_breached_compares_with_the_standard_in_force_at_the_period_end(
    standard, zhang, agent_user, quality_user, manager_user
):
    li = agent_user
    # given a second version of the company standard from 03-15: complaint-rate target
    # 0.2, ceiling 0.3 (the first: the default ceiling 0.00001, no target)
    with travel(at(2026, 3, 15, 8)):
        second = approved(
            standard.document, author=quality_user, approver=manager_user,
            effective_from=date(2026, 3, 15), today=date(2026, 3, 15),
            parameters={"kpi": {"complaint_rate": {"target": 0.2, "ceiling": 0.3}}},
        )  # fmt: skip
    # and 4 products in service, 1 complaint on 03-02: complaint rate 1 ÷ 4 = 0.25
    model = product_model(actor=li, code="W-2", category="washing_machine")
    for serial in ("B1", "B2", "B3", "B4"):
        registered(li, zhang, model, serial, date(2025, 6, 1))
    opened(li, at(2026, 3, 2), zhang, type="complaint")

    # when the period ends before the second version: the first's ceiling
    early = selectors.kpi_report(
        scope_of(date(2026, 3, 1), date(2026, 3, 10), now=AFTER_MARCH)
    )
    # then 0.25 > 0.00001: breached
    assert early.standard == standard
    assert early.values["complaint_rate"].as_dict() == {
        "value": 0.25, "numerator": 1, "denominator": 4,
        "target": None, "ceiling": 0.00001, "breached": True,
    }  # fmt: skip

    # when it ends after: the second's target and ceiling; 0.25 ≤ 0.3, not breached
    whole = selectors.kpi_report(scope_of(*MARCH, now=AFTER_MARCH))
    assert whole.standard == second
    assert whole.values["complaint_rate"].as_dict() == {
        "value": 0.25, "numerator": 1, "denominator": 4,
        "target": 0.2, "ceiling": 0.3, "breached": False,
    }  # fmt: skip
    assert "complaint_rate" not in {v.kpi.key for v in whole.breaches}

    # when March is the current period, seen on 03-12: the standard in force that day
    current = selectors.kpi_report(scope_of(*MARCH, now=at(2026, 3, 12)))
    assert current.standard == standard
    assert current.values["complaint_rate"].breached is True


# --- Scope filters and attribution ------------------------------------------------------------


@pytest.fixture
def spread(zhang, agent_user, north_agent, technician_user, org):
    """March's cases of two branches, two product models and several channels and types
    (every case P3, acknowledge due 24 h after opening), as first owner, unit, type,
    channel, model and acknowledgement:

    - s1: li, hotline, repair, hotline, M1, in time;
    - s2: li, hotline, complaint, counter, M2, in time;
    - s3: sun, north hotline, repair, portal, M1, never;
    - s4: sun, north hotline, complaint, hotline, no product, in time;
    - s5: li, now the workshop (handed over, accepted by liu), repair, hotline, M2, in
      time.

    Four products in service (two of each model); contacts: li 2 logged (one without a
    disposition) and the 3 cases li opened on the phone or at the counter (s1, s2, s5),
    sun 1 logged and s4 (s3 came through the portal: no contact of staff); visits by
    liu: s1 3 of 6 items done, s5 6 of 6."""
    li, sun, liu = agent_user, north_agent, technician_user
    m1 = product_model(actor=li, code="M1", category="tv")
    m2 = product_model(actor=li, code="M2", category="tv")
    p1, p2, p3, p5 = (
        item_of(li, zhang, serial, model=model)
        for serial, model in (("P1", m1), ("P2", m2), ("P3", m1), ("P5", m2))
    )

    def case(actor, day: int, acknowledge: bool = True, **fields) -> Ticket:
        ticket = opened(actor, at(2026, 3, day), zhang, **fields)
        if acknowledge:
            ticket = fire(ticket, actor, A.ACKNOWLEDGE, at(2026, 3, day, 11))
        return ticket

    s1 = case(li, 2, product=p1)
    case(li, 3, type="complaint", source="counter", product=p2)
    case(sun, 4, acknowledge=False, source="portal", product=p3)
    case(sun, 5, type="complaint")
    s5 = case(li, 6, product=p5)
    handover = handed_over(s5, li, org["ws"], at(2026, 3, 6, 12))
    with travel(at(2026, 3, 6, 14)):
        case_services.handover_accept(handover=handover, actor=liu)
    visited(s1, liu, at(2026, 3, 3, 10), done=3)
    visited(s5, liu, at(2026, 3, 7, 10), done=6)
    contact(li, zhang, at(2026, 3, 2, 9))
    contact(li, zhang, at(2026, 3, 3, 9), disposition="")
    contact(sun, zhang, at(2026, 3, 4, 9))
    return {"m1": m1, "m2": m2}


def kpi_api(client, **params):
    """GET the KPI API for March (past: the clock stands at 04-10) with `params`."""
    with travel(AFTER_MARCH):
        return client.get(
            reverse("api:kpis"), {"from": "2026-03-01", "to": "2026-03-31", **params}
        )


@pytest.fixture
def manager_api(api_client, manager_user):
    api_client.force_authenticate(manager_user)
    return api_client


def test_scope_filters_narrow_every_kpi_as_documented(
    spread, manager_api, standard, org, agent_user, technician_user
):
    def figures(**params) -> dict[str, tuple]:
        response = kpi_api(manager_api, **params)
        assert response.status_code == 200, response.json()
        kpi = response.json()
        return {
            "acknowledge": triple(kpi["on_time_rate"]["acknowledge"]),
            "complaints": triple(kpi["complaint_rate"]),
            "omission": triple(kpi["omission_rate"]),
            "handover": triple(kpi["handover_bounce_rate"]),
            "conduct": triple(kpi["conduct_compliance_rate"]),
        }

    # everything: acknowledged in time 4 of 5 (s3 never); complaints s2, s4 ÷ 4 products;
    # omissions (1 contact without disposition + s3's acknowledgement) ÷ 7 contacts;
    # 1 handover decided (accepted: no bounce); visits 3 + 6 of 6 + 6 items
    assert figures() == {
        "acknowledge": (0.8, 4, 5), "complaints": (0.5, 2, 4),
        "omission": (0.2857142857, 2, 7), "handover": (0.0, 0, 1),
        "conduct": (0.75, 9, 12),
    }  # fmt: skip
    # the branch's subtree (hotline, workshop): s1, s2 and s5 (now in the workshop);
    # li's 5 contacts (a member of the hotline); the handover the workshop received;
    # visits by the case's unit: s1, s5; products in service are everyone's
    assert figures(unit=org["br"].pk) == {
        "acknowledge": (1.0, 3, 3), "complaints": (0.25, 1, 4),
        "omission": (0.2, 1, 5), "handover": (0.0, 0, 1),
        "conduct": (0.75, 9, 12),
    }  # fmt: skip
    # the hotline alone: s5 has moved to the workshop, whose handover it was
    assert figures(unit=org["hot"].pk) == {
        "acknowledge": (1.0, 2, 2), "complaints": (0.25, 1, 4),
        "omission": (0.2, 1, 5), "handover": (None, 0, 0),
        "conduct": (0.5, 3, 6),
    }  # fmt: skip
    # the north branch: s3 and s4; sun's 2 contacts; (s3's acknowledgement missed) ÷ 2
    assert figures(unit=org["br2"].pk) == {
        "acknowledge": (0.5, 1, 2), "complaints": (0.25, 1, 4),
        "omission": (0.5, 1, 2), "handover": (None, 0, 0),
        "conduct": (None, 0, 0),
    }  # fmt: skip
    # li: the cases li first owned (s5 too, handled by liu); li's contacts; li decided
    # no handover and made no visit
    assert figures(user=agent_user.pk) == {
        "acknowledge": (1.0, 3, 3), "complaints": (0.25, 1, 4),
        "omission": (0.2, 1, 5), "handover": (None, 0, 0),
        "conduct": (None, 0, 0),
    }  # fmt: skip
    # liu: first owner of nothing; accepted the handover; made both visits
    assert figures(user=technician_user.pk) == {
        "acknowledge": (None, 0, 0), "complaints": (0.0, 0, 4),
        "omission": (None, 0, 0), "handover": (0.0, 0, 1),
        "conduct": (0.75, 9, 12),
    }  # fmt: skip
    # model M1: s1 and s3; its 2 products in service; contacts have no model (none)
    assert figures(product_model=spread["m1"].pk) == {
        "acknowledge": (0.5, 1, 2), "complaints": (0.0, 0, 2),
        "omission": (None, 1, 0), "handover": (None, 0, 0),
        "conduct": (0.5, 3, 6),
    }  # fmt: skip
    # the hotline channel: s1, s4, s5
    assert figures(channel="hotline") == {
        "acknowledge": (1.0, 3, 3), "complaints": (0.25, 1, 4),
        "omission": (None, 0, 0), "handover": (0.0, 0, 1),
        "conduct": (0.75, 9, 12),
    }  # fmt: skip
    # complaints only: s2 and s4
    assert figures(type="complaint") == {
        "acknowledge": (1.0, 2, 2), "complaints": (0.5, 2, 4),
        "omission": (None, 0, 0), "handover": (None, 0, 0),
        "conduct": (None, 0, 0),
    }  # fmt: skip


def test_followup_work_counts_for_the_team_and_its_outcome_for_the_case(
    zhang, agent_user, visitor, org
):
    # given li's case resolved 03-02 10:00 and followed up in time by huang (follow-up team)
    case = served(agent_user, zhang, at(2026, 3, 2, 9), at(2026, 3, 2, 10))
    answered(case, visitor, at(2026, 3, 2, 14), score=5)

    def rates(**filters) -> tuple:
        kpi = march(**filters)
        return triple(kpi["followup_rate"]), triple(kpi["satisfaction_rate"])

    # the follow-up's own assignee and unit get the work; the case's first owner and
    # unit the customer's answer
    assert rates() == ((1.0, 1, 1), (1.0, 1, 1))
    assert rates(user_id=visitor.pk) == ((1.0, 1, 1), (None, 0, 0))
    assert rates(user_id=agent_user.pk) == ((None, 0, 0), (1.0, 1, 1))
    assert rates(unit_ids=(org["fu"].pk,)) == ((1.0, 1, 1), (None, 0, 0))
    assert rates(unit_ids=(org["hot"].pk,)) == ((None, 0, 0), (1.0, 1, 1))


# --- The API: who may read it, invalid filters, shape, queries --------------------------------


def test_a_supervisor_sees_only_the_units_below_them(
    spread, api_client, supervisor_user, standard, org, north_agent
):
    # given chen supervises the hotline and the workshop (not the north branch)
    api_client.force_authenticate(supervisor_user)

    # when no unit is chosen: the supervised subtrees only (s1, s2, s5; li's contacts)
    response = kpi_api(api_client)

    assert response.status_code == 200
    kpi = response.json()
    assert triple(kpi["on_time_rate"]["acknowledge"]) == (1.0, 3, 3)
    assert triple(kpi["omission_rate"]) == (0.2, 1, 5)
    # a unit of their own narrows further: the hotline's s1, s2
    hotline = kpi_api(api_client, unit=org["hot"].pk).json()
    assert triple(hotline["on_time_rate"]["acknowledge"]) == (1.0, 2, 2)
    # another branch, or a person of it, is refused with the field's error
    for params, field in (
        ({"unit": org["br2"].pk}, "unit"),
        ({"user": north_agent.pk}, "user"),
    ):
        refused = kpi_api(api_client, **params)
        assert refused.status_code == 400, params
        assert list(refused.json()) == [field]


def test_an_agent_and_a_customer_may_not_read_the_kpis(
    api_client, agent_user, customer_user, standard
):
    for user in (agent_user, customer_user):
        api_client.force_authenticate(user)
        response = kpi_api(api_client)
        assert response.status_code == 403, user
        assert "value" not in response.content.decode()
    # and without signing in: asked to authenticate (token first)
    api_client.force_authenticate(None)
    assert kpi_api(api_client).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),  # from after to
        ({"unit": 987654}, "unit"),  # no such unit
        ({"user": 987654}, "user"),
        ({"product_model": 987654}, "product_model"),
        ({"from": "first of March"}, "from"),  # not a date
        ({"to": "2026-02-30"}, "to"),
        ({"channel": "pigeon"}, "channel"),
        ({"type": "miracle"}, "type"),
    ],
)
def test_invalid_filters_are_refused_with_the_fields_errors(manager_api, params, field):
    with travel(AFTER_MARCH):
        response = manager_api.get(reverse("api:kpis"), params)

    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert isinstance(errors[field], list)
    assert errors[field]
    assert all(isinstance(message, str) for message in errors[field])


def test_the_response_holds_every_kpi_with_exactly_its_six_fields(
    manager_api, standard, zhang, agent_user
):
    opened(agent_user, at(2026, 3, 2), zhang)

    response = kpi_api(manager_api)

    assert response.status_code == 200
    body = response.json()
    nested = {key.partition(".")[0] for key in kpis.BY_KEY}
    assert set(body) == nested | {"backlog_ageing"}
    assert set(body["on_time_rate"]) == set(CLOCKS)
    assert list(body["backlog_ageing"]) == [key for key, _low, _high in AGEING]
    leaves = [*flat(body).values(), *body["backlog_ageing"].values()]
    assert len(leaves) == len(kpis.CATALOGUE) + len(AGEING)
    for leaf in leaves:
        assert set(leaf) == KPI_FIELDS
        assert isinstance(leaf["breached"], bool)
    # the one case, opened 03-02 10:00, is open at 04-01 00:00, 29.6 days old: 7–30 days
    assert body["backlog_ageing"]["30d"]["value"] == 0
    assert body["backlog_ageing"]["7_30d"] == {
        "value": 1, "numerator": 1, "denominator": 1,
        "target": None, "ceiling": None, "breached": False,
    }  # fmt: skip


def busy_month(count: int, *, people, org, offset: int) -> None:
    """`count` cases touching every source: opened, acknowledged, handed to the workshop
    and accepted, visited, resolved and followed up, with a contact, a claim settled and
    a feedback item answered."""
    li, liu, visitor, zhang, maker = people
    for n in range(offset, offset + count):
        day = 2 + n
        case = opened(
            li, at(2026, 3, day, 9), zhang, product=item_of(li, zhang, f"Q{n}")
        )
        fire(case, li, A.ACKNOWLEDGE, at(2026, 3, day, 9, 10))
        handover = handed_over(case, li, org["ws"], at(2026, 3, day, 9, 20))
        with travel(at(2026, 3, day, 9, 40)):
            case_services.handover_accept(handover=handover, actor=liu)
        visited(case, liu, at(2026, 3, day, 11), done=5)
        case = resolved(case, liu, at(2026, 3, day, 12), follow_up=True)
        with travel(at(2026, 3, day, 12)):
            followup_services.followup_schedule_for_ticket(
                ticket_id=case.pk, now=at(2026, 3, day, 12)
            )
        answered(case, visitor, at(2026, 3, day, 16), score=4)
        contact(li, zhang, at(2026, 3, day, 8))
        claim_settled(
            case, li, maker, amount="100.00", submitted=at(2026, 3, day, 13),
            settled=at(2026, 3, day, 15), recovered="50.00",
        )  # fmt: skip
        feedback_item(li, zhang, at(2026, 3, day, 14), answered=at(2026, 3, day, 15))


def test_the_api_makes_the_same_number_of_queries_at_three_times_the_data(
    manager_api, standard, zhang, agent_user, technician_user, visitor, org,
    django_assert_num_queries, settings,
):  # fmt: skip
    settings.DASHBOARD_CACHE_SECONDS = 0  # what computing costs, not a kept figure
    maker = archive_services.party_save(
        actor=agent_user, name="ACME", kind=Party.Kind.PRODUCER
    )
    people = (agent_user, technician_user, visitor, zhang, maker)
    # given N = 2 busy cases
    busy_month(2, people=people, org=org, offset=0)
    kpi_api(manager_api)  # (the viewer's roles are then known, as on any later request)
    with CaptureQueriesContext(connection) as small:
        response = kpi_api(manager_api)
    assert response.status_code == 200
    assert response.json()["followup_rate"]["denominator"] == 2
    # the standard in force, the roll-up's days of the period, one aggregate per source
    # (cases opened: its live clocks and its settled counts; resolved, backlog, 三包
    # events, follow-up outcomes, follow-up work and its omissions, contacts, products,
    # handovers, visits, claims, feedback, improvement actions, reviews) and one ordered
    # read per percentile: 1 + 1 + 16 + 4 (nothing rolled up: no fact read); PostgreSQL
    # computes the percentiles inside the cases' aggregates (percentile_disc)
    percentile_reads = 0 if connection.vendor == "postgresql" else 4
    assert len(small.captured_queries) == 18 + percentile_reads

    # when there are 3N = 6
    busy_month(4, people=people, org=org, offset=2)

    # then the same queries: one per measure and percentile, whatever the rows
    with django_assert_num_queries(len(small.captured_queries)):
        response = kpi_api(manager_api)
    kpi = response.json()
    assert kpi["followup_rate"]["denominator"] == 6
    assert triple(kpi["conduct_compliance_rate"]) == (0.8333333333, 30, 36)  # 6 × 5/6
    assert triple(kpi["recourse_recovery_rate"]) == (0.5, 300, 600)  # 6 × 50 ÷ 6 × 100


def test_each_persons_scorecard_equals_the_report_filtered_to_them(
    spread, standard, zhang, agent_user, north_agent, technician_user, visitor, org,
    supervisor_user, quality_user,
):  # fmt: skip
    # given the spread of March plus two busy cases (follow-ups, claims, feedback…)
    maker = archive_services.party_save(
        actor=agent_user, name="ACME", kind=Party.Kind.PRODUCER
    )
    people = (agent_user, technician_user, visitor, zhang, maker)
    busy_month(2, people=people, org=org, offset=20)
    scope = scope_of(*MARCH, now=AFTER_MARCH)
    staff = [
        agent_user,
        north_agent,
        technician_user,
        visitor,
        supervisor_user,
        quality_user,
    ]

    # when every person's figures are measured at once
    cards = selectors.kpi_reports_by_person(scope, [person.pk for person in staff])

    # then each equals the report with the person filter set to them
    for person in staff:
        alone = selectors.kpi_report(
            scope_of(*MARCH, now=AFTER_MARCH, user_id=person.pk)
        )
        assert cards[person.pk].as_api() == alone.as_api(), person.username


# --- Kept figures (selectors.kept, aftersales.datastamp) --------------------------------------


def test_a_figure_is_computed_once_while_the_data_is_unchanged(
    manager_api, zhang, agent_user, django_assert_max_num_queries
):
    li = agent_user
    washer = product_model(actor=li, code="W-1", category="washing_machine")
    registered(li, zhang, washer, "S1", date(2026, 1, 10))
    opened(li, at(2026, 3, 3, 10), zhang, type="complaint")
    with CaptureQueriesContext(connection) as computed:
        first = kpi_api(manager_api).json()
    assert triple(first["complaint_rate"]) == (1.0, 1, 1)
    # the same request again: the figures as kept, not one aggregate read
    with django_assert_max_num_queries(len(computed.captured_queries) - 15):
        assert kpi_api(manager_api).json() == first
    # a case opened through its service: measured again at once
    opened(li, at(2026, 3, 4, 10), zhang, type="complaint")
    assert triple(kpi_api(manager_api).json()["complaint_rate"]) == (2.0, 2, 1)


def test_writes_that_model_signals_would_miss_renew_the_figures(
    manager_api, zhang, agent_user
):
    li = agent_user
    washer = product_model(actor=li, code="W-1", category="washing_machine")
    registered(li, zhang, washer, "S1", date(2026, 1, 10))
    second = registered(li, zhang, washer, "S2", date(2026, 2, 10))
    case = opened(li, at(2026, 3, 3, 10), zhang, type="complaint")
    assert triple(kpi_api(manager_api).json()["complaint_rate"]) == (0.5, 1, 2)
    # a queryset update()
    Ticket.objects.filter(pk=case.pk).update(type="repair")
    assert triple(kpi_api(manager_api).json()["complaint_rate"]) == (0.0, 0, 2)
    # raw SQL: the second product delivered after the period
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_ownedproduct SET delivery_date = %s WHERE id = %s",
            [date(2026, 5, 1), second.pk],
        )
    assert triple(kpi_api(manager_api).json()["complaint_rate"]) == (0.0, 0, 1)


def test_a_kept_figure_is_measured_again_the_next_minute(zhang, agent_user):
    opened(agent_user, at(2026, 3, 3, 10), zhang, type="complaint")
    now = at(2026, 4, 10, 10, 0)
    report(scope_of(*MARCH, now=now))
    with CaptureQueriesContext(connection) as same_minute:
        report(scope_of(*MARCH, now=now + 59 * timedelta(seconds=1)))
    with CaptureQueriesContext(connection) as next_minute:
        report(scope_of(*MARCH, now=now + MINUTE))
    assert len(same_minute.captured_queries) == 0
    assert len(next_minute.captured_queries) > 15


def test_without_keeping_every_read_computes(zhang, agent_user, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    opened(agent_user, at(2026, 3, 3, 10), zhang, type="complaint")
    march()
    with CaptureQueriesContext(connection) as again:
        march()
    assert len(again.captured_queries) > 15


def test_signing_in_and_reading_an_archive_keep_the_stamp(client, manager_user, zhang):
    stamp = datastamp.current()
    client.force_login(manager_user)  # a session row and last_login
    response = client.get(reverse("customers:customer-detail", args=[zhang.pk]))
    assert response.status_code == 200  # (the archive access is logged)
    assert datastamp.current() == stamp
    UnitFactory(name="Depot")  # a business write
    assert datastamp.current() != stamp


@pytest.mark.parametrize(
    ("sql", "watched"),
    [
        ('INSERT INTO "tickets_ticket" ("number") VALUES (%s)', True),
        ('UPDATE "feedback_followup" SET "status" = %s', True),
        ("DELETE FROM dashboards_kpifact WHERE day >= %s", True),
        ("  insert into customers_contact (summary) values ('x')", True),
        ("WITH moved AS (SELECT 1) UPDATE tickets_ticket SET unit_id = 2", True),
        ('SELECT * FROM "tickets_ticket"', False),
        ('UPDATE "aftersales_user" SET "last_login" = %s', False),
        ('INSERT INTO "django_session" ("session_key") VALUES (%s)', False),
        ('INSERT INTO "customers_archiveaccess" ("reason") VALUES (%s)', False),
        ('INSERT INTO "aftersales_outboxmessage" ("kind") VALUES (%s)', False),
        ('UPDATE "django_celery_beat_periodictask" SET "last_run_at" = %s', False),
    ],
)
def test_the_writes_the_stamp_follows(sql, watched):
    assert datastamp.is_watched_write(sql) is watched


@pytest.mark.django_db(transaction=True)
def test_a_transaction_publishes_its_writes_when_it_commits():
    shared = caches["shared"]
    stamp = datastamp.current()
    with transaction.atomic():
        UnitFactory(name="Depot")
        UnitFactory(name="Workshop")
        # not yet: no other connection sees the rows
        assert shared.get(datastamp.KEY) == stamp
    published = shared.get(datastamp.KEY)
    assert published != stamp
    # a rolled-back transaction publishes nothing at its end; the next one does
    try:
        with transaction.atomic():
            UnitFactory(name="Store")
            raise RuntimeError
    except RuntimeError:
        pass
    assert shared.get(datastamp.KEY) == published
    with transaction.atomic():
        UnitFactory(name="Warehouse")
    assert shared.get(datastamp.KEY) != published


def test_the_dashboard_page_computes_its_figures_once(
    client, manager_user, zhang, agent_user
):
    washer = product_model(actor=agent_user, code="W-1", category="washing_machine")
    registered(agent_user, zhang, washer, "S1", date(2026, 1, 10))
    opened(agent_user, at(2026, 3, 3, 10), zhang, type="complaint")
    client.force_login(manager_user)
    url = reverse("dashboard") + "?period=month&date=2026-03-15"
    with travel(AFTER_MARCH), CaptureQueriesContext(connection) as computed:
        first = client.get(url)
    with travel(AFTER_MARCH), CaptureQueriesContext(connection) as kept:
        again = client.get(url)
    assert first.status_code == again.status_code == 200
    # this month's and the previous month's figures, the trend, the Pareto and the
    # parties: kept; what is left is the session, the viewer and the filters' choices
    assert len(kept.captured_queries) < len(computed.captured_queries) - 25
    tiles = [t["text"] for t in again.context["tiles"]]
    assert tiles == [t["text"] for t in first.context["tiles"]]
    assert tiles[0] != "—"  # (the complaint is measured)


def test_reading_the_staff_pages_and_the_api_writes_nothing_the_stamp_follows(
    client, manager_user, zhang, agent_user
):
    case = opened(agent_user, at(2026, 3, 3, 10), zhang, type="complaint")
    client.force_login(manager_user)
    client.get("/")
    stamp = datastamp.current()
    for url in (
        "/", "/tickets/", f"/tickets/{case.pk}/", "/customers/", f"/customers/{zhang.pk}/",
        "/followups/", "/feedback/items/", "/standards/", "/dashboard/", "/dashboard/people/",
        "/dashboard/assessment/", "/notifications/", "/api/v1/tickets/",
        f"/api/v1/tickets/{case.pk}/", "/api/v1/kpis/", "/api/v1/customers/",
    ):  # fmt: skip
        assert client.get(url).status_code == 200, url
        assert datastamp.current() == stamp, url


def test_what_staff_told_customers_is_no_contact_of_the_omission_rate(
    zhang, agent_user
):
    # given a case opened on the phone on 03-02 (a contact from the customer) and the
    # customer told twice, once by phone and once by SMS (outbound contacts)
    case = opened(agent_user, at(2026, 3, 2, 10), zhang)
    fire(case, agent_user, A.ACKNOWLEDGE, at(2026, 3, 2, 10, 10))
    with travel(at(2026, 3, 2, 11)):
        case_services.ticket_inform_customer(
            ticket=case, actor=agent_user, message="Coming Tuesday."
        )
        case_services.ticket_inform_customer(
            ticket=case, actor=agent_user, message="Confirmed.", channel="sms"
        )
    # (and the automatic "case received" SMS: a fourth, outbound contact)
    assert Contact.objects.filter(customer=zhang).count() == 4
    # then the omission rate divides by the one contact from the customer
    assert triple(march()["omission_rate"]) == (0.0, 0, 1)
