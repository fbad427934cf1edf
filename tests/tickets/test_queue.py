"""The staff queue (due today, filters, sorting, the URL keeps every choice, SLA badges)
and the clocks panel of the case page (state and time left, in business hours when the
standard counts them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pytest_django.asserts import assertContains, assertNotContains

from tests.aftersales.factories import UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import act, open_ticket, service_standard
from tickets.models import Ticket
from tickets.workflow import TicketAction

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def standard(unit_tree, manager_user):
    author = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    with time_machine.travel(MONDAY_9, tick=False):
        return service_standard(
            author=author, approver=manager_user, owner_unit=unit_tree["co"]
        )


def _open(agent, *, priority="P3", title="Noisy", at=MONDAY_9, **fields) -> Ticket:
    with time_machine.travel(at, tick=False):
        zhang = customer(actor=agent, name=f"Customer {title}")
        return open_ticket(
            actor=agent, customer=zhang, priority=priority, title=title, **fields
        )


def _numbers(response) -> set[str]:
    return {t.number for t in response.context["page"]}


def test_due_today_lists_cases_with_a_clock_due_before_midnight(
    agent_client, agent_user, standard
):
    # P1: acknowledge within 0.5 h (due today); P3: acknowledge within 24 h (tomorrow).
    urgent = _open(agent_user, priority="P1", title="Urgent")
    later = _open(agent_user, priority="P3", title="Later")
    with time_machine.travel(MONDAY_9 + timedelta(minutes=5), tick=False):
        response = agent_client.get("/tickets/?view=today")

    assert urgent.number in _numbers(response)
    assert later.number not in _numbers(response)


def test_a_met_clock_no_longer_counts_as_due_today(agent_client, agent_user, standard):
    urgent = _open(agent_user, priority="P1", title="Urgent")
    with time_machine.travel(MONDAY_9 + timedelta(minutes=5), tick=False):
        act(urgent, agent_user, TicketAction.ACKNOWLEDGE)
        response = agent_client.get("/tickets/?view=today")
    urgent.refresh_from_db()
    other_clocks_today = any(
        getattr(urgent, f"{c}_due_at")
        and getattr(urgent, f"{c}_due_at").astimezone(SHANGHAI).date()
        == MONDAY_9.date()
        for c in ("first_contact", "onsite", "resolve")
    )
    assert (urgent.number in _numbers(response)) is other_clocks_today


def test_filters_and_sort_narrow_and_order_the_queue(
    agent_client, agent_user, standard
):
    p1 = _open(agent_user, priority="P1", title="Alpha")
    p3 = _open(agent_user, priority="P3", title="Beta")
    with time_machine.travel(MONDAY_9 + timedelta(minutes=1), tick=False):
        only_p1 = agent_client.get("/tickets/?view=mine&priority=P1")
        by_priority = agent_client.get("/tickets/?view=mine&sort=priority")
        oldest = agent_client.get("/tickets/?view=mine&sort=created")

    assert _numbers(only_p1) == {p1.number}
    assert [t.number for t in by_priority.context["page"]][:2] == [p1.number, p3.number]
    assert [t.number for t in oldest.context["page"]][0] == p1.number


def test_the_queue_keeps_every_choice_in_its_links(agent_client, agent_user, standard):
    for i in range(27):
        _open(agent_user, priority="P2", title=f"Case {i}")
    response = agent_client.get("/tickets/?view=mine&priority=P2&sort=created&q=Case")

    assert response.context["page"].paginator.count == 27
    assertContains(response, "page=2")
    next_link = "?view=mine&amp;priority=P2&amp;sort=created&amp;q=Case&amp;page=2"
    assertContains(response, next_link)


def test_an_unknown_sort_or_filter_value_falls_back_without_error(
    agent_client, agent_user, standard
):
    case = _open(agent_user)
    response = agent_client.get("/tickets/?view=mine&sort=drop_table&priority=P9")

    assert response.status_code == 200
    assert case.number in _numbers(response)


@pytest.mark.parametrize(
    ("minutes_later", "css"),
    [(1, "text-bg-success"), (25, "text-bg-warning"), (31, "text-bg-danger")],
)
def test_sla_badge_turns_amber_at_80_percent_and_red_when_overdue(
    agent_client, agent_user, standard, minutes_later, css
):
    # P1 acknowledge: 30 minutes; the warning point is at 24 minutes.
    _open(agent_user, priority="P1", title="Fire")
    with time_machine.travel(MONDAY_9 + timedelta(minutes=minutes_later), tick=False):
        response = agent_client.get("/tickets/?view=mine")

    assertContains(response, f'badge {css}" data-clock="acknowledge"')


@pytest.mark.parametrize(
    ("minutes_later", "state", "css"),
    [
        (1, "running", "text-bg-success"),
        (25, "warning", "text-bg-warning"),
        (31, "overdue", "text-bg-danger"),
    ],
)
def test_the_queue_badge_and_the_case_page_agree_on_a_clock(
    agent_client, agent_user, standard, minutes_later, state, css
):
    """Both ask standards.sla.clock_state: one rule, one answer."""
    case = _open(agent_user, priority="P1", title="Fire")
    with time_machine.travel(MONDAY_9 + timedelta(minutes=minutes_later), tick=False):
        queue = agent_client.get("/tickets/?view=mine")
        page = agent_client.get(f"/tickets/{case.number}/")

    assertContains(queue, f'badge {css}" data-clock="acknowledge"')
    assertContains(page, f'data-clock="acknowledge" data-state="{state}"')


def test_sla_badge_is_grey_while_the_case_waits_for_the_customer(
    agent_client, agent_user, standard
):
    case = _open(agent_user, priority="P2")
    with time_machine.travel(MONDAY_9 + timedelta(minutes=10), tick=False):
        act(case, agent_user, TicketAction.ACKNOWLEDGE, TicketAction.START)
        case.refresh_from_db()
        act(case, agent_user, TicketAction.PAUSE_CUSTOMER, note="Customer away")
        response = agent_client.get("/tickets/?view=mine")

    assertContains(response, "badge text-bg-secondary")
    assertNotContains(response, "text-bg-danger")


def test_case_page_shows_hours_left_on_the_wall_clock(
    agent_client, agent_user, standard
):
    case = _open(agent_user, priority="P2")  # acknowledge within 2 h
    with time_machine.travel(MONDAY_9 + timedelta(minutes=30), tick=False):
        response = agent_client.get(f"/tickets/{case.number}/")

    clocks = {c["key"]: c for c in response.context["clocks"]}
    assert clocks["acknowledge"]["state"] == "running"
    assert clocks["acknowledge"]["hours_left"] == 1.5
    assert clocks["acknowledge"]["business_hours"] is False
    assertContains(response, 'data-clock="acknowledge" data-state="running"')


def test_case_page_counts_business_hours_when_the_standard_does(
    agent_client, agent_user, unit_tree, manager_user
):
    author = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    with time_machine.travel(MONDAY_9, tick=False):
        service_standard(
            author=author,
            approver=manager_user,
            owner_unit=unit_tree["co"],
            parameters={"sla": {"business_hours": True}},
        )
    friday_5pm = datetime(2026, 3, 6, 17, 0, tzinfo=SHANGHAI)
    case = _open(agent_user, priority="P3", at=friday_5pm)  # ack within 24 business h
    # Saturday noon: no working time has passed since Friday's close.
    with time_machine.travel(datetime(2026, 3, 7, 12, 0, tzinfo=SHANGHAI), tick=False):
        weekend = agent_client.get(f"/tickets/{case.number}/")
    # Monday noon: three working hours (9-12) have passed.
    with time_machine.travel(datetime(2026, 3, 9, 12, 0, tzinfo=SHANGHAI), tick=False):
        monday = agent_client.get(f"/tickets/{case.number}/")

    left_weekend = {c["key"]: c for c in weekend.context["clocks"]}["acknowledge"]
    left_monday = {c["key"]: c for c in monday.context["clocks"]}["acknowledge"]
    assert left_weekend["business_hours"] is True
    assert left_weekend["hours_left"] - left_monday["hours_left"] == pytest.approx(3.0)


def test_case_page_marks_an_overdue_clock_with_hours_over(
    agent_client, agent_user, standard
):
    case = _open(agent_user, priority="P1")
    with time_machine.travel(MONDAY_9 + timedelta(hours=2), tick=False):
        response = agent_client.get(f"/tickets/{case.number}/")

    clock = {c["key"]: c for c in response.context["clocks"]}["acknowledge"]
    assert clock["state"] == "overdue"
    assert clock["hours_over"] == 1.5
    assertContains(response, "overdue 1.5 h")


def test_a_safety_incident_asks_for_evidence_until_a_file_is_attached(
    agent_client, agent_user, standard
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.portal.test_portal import png_bytes
    from tickets.attachments.services import attachment_add

    case = _open(agent_user, title="Smoke from the socket", safety_incident=True)
    before = agent_client.get(f"/tickets/{case.number}/")
    png = png_bytes()  # a real (decodable) image: uploads are written again
    attachment_add(
        ticket=case,
        actor=agent_user,
        file=SimpleUploadedFile("socket.png", png, content_type="image/png"),
    )
    after = agent_client.get(f"/tickets/{case.number}/")

    assertContains(before, 'data-testid="evidence-needed"')
    assertNotContains(after, 'data-testid="evidence-needed"')


def test_a_cancelled_cases_unmet_clock_stops_instead_of_growing_overdue(
    agent_client, agent_user, standard
):
    case = _open(agent_user, priority="P1")  # acknowledge within 30 minutes
    with time_machine.travel(MONDAY_9 + timedelta(hours=1), tick=False):
        act(case, agent_user, TicketAction.CANCEL, note="Customer withdrew")
    with time_machine.travel(MONDAY_9 + timedelta(days=3), tick=False):
        response = agent_client.get(f"/tickets/{case.number}/")

    clocks = {c["key"]: c for c in response.context["clocks"]}
    assert clocks["acknowledge"]["state"] == "none"
    assert clocks["acknowledge"]["hours_over"] is None
    assertNotContains(response, "badge text-bg-danger")


@pytest.mark.parametrize(
    "query",
    [
        "priority=P1",
        "status=new",
        "type=complaint",
        "priority=P3&type=repair",
        "overdue=true",
    ],
)
def test_the_queue_page_and_the_api_filter_with_one_filterset(
    agent_client, agent_api, agent_user, standard, query
):
    """The same query string gives the same cases on the page (view=all) and the API."""
    _open(agent_user, priority="P1", title="Fire", type="complaint")
    _open(agent_user, priority="P3", title="Noisy", type="repair")
    late = _open(agent_user, priority="P2", title="Late", type="repair")
    act(late, agent_user, TicketAction.ACKNOWLEDGE)

    with time_machine.travel(MONDAY_9 + timedelta(hours=30), tick=False):
        page = agent_client.get(f"/tickets/?view=all&{query}")
        api = agent_api.get(f"/api/v1/tickets/?{query}").json()

    assert page.status_code == 200
    assert _numbers(page) == {row["number"] for row in api["results"]}
    assert _numbers(page) != set()
