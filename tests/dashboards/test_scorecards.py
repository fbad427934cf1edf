"""Staff scorecards (`/dashboard/people/` and its CSV/XLSX export; dashboards/views.py
`scorecards`, dashboards/selectors.py `kpi_reports_by_person` and `scorecard_people`,
dashboards/measures.py `group="person"`): who sees whose row (staff their own, supervisors
the people of the units they oversee, quality managers and managers everyone, customers
nothing); each person's figures equal the dashboard filtered to that person
(`kpi_report(scope with user_id=person)`) for every KPI, in past and current periods and
under every scope filter; the query count does not grow with the data or the people; the
export has a column per KPI; a figure past the limit is marked.

Every case, acknowledgement, visit, handover, follow-up, contact, claim, feedback item and
improvement action is made through its service at its moment (`time-machine`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from customers import services as archive_services
from customers.models import Party
from dashboards import kpis, selectors
from dashboards.measures import AGEING, Scope
from dashboards.periods import custom_period
from dashboards.tables import SCORECARD_KPIS, format_value
from feedback.followups import services as followup_services
from feedback.models import FollowUp
from feedback.voice import services as voice_services
from standards.models import StandardDocument
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer, product, product_model
from tests.standards.factories import approved, document, effective
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
PAGE = reverse("dashboard-people")
MARCH = {"period": "month", "date": "2026-03-01"}
CHECKLIST = (  # the conduct checklist of the default standard
    "Show staff ID",
    "Explain the open fee schedule",
    "Wear shoe covers",
    "Lay a floor cloth",
    "Clean up the site",
    "Demonstrate the product works",
)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An aware Shanghai time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


AFTER_MARCH = at(2026, 4, 10)  # March seen as a past period
IN_MARCH = at(2026, 3, 31, 18)  # March seen as the current period


@contextmanager
def travel(moment: datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=False):
        yield


def march_scope(*, now: datetime = AFTER_MARCH, **filters) -> Scope:
    start, end = custom_period(date(2026, 3, 1), date(2026, 3, 31)).span(SHANGHAI)
    return Scope(start=start, end=end, now=now, **filters)


# --- People and units ---------------------------------------------------------------------------


@pytest.fixture
def org(unit_tree):
    """company → branch → hotline, workshop, follow-up team; QA; north branch → hotline."""
    company, branch = unit_tree["co"], unit_tree["br"]
    north = UnitFactory(code="br2", name="North branch", kind="branch", parent=company)
    unit_tree.update(
        fu=UnitFactory(
            code="fu", name="Follow-up", kind="followup_team", parent=branch
        ),
        qa=UnitFactory(code="qa", name="QA", kind="qa", parent=company),
        br2=north,
        hot2=UnitFactory(
            code="hot2", name="North hotline", kind="hotline", parent=north
        ),
    )
    return unit_tree


def staff(username: str, first: str, last: str, role: str, **units) -> object:
    return UserFactory(
        username=username, first_name=first, last_name=last, roles=[role], **units
    )


@pytest.fixture
def people(org):
    """li and zhao (hotline agents), sun (north agent), liu (workshop technician), huang
    (follow-up agent), chen (supervisor of the hotline and the workshop), wang
    (manager), qm (quality manager); and a customer with a portal login."""
    return {
        "li": staff("li", "Li", "Na", "agent", units=[org["hot"]]),
        "zhao": staff("zhao", "Zhao", "Lei", "agent", units=[org["hot"]]),
        "sun": staff("sun", "Sun", "Yue", "agent", units=[org["hot2"]]),
        "liu": staff("liu", "Liu", "Yang", "technician", units=[org["ws"]]),
        "huang": staff("huang", "Huang", "Min", "followup_agent", units=[org["fu"]]),
        "chen": staff(
            "chen", "Chen", "Jie", "supervisor", supervises=[org["hot"], org["ws"]]
        ),
        "wang": staff("wang", "Wang", "Fang", "manager", units=[org["co"]]),
        "qm": staff("qm", "Qian", "Mei", "quality_manager", units=[org["qa"]]),
        "customer": UserFactory(username="zhang@example.com", roles=["customer"]),
    }


@pytest.fixture
def standard(org, people):
    """The company service standard with the default parameters (P3 acknowledge 24 h,
    handover acceptance 4 h, follow-up window 3–72 h, CSAT ≤ 2 dissatisfied) and the
    default KPI targets and ceilings."""
    with travel(at(2026, 1, 5, 9)):
        return service_standard(
            author=people["qm"], approver=people["wang"], owner_unit=org["co"]
        )


@pytest.fixture
def zhang(standard, people):
    return customer(actor=people["li"], name="Zhang Wei", phones=["13800138000"])


# --- Builders (every step through its service, at its moment) -----------------------------------


def opened(actor, when: datetime, person, **fields) -> Ticket:
    with travel(when):
        return open_ticket(actor=actor, customer=person, **fields)


def fire(ticket: Ticket, actor, action: str, when: datetime, note: str = "") -> Ticket:
    with travel(when):
        return case_services.ticket_transition(
            ticket=ticket, action=action, actor=actor, note=note, now=when
        )


def acknowledged(actor, when: datetime, person, after: timedelta, **fields) -> Ticket:
    return fire(
        opened(actor, when, person, **fields), actor, A.ACKNOWLEDGE, when + after
    )


def resolved(
    ticket: Ticket, actor, when: datetime, *, follow_up: bool = False
) -> Ticket:
    """Started, cause and liability recorded, the customer told, resolved at `when`;
    `follow_up`: it then waits for its follow-up, which is scheduled at once."""
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
            followup_services.followup_schedule_for_ticket(
                ticket_id=ticket.pk, now=when
            )
        else:
            ticket = case_services.ticket_transition(
                ticket=ticket, action=A.RESOLVE, actor=actor, now=when
            )
    ticket.refresh_from_db()
    return ticket


def task_of(case: Ticket) -> FollowUp:
    return FollowUp.objects.get(ticket=case, round=1)


def answered(case: Ticket, visitor, when: datetime, score: int) -> FollowUp:
    with travel(when):
        return followup_services.followup_complete(
            followup=task_of(case),
            actor=visitor,
            score=score,
            resolved=score > 2,
            now=when,
        )


def unreachable(case: Ticket, visitor, first_call: datetime) -> FollowUp:
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


def visited(ticket: Ticket, technician, arrived: datetime, *, done: int):
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


def handed_over(ticket: Ticket, actor, to_unit, when: datetime):
    with travel(when):
        return case_services.handover_request(
            ticket=ticket, actor=actor, to_unit=to_unit, reason="Needs the workshop"
        )


def contact(actor, person, when: datetime, disposition: str = "answered"):
    with travel(when):
        return archive_services.contact_log(
            actor=actor, customer=person, channel="phone", summary="Call",
            disposition=disposition, at=when,
        )  # fmt: skip


def item_of(actor, person, serial: str, model, delivered: date = date(2025, 12, 1)):
    with travel(datetime.combine(delivered, time(12), tzinfo=SHANGHAI)):
        return product(
            actor=actor, owner=person, model=model, serial=serial, sale_date=delivered,
            delivery_date=delivered, invoice_price=Decimal("3999.00"),
            price_paid=Decimal("3599.00"),
        )  # fmt: skip


def claim_settled(ticket, actor, party, *, amount: str, recovered: str, days: int):
    """A claim submitted on 03-02 10:00 and settled `days` later."""
    submitted = at(2026, 3, 2, 10)
    with travel(submitted):
        claim = recourse_services.claim_create(
            ticket=ticket, actor=actor, party=party, amount=amount, basis="CRPL Art. 40",
            evidence_notes="Repair report on file.",
        )  # fmt: skip
        for action in ("ready", "submit"):
            claim = recourse_services.claim_transition(
                claim=claim, actor=actor, action=action, now=submitted
            )
    settled = submitted + timedelta(days=days)
    with travel(settled):
        return recourse_services.claim_transition(
            claim=claim, actor=actor, action="settle", recovered_amount=recovered,
            now=settled,
        )  # fmt: skip


def feedback_for(owner, person, created: datetime, answered_at: datetime):
    """A feedback item recorded at `created` (reply due 10 days later), triaged to
    `owner` and answered by them at `answered_at`."""
    with travel(created):
        item = voice_services.feedback_item_create(
            actor=owner, source="contact", text="Make the manual clearer.",
            customer=person, now=created,
        )  # fmt: skip
        item = voice_services.feedback_item_triage(item=item, actor=owner, owner=owner)
    with travel(answered_at):
        voice_services.feedback_item_answer(item=item, actor=owner, reply="Rewritten.")
    return item


@pytest.fixture
def march(zhang, people, org):
    """March 2026 for eight people (all P3; acknowledge due 24 h after opening):

    li (hotline): a repair of P1 (M1, fault E1) acknowledged after 1 h, visited by liu
    (6/6), resolved and followed up satisfied (5); a repair acknowledged after 4 h,
    resolved, followed up dissatisfied (2: reopened) and resolved again; a counter complaint
    about P2 (M2) acknowledged after 26 h (late); a second repair of P1 for E1 (a repeat)
    acknowledged after 30 min, visited (3/6) and handed to the workshop, accepted by liu
    after 1.5 h; a claim on the first case settled after 10 days, 400 of 1000 recovered;
    two contacts (one without a disposition); a feedback item answered in time.
    zhao (hotline): a repair acknowledged after 30 min, resolved, its follow-up
    unreachable; a consultation acknowledged after 2 h and resolved; a repair handed to
    the workshop and rejected by liu; a handover expired by the sweep; a contact; a
    feedback item answered late.
    sun (north hotline): a repair of P3 (M1, delivered 03-09) never acknowledged, its
    return window closing (a 三包 exception); a hotline complaint acknowledged after 20
    min; a contact.
    qm: owner of a work standard due for review on 03-10 and revised in time.
    chen: owner of two improvement actions of the hotline due in March, one done in
    time, one still open."""
    li, zhao, sun, liu, huang = (
        people[k] for k in ("li", "zhao", "sun", "liu", "huang")
    )
    m1 = product_model(actor=li, code="M1", category="tv")
    m2 = product_model(actor=li, code="M2", category="tv")
    p1 = item_of(li, zhang, "P1", m1)
    p2 = item_of(li, zhang, "P2", m2)
    p3 = item_of(li, zhang, "P3", m1, delivered=date(2026, 3, 9))
    # li
    first = acknowledged(li, at(2026, 3, 2), zhang, HOUR, product=p1, fault_code="E1")
    visited(first, liu, at(2026, 3, 3, 9), done=6)
    first = resolved(first, li, at(2026, 3, 3, 15), follow_up=True)
    answered(first, huang, at(2026, 3, 4, 10), score=5)
    second = acknowledged(li, at(2026, 3, 3), zhang, 4 * HOUR)
    second = resolved(second, li, at(2026, 3, 4, 15), follow_up=True)
    answered(second, huang, at(2026, 3, 5, 10), score=2)  # dissatisfied: reopened
    resolved(second, li, at(2026, 3, 9, 12))
    acknowledged(
        li, at(2026, 3, 4), zhang, 26 * HOUR, type="complaint", source="counter",
        product=p2,
    )  # fmt: skip
    repeat = acknowledged(
        li, at(2026, 3, 20), zhang, 30 * MINUTE, product=p1, fault_code="E1"
    )
    visited(repeat, liu, at(2026, 3, 20, 11), done=3)
    handover = handed_over(repeat, li, org["ws"], at(2026, 3, 20, 12))
    with travel(at(2026, 3, 20, 13, 30)):
        case_services.handover_accept(handover=handover, actor=liu)
    maker = archive_services.party_save(actor=li, name="ACME", kind=Party.Kind.PRODUCER)
    claim_settled(first, li, maker, amount="1000.00", recovered="400.00", days=10)
    contact(li, zhang, at(2026, 3, 2, 9))
    contact(li, zhang, at(2026, 3, 3, 9), disposition="")
    feedback_for(li, zhang, at(2026, 3, 1), at(2026, 3, 5))
    # zhao
    lost = acknowledged(zhao, at(2026, 3, 5), zhang, 30 * MINUTE)
    lost = resolved(lost, zhao, at(2026, 3, 6, 10), follow_up=True)
    unreachable(lost, huang, at(2026, 3, 6, 14))
    advice = acknowledged(zhao, at(2026, 3, 9), zhang, 2 * HOUR, type="consultation")
    resolved(advice, zhao, at(2026, 3, 9, 15))
    refused = acknowledged(zhao, at(2026, 3, 10), zhang, MINUTE)
    refused_handover = handed_over(refused, zhao, org["ws"], at(2026, 3, 10, 12))
    with travel(at(2026, 3, 10, 13)):
        case_services.handover_reject(handover=refused_handover, actor=liu, reason="No")
    expiring = acknowledged(zhao, at(2026, 3, 11), zhang, MINUTE)
    handed_over(expiring, zhao, org["ws"], at(2026, 3, 11, 10))
    with travel(at(2026, 3, 11, 15)):
        assert case_sweep.handover_sweep(now=at(2026, 3, 11, 15)) == 1
    contact(zhao, zhang, at(2026, 3, 5, 9))
    feedback_for(zhao, zhang, at(2026, 3, 2), at(2026, 3, 20))
    # sun (the television delivered 03-09: its 7-day return window closes 03-16 on a
    # case still open, which the daily legal-clock sweep of 03-15 records)
    opened(sun, at(2026, 3, 11), zhang, product=p3)
    with travel(at(2026, 3, 15, 6, 30)):
        assert repair_services.legal_clock_sweep(now=at(2026, 3, 15, 6, 30)) == 1
    acknowledged(sun, at(2026, 3, 12), zhang, 20 * MINUTE, type="complaint")
    contact(sun, zhang, at(2026, 3, 12, 9))
    # qm: owner of a work standard due for review on 03-10, revised on 03-05
    with travel(at(2023, 3, 1)):
        work = document(
            actor=people["wang"], owner=people["qm"], owner_unit=org["qa"],
            code="Q/W 001", kind=StandardDocument.Kind.WORK, title="Work standard",
        )  # fmt: skip
        effective(
            work, author=people["qm"], approver=people["wang"],
            effective_from=date(2023, 3, 1), next_review_due=date(2026, 3, 10),
        )  # fmt: skip
    with travel(at(2026, 3, 5)):
        approved(
            work, author=people["qm"], approver=people["wang"],
            effective_from=date(2026, 3, 5), today=date(2026, 3, 5),
        )  # fmt: skip
    # chen: two improvement actions of the hotline due in March, one done in time
    for key, done in (("complaint_rate", False), ("omission_rate", True)):
        with travel(at(2026, 3, 1, 5)):
            action = voice_services.improvement_action_open_for_kpi(
                kpi_key=key, label=key, unit=org["hot"], period_start=date(2026, 2, 1),
                period_end=date(2026, 2, 28), value=0.5, ceiling=0.00001,
                due_on=date(2026, 3, 25), description="Find the cause.",
            )  # fmt: skip
        assert action.owner == people["chen"]
        if done:
            with travel(at(2026, 3, 20)):
                voice_services.improvement_action_mark_done(
                    action=action, actor=people["chen"]
                )
    return {"m1": m1, "m2": m2}


# --- Reading the page ---------------------------------------------------------------------------


class _Scorecards(HTMLParser):
    """The rows of the table data-testid="scorecards": the person's name and each cell's
    (text, data-breached)."""

    def __init__(self):
        super().__init__()
        self.rows: list[dict] = []
        self._inside = self._cell = False
        self._row: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-testid") == "scorecards":
            self._inside = True
        elif (
            self._inside and tag == "tr" and attrs.get("data-testid") == "scorecard-row"
        ):
            self._row = {"name": "", "cells": []}
            self.rows.append(self._row)
        elif self._row is not None and tag == "td":
            self._row["cells"].append(["", attrs.get("data-breached") == "true"])
            self._cell = True

    def handle_endtag(self, tag):
        if tag == "table":
            self._inside = False
            self._row = None
        elif tag == "td":
            self._cell = False

    def handle_data(self, data):
        if self._row is None:
            return
        if self._cell:
            self._row["cells"][-1][0] += data
        elif not self._row["cells"]:
            self._row["name"] += data.strip()


def rows_of(response) -> dict[str, list[tuple[str, bool]]]:
    """{person's name: [(text, breached), …]} in the page's KPI order."""
    parser = _Scorecards()
    parser.feed(response.content.decode())
    return {
        row["name"]: [(text.strip(), breached) for text, breached in row["cells"]]
        for row in parser.rows
    }


def page(client, user, params=MARCH, *, now: datetime = AFTER_MARCH):
    client.force_login(user)
    with travel(now):
        return client.get(PAGE, params)


def export(client, user, file_format: str, params=MARCH):
    client.force_login(user)
    with travel(AFTER_MARCH):
        response = client.get(
            reverse("dashboard-people-export", args=[file_format]), params
        )
    assert response.status_code == 200
    if file_format == "csv":
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))
    handle = io.BytesIO(b"".join(response.streaming_content))
    sheet = load_workbook(handle, read_only=True).active
    return [
        ["" if v is None else v for v in row]
        for row in sheet.iter_rows(values_only=True)
    ]


def single(scope: Scope, person) -> selectors.Report:
    """The dashboard filtered to `person`."""
    return selectors.kpi_report(replace(scope, user_id=person.pk))


# --- Who sees which rows ------------------------------------------------------------------------


def test_an_agent_sees_only_their_own_row(client, march, people):
    response = page(client, people["li"])

    assert response.status_code == 200
    assert list(rows_of(response)) == ["Li Na"]
    # and naming someone else is refused (400) with their own row still shown
    response = page(client, people["li"], {**MARCH, "user": people["zhao"].pk})
    assert response.status_code == 400
    assert list(rows_of(response)) == ["Li Na"]


def test_a_technician_and_a_followup_agent_see_only_their_own_row(
    client, march, people
):
    assert list(rows_of(page(client, people["liu"]))) == ["Liu Yang"]
    assert list(rows_of(page(client, people["huang"]))) == ["Huang Min"]


def test_a_supervisor_sees_the_people_of_the_units_they_oversee(client, march, people):
    response = page(client, people["chen"])

    # members of the hotline and the workshop, in name order (not sun of the north
    # hotline, huang of the follow-up team, wang or qm)
    assert response.status_code == 200
    assert list(rows_of(response)) == ["Chen Jie", "Li Na", "Liu Yang", "Zhao Lei"]
    # and one of them alone; someone outside is refused
    only = page(client, people["chen"], {**MARCH, "user": people["zhao"].pk})
    assert list(rows_of(only)) == ["Zhao Lei"]
    outside = page(client, people["chen"], {**MARCH, "user": people["sun"].pk})
    assert outside.status_code == 400
    assert "Sun Yue" not in rows_of(outside)


@pytest.mark.parametrize("role", ["wang", "qm"])
def test_managers_and_quality_managers_see_every_member_of_staff(
    client, march, people, role
):
    response = page(client, people[role])

    assert response.status_code == 200
    assert list(rows_of(response)) == [
        "Chen Jie", "Huang Min", "Li Na", "Liu Yang", "Qian Mei", "Sun Yue", "Wang Fang",
        "Zhao Lei",
    ]  # fmt: skip


def test_a_customer_is_refused_the_page_and_the_export(client, march, people):
    assert page(client, people["customer"]).status_code == 403
    with travel(AFTER_MARCH):
        for file_format in ("csv", "xlsx"):
            url = reverse("dashboard-people-export", args=[file_format])
            assert client.get(url, MARCH).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login(client, db):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- Each row is the dashboard filtered to that person ------------------------------------------

STAFF_KEYS = ("li", "zhao", "sun", "liu", "huang", "chen", "wang", "qm")


def test_the_data_set_is_varied(march, people):
    """A guard for the equality tests below: the people differ, and nearly every KPI has
    a value for somebody."""
    reports = {key: single(march_scope(), people[key]) for key in STAFF_KEYS}
    li, zhao, liu, huang, chen = (
        reports[key].values for key in ("li", "zhao", "liu", "huang", "chen")
    )
    # li: 4 cases opened; acknowledged in time 3 of 4 (the complaint after 26 h)
    assert (li["on_time_rate.acknowledge"].numerator,
            li["on_time_rate.acknowledge"].denominator) == (3, 4)  # fmt: skip
    # first responses 0.5, 1, 4, 26 calendar → business hours; 4 of them ranked
    assert li["first_response_median_hours"].denominator == 4
    # backlog at the end of March: the complaint and the repeat repair
    assert li["backlog"].value == 2
    assert li["repeat_repair_rate_30"].numerator == 1
    assert li["dissatisfaction_rate"].numerator == 1
    # resolved in March 2 (the first, the reworked one); reopened once: 1
    assert (li["reopen_rate"].numerator, li["reopen_rate"].denominator) == (1, 2)
    assert li["recourse_recovery_rate"].value == 0.4
    assert li["omission_rate"].numerator == 2  # a contact undisposed + a late ack
    # zhao: a consultation resolved, an unreachable follow-up is not li's
    assert zhao["resolution_median_hours"].denominator == 2
    assert zhao["feedback_on_time_rate"].value == 0.0
    # liu decided two handovers (one accepted after 1.5 h, one rejected); made 2 visits
    assert liu["handover_acceptance_hours"].value == 1.5
    assert liu["handover_bounce_rate"].value == 0.5
    assert (liu["conduct_compliance_rate"].numerator,
            liu["conduct_compliance_rate"].denominator) == (9, 12)  # fmt: skip
    # huang did the follow-up work: 2 completed of 3 due
    assert (huang["followup_rate"].numerator, huang["followup_rate"].denominator) == (
        2,
        3,
    )
    assert chen["improvement_actions_open"].value == 1
    assert chen["improvement_on_time_rate"].value == 0.5
    assert reports["sun"].values["sanbao_exceptions"].value == 1
    assert reports["qm"].values["review_on_time_rate"].value == 1.0
    # every KPI has a figure for someone but the NPS (no NPS questionnaire)
    measured = {
        key
        for report in reports.values()
        for key, value in report.values.items()
        if value.value not in (None, 0)
    }
    assert set(kpis.BY_KEY) - measured == {"nps"}


SCOPES = {
    "past month": {},
    "current month": {"now": IN_MARCH},
    "hotline and workshop": {"unit_ids": "hot,ws"},
    "north branch": {"unit_ids": "br2,hot2"},
    "model M1": {"product_model_id": "m1"},
    "hotline channel": {"channel": "hotline"},
    "complaints": {"case_type": "complaint"},
}


def _scope(name: str, org, march) -> Scope:
    filters = dict(SCOPES[name])
    if "unit_ids" in filters:
        filters["unit_ids"] = tuple(
            sorted(org[code].pk for code in filters["unit_ids"].split(","))
        )
    if "product_model_id" in filters:
        filters["product_model_id"] = march[filters["product_model_id"]].pk
    return march_scope(**filters)


def test_each_persons_figures_equal_the_dashboard_filtered_to_them(march, people, org):
    persons = [people[key] for key in STAFF_KEYS]
    # (one data set, every scope: a past and the current month, two unit subtrees, a
    # model, a channel, a case type)
    for name in SCOPES:
        scope = _scope(name, org, march)

        reports = selectors.kpi_reports_by_person(scope, [p.pk for p in persons])

        assert set(reports) == {p.pk for p in persons}, name
        for person in persons:
            expected = single(scope, person)
            got = reports[person.pk]
            assert list(got.values) == list(expected.values) == list(kpis.BY_KEY)
            for key, value in expected.values.items():
                assert got.values[key].as_dict() == value.as_dict(), (
                    name, person.username, key,
                )  # fmt: skip
            assert got.ageing == expected.ageing, (name, person.username)
            assert [key for key, _low, _high in AGEING] == list(got.ageing)
            assert got.standard == expected.standard
            assert got.scope == replace(scope, user_id=person.pk)


def test_a_person_without_any_figures_gets_the_empty_report(march, people, org):
    newcomer = staff("xu", "Xu", "Hui", "agent", units=[org["hot"]])
    scope = march_scope()

    reports = selectors.kpi_reports_by_person(scope, [newcomer.pk])

    expected = single(scope, newcomer)
    assert {k: v.as_dict() for k, v in reports[newcomer.pk].values.items()} == {
        k: v.as_dict() for k, v in expected.values.items()
    }
    assert reports[newcomer.pk].values["backlog"].value == 0
    assert reports[newcomer.pk].values["on_time_rate.acknowledge"].value is None
    # products in service are everyone's denominator of the complaint rate
    assert reports[newcomer.pk].values["complaint_rate"].denominator == 3


def test_the_page_shows_each_persons_dashboard_figures(client, march, people, org):
    # given the supervisor's view (the hotline and the workshop)
    response = page(client, people["chen"])
    shown = rows_of(response)
    scope = march_scope(unit_ids=tuple(sorted((org["hot"].pk, org["ws"].pk))))

    # then each row's cells are that person's dashboard, formatted, in the page's order
    for key in ("li", "zhao", "liu", "chen"):
        person = people[key]
        expected = single(scope, person)
        assert [text for text, _breached in shown[person.name]] == [
            format_value(expected.values[k].kpi.kind, expected.values[k].value)
            for k in SCORECARD_KPIS
        ], key
        assert [breached for _text, breached in shown[person.name]] == [
            expected.values[k].breached for k in SCORECARD_KPIS
        ], key


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_export_has_a_column_per_kpi_with_each_persons_figures(
    client, march, people, file_format
):
    table = export(client, people["wang"], file_format)

    header, *rows = table
    assert header == ["Person", *(str(kpi.label) for kpi in kpis.CATALOGUE)]
    assert len(header) == 1 + len(kpis.CATALOGUE)
    by_name = {row[0]: row[1:] for row in rows}
    assert len(by_name) == len(rows) == 8
    for key in STAFF_KEYS:
        person = people[key]
        expected = single(march_scope(), person)
        assert by_name[person.name] == [
            format_value(kpi.kind, expected.values[kpi.key].value)
            for kpi in kpis.CATALOGUE
        ], key


def test_the_export_keeps_the_agents_own_row_only(client, march, people):
    header, *rows = export(client, people["li"], "csv")

    assert len(header) == 1 + len(kpis.CATALOGUE)
    assert [row[0] for row in rows] == ["Li Na"]


def test_a_figure_past_the_limit_is_marked_breached(client, march, people):
    # given li's acknowledgements: 3 of 4 in time = 75 % (ceiling 95 %: breached) and
    # a backlog (no limit: never breached)
    expected = single(march_scope(), people["li"]).values
    assert expected["on_time_rate.acknowledge"].breached is True
    assert expected["backlog"].ceiling is None

    response = page(client, people["li"])
    cells = dict(zip(SCORECARD_KPIS, rows_of(response)["Li Na"], strict=True))

    assert cells["on_time_rate.acknowledge"] == ("75.00 %", True)
    assert cells["backlog"] == ("2", False)
    html = response.content.decode()
    assert 'data-breached="true">75.00 %</td>' in html


def test_bad_filters_answer_400_never_500(client, march, people):
    response = page(client, people["wang"], {"from": "2026-03-31", "to": "2026-03-01"})

    assert response.status_code == 400
    assert len(rows_of(response)) == 8  # the default view under the errors
    with travel(AFTER_MARCH):
        url = reverse("dashboard-people-export", args=["csv"])
        assert client.get(url, {"date": "not-a-day"}).status_code == 400


# --- Query count --------------------------------------------------------------------------------


def _grow(people, zhang, agents: list, day: int) -> None:
    """One more case for each of `agents` on March `day`, acknowledged after 1 h and
    resolved the next day, with a contact."""
    for agent in agents:
        case = acknowledged(agent, at(2026, 3, day), zhang, HOUR)
        resolved(case, agent, at(2026, 3, day + 1))
        contact(agent, zhang, at(2026, 3, day, 9))


def _count(client, user) -> tuple[int, CaptureQueriesContext]:
    client.force_login(user)
    with travel(AFTER_MARCH), CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE, MARCH)
    assert response.status_code == 200
    return len(rows_of(response)), queries


def test_the_query_count_grows_neither_with_the_data_nor_with_the_people(
    client, zhang, people, org, settings
):
    settings.DASHBOARD_CACHE_SECONDS = 0  # what computing costs, not a kept figure
    manager = people["wang"]
    _grow(people, zhang, [people["li"]], 2)
    rows_small, small = _count(client, manager)
    # more data for the same people
    _grow(people, zhang, [people["li"], people["zhao"], people["sun"]], 5)
    _grow(people, zhang, [people["li"], people["zhao"]], 9)
    rows_more_data, more_data = _count(client, manager)
    # and more people
    newcomers = [
        staff(f"new{n}", "New", f"Agent{n}", "agent", units=[org["hot"]])
        for n in range(5)
    ]
    _grow(people, zhang, newcomers, 12)
    rows_more_people, more_people = _count(client, manager)

    assert (rows_small, rows_more_data, rows_more_people) == (8, 8, 13)
    sql = [q["sql"] for q in more_people.captured_queries]
    assert len(more_data.captured_queries) == len(small.captured_queries), sql
    assert len(more_people.captured_queries) == len(small.captured_queries), sql
    # the session, the viewer and their roles; the people; the standard in force; the
    # roll-up's days; one grouped query per measure (16: the follow-up work and the
    # cases opened two) and two windowed percentile reads; the unread notifications;
    # the unit, person and model choices (PostgreSQL: the percentiles inside the
    # measures' queries)
    percentile_reads = 0 if connection.vendor == "postgresql" else 2
    assert len(small.captured_queries) == 26 + percentile_reads, sql


def test_kpi_reports_by_person_reads_a_fixed_number_of_queries(
    zhang, people, django_assert_num_queries, settings
):
    settings.DASHBOARD_CACHE_SECONDS = 0  # what computing costs, not a kept figure
    _grow(people, zhang, [people["li"], people["zhao"], people["sun"]], 2)
    scope = march_scope()
    few = [people["li"].pk]
    many = [people[key].pk for key in STAFF_KEYS]
    # the standard in force, the roll-up's days, one grouped query per measure (16: the
    # follow-up work and the cases opened two) and two windowed percentile reads,
    # whatever the number of people
    # (PostgreSQL: the percentiles inside the measures' queries)
    queries = 18 if connection.vendor == "postgresql" else 20
    with django_assert_num_queries(queries):
        selectors.kpi_reports_by_person(scope, few)
    with django_assert_num_queries(queries):
        reports = selectors.kpi_reports_by_person(scope, many)
    assert len(reports) == 8


def test_a_unit_chosen_narrows_the_rows_to_its_people(client, march, people, org):
    # a manager chooses the north branch: its people only
    north = page(client, people["wang"], {**MARCH, "unit": org["br2"].pk})
    assert north.status_code == 200
    assert list(rows_of(north)) == ["Sun Yue"]
    # the branch's subtree: the hotline, the workshop and the follow-up team
    branch = page(client, people["wang"], {**MARCH, "unit": org["br"].pk})
    assert list(rows_of(branch)) == [
        "Chen Jie", "Huang Min", "Li Na", "Liu Yang", "Zhao Lei",
    ]  # fmt: skip
    # a supervisor chooses the workshop, within what they oversee
    workshop = page(client, people["chen"], {**MARCH, "unit": org["ws"].pk})
    assert list(rows_of(workshop)) == ["Chen Jie", "Liu Yang"]


def test_a_row_links_to_the_dashboard_of_that_person_for_the_same_filters(
    client, march, people, org
):
    response = page(client, people["chen"], {**MARCH, "channel": "hotline"})

    html = response.content.decode()
    li = people["li"]
    link = (
        f"{reverse('dashboard')}?period=month&amp;date=2026-03-01&amp;channel=hotline"
        f"&amp;user={li.pk}"
    )
    assert f'href="{link}"' in html


def test_an_agents_own_row_does_not_link_to_the_dashboard_they_may_not_open(
    client, march, people
):
    response = page(client, people["li"])

    html = response.content.decode()
    assert list(rows_of(response)) == ["Li Na"]
    assert f'href="{reverse("dashboard")}?' not in html
    assert client.get(reverse("dashboard")).status_code == 403
