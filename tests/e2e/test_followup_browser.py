"""Browser: a case the agent resolved appears on the follow-up agent's worklist; the
follow-up agent (visitor) opens the task's answer form in its card and records "not
solved" through htmx without leaving the page, and the case page shows it reopened to its
first owner (A05)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from aftersales.models import User
from customers.models import Customer
from feedback.models import FollowUp
from standards.services import legal_rule_sets_seed
from tickets.cases import services
from tickets.models import Ticket
from tickets.workflow import TicketAction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill("demo")
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def sign_out(page: Page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()


def resolved_case(agent: User) -> Ticket:
    """A repair the agent received and resolved (its follow-up is scheduled on commit)."""
    customer = Customer.objects.filter(products__isnull=False).first()
    ticket = services.ticket_open(
        actor=agent, type="repair", source="hotline", customer=customer,
        product=customer.products.first(), title="Dryer stops after five minutes",
        description="Stops with error E3.",
    )  # fmt: skip
    for action in (TicketAction.ACKNOWLEDGE, TicketAction.START):
        ticket = services.ticket_transition(ticket=ticket, action=action, actor=agent)
    services.ticket_inform_customer(
        ticket=ticket, actor=agent, message="Sensor replaced; dries again."
    )
    ticket.refresh_from_db()
    return services.ticket_resolve(
        ticket=ticket, actor=agent, cause_code="SENSOR", liability="producer_defect"
    )


def test_a_dissatisfied_answer_in_the_worklist_reopens_the_case(
    page: Page, live_server
):
    legal_rule_sets_seed()  # the transactional database lost the migration's rows
    call_command("demo_data", verbosity=0)
    base = live_server.url
    agent = User.objects.get(username="agent")
    ticket = resolved_case(agent)
    followup = FollowUp.objects.get(ticket=ticket)
    assert followup.assigned_to.username == "visitor"

    sign_in(page, base, "visitor")
    page.goto(f"{base}/followups/")
    page.get_by_role("link", name="Mine").click()
    page.get_by_label("Search").fill(ticket.number)
    page.get_by_role("button", name="Apply").click()
    card = page.locator(f"#followup-{followup.pk}")
    expect(card.get_by_test_id("case-link")).to_have_text(ticket.number)
    page.evaluate("window.samePage = true")  # gone if the page were reloaded

    card.get_by_test_id("call-script").locator("summary").click()
    expect(card.get_by_test_id("call-script")).to_contain_text("Is the problem solved?")
    # The worklist draws no answer form; the button loads this task's into its card.
    expect(card.get_by_test_id("answer-form")).to_have_count(0)
    card.get_by_test_id("answer-open").click()
    form = card.get_by_test_id("answer-form")
    expect(form).to_be_visible()
    form.get_by_label("2", exact=True).check()
    form.get_by_label("No", exact=True).first.check()
    form.get_by_label("Is there anything else you want to tell us?").fill(
        "It still stops after five minutes."
    )
    form.get_by_role("button", name="Save the answer").click()

    card = page.locator(f"#followup-{followup.pk}")
    expect(card.get_by_test_id("reopened-note")).to_contain_text("Li Na")
    expect(card.get_by_test_id("followup-status")).to_have_text("Dissatisfied")
    expect(card.get_by_test_id("case-status")).to_have_text("Reopened")
    assert page.evaluate("window.samePage") is True
    sign_out(page)

    sign_in(page, base, "agent")
    page.goto(f"{base}{ticket.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reopened")
    expect(page.get_by_test_id("first-owner")).to_have_text("Li Na")
    expect(page.get_by_test_id("timeline")).to_contain_text("Follow-up outcome")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.handler.username) == ("reopened", "agent")
