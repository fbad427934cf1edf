"""Browser: the manager opens the dashboard; every chart is drawn by Chart.js from its JSON
(no console error), the table under a chart has its rows, and a drill-down link lands on
the case queue listing exactly the cases behind the figure; the same page in Chinese."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from feedback.followups import services as followup_services
from feedback.models import FollowUp
from standards.services import legal_rule_sets_seed
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer, product, product_model
from tests.tickets.factories import act, open_ticket, ready_to_resolve, service_standard
from tickets.cases import services as ticket_services
from tickets.workflow import TicketAction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "secret-pass-123"  # tests.aftersales.factories.UserFactory


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def expect_charts_drawn(page: Page) -> None:
    """Every chart canvas on the page has been drawn (dashboard.js marks it)."""
    charts = page.locator("canvas[data-chart]")
    expect(charts).to_have_count(5)  # on time, ageing, trend, Pareto, recourse
    expect(page.locator("canvas[data-chart]:not([data-drawn='true'])")).to_have_count(0)
    widths = charts.evaluate_all("canvases => canvases.map(c => c.width)")
    assert all(width > 0 for width in widths), widths


def a_month_of_cases() -> dict:
    """Today: a complaint, and a repair (fault E3) resolved and followed up satisfied,
    received by the hotline's agent against the company's service standard."""
    legal_rule_sets_seed()  # the transactional database lost the migration's rows
    company = UnitFactory(code="co", name="Company", kind="company")
    hotline = UnitFactory(code="hot", name="Hotline", kind="hotline", parent=company)
    team = UnitFactory(
        code="fu", name="Follow-up Team", kind="followup_team", parent=company
    )
    manager = UserFactory(username="wang", roles=["manager"], units=[company])
    quality = UserFactory(username="qm", roles=["quality_manager"], units=[company])
    agent = UserFactory(username="li", roles=["agent"], units=[hotline])
    visitor = UserFactory(username="huang", roles=["followup_agent"], units=[team])
    service_standard(author=quality, approver=manager, owner_unit=company)
    model = product_model(actor=agent, code="DR-7", category="washing_machine")
    people = [customer(actor=agent, name=f"Customer {n}") for n in range(2)]
    owned = [
        product(
            actor=agent,
            owner=person,
            model=model,
            serial=f"DR7-{n}",
            sale_date=date(2025, 5, 20),
            delivery_date=date(2025, 5, 22),
        )
        for n, person in enumerate(people)
    ]
    complaint = open_ticket(
        actor=agent, customer=people[0], type="complaint", title="Nobody called back"
    )
    repair = open_ticket(
        actor=agent, customer=people[1], product=owned[1], fault_code="E3",
        title="Dryer stops after five minutes",
    )  # fmt: skip
    act(repair, agent, TicketAction.ACKNOWLEDGE, TicketAction.START)
    ready_to_resolve(repair, agent)
    repair.refresh_from_db()
    repair = ticket_services.ticket_resolve(
        ticket=repair, actor=agent, cause_code="SENSOR", liability="producer_defect"
    )
    followup_services.followup_complete(
        followup=FollowUp.objects.get(ticket=repair),
        actor=visitor,
        score=5,
        resolved=True,
    )
    return {"complaint": complaint, "repair": repair}


def test_the_dashboard_draws_its_charts_and_drills_down_to_the_queue(
    page: Page, live_server
):
    cases = a_month_of_cases()
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    base = live_server.url

    sign_in(page, base, "wang")
    page.goto(f"{base}/dashboard/")
    expect(page.locator(".app-title")).to_have_text("Dashboard")
    expect_charts_drawn(page)
    expect(page.get_by_test_id("tile-complaint_rate")).to_have_attribute(
        "data-breached", "true"
    )
    # The Pareto chart's table: one row, the repair's fault code.
    pareto = page.get_by_test_id("table-pareto")
    expect(pareto.locator("tbody tr")).to_have_count(1)
    expect(pareto.locator("tbody tr").first).to_contain_text("DR-7")
    expect(pareto.locator("tbody tr").first).to_contain_text("E3")
    expect(page.get_by_test_id("table-ageing").locator("tbody tr")).to_have_count(5)

    pareto.get_by_test_id("drill").click()
    expect(page).to_have_url(re.compile(r"/tickets/\?view=all&.*fault_code=E3"))
    expect(page.get_by_text(cases["repair"].number)).to_be_visible()
    expect(page.get_by_text(cases["complaint"].number)).to_have_count(0)

    page.goto(f"{base}/dashboard/")
    page.get_by_test_id("tile-complaint_rate").get_by_role(
        "link", name="See the cases"
    ).click()
    expect(page).to_have_url(re.compile(r"/tickets/\?view=all&.*type=complaint"))
    expect(page.get_by_text(cases["complaint"].number)).to_be_visible()
    expect(page.get_by_text(cases["repair"].number)).to_have_count(0)

    # In Chinese: the same page, its charts drawn.
    page.goto(f"{base}/zh-hans/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(".app-title")).to_have_text("管理看板")
    expect_charts_drawn(page)
    expect(page.get_by_test_id("table-pareto").locator("tbody tr")).to_have_count(1)
    page.get_by_test_id("table-pareto").get_by_test_id("drill").click()
    expect(page).to_have_url(re.compile(r"/zh-hans/tickets/\?view=all&"))
    expect(page.get_by_text(cases["repair"].number)).to_be_visible()

    assert errors == []
