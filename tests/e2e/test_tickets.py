"""Browser: an agent logs a case from a phone search, hands it to the repair workshop, the
technician accepts it, tells the customer and resolves it; the first owner stays the agent.
Without JavaScript the case page's form buttons open each form as a page of its own."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import open_ticket
from tickets.models import Ticket

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


def open_repair_by_phone(page: Page, base: str, *, title: str, what: str) -> Ticket:
    """As the signed-in agent: find the demo customer by phone, open a repair of their
    first product; the agent is its first owner."""
    page.goto(f"{base}/tickets/new/")
    page.get_by_label("Find the customer").fill("138 0013 8000")
    page.get_by_role("button", name="Find").click()
    page.get_by_test_id("customer-matches").get_by_role("link", name="Choose").click()
    page.get_by_label("Product").select_option(index=1)
    page.get_by_label("Type").select_option("repair")
    page.get_by_label("Title").fill(title)
    page.get_by_label("What happened").fill(what)
    page.get_by_role("button", name="Open case").click()
    expect(page.get_by_text("you are its first owner")).to_be_visible()
    return Ticket.objects.get(title=title)


def test_log_hand_over_accept_and_resolve_a_case(page: Page, live_server):
    call_command("demo_data", verbosity=0)
    base = live_server.url

    sign_in(page, base, "agent")
    ticket = open_repair_by_phone(
        page, base, title="Fridge warm since Monday",
        what="Since yesterday the fridge is warm inside.",
    )  # fmt: skip
    assert ticket.first_owner.username == "agent"
    assert ticket.standard_version is not None

    page.get_by_test_id("actions").get_by_role("button", name="Acknowledge").click()
    # the case page's forms load on demand: the button swaps itself for the form
    page.get_by_role("link", name="Request handover").click()
    handover = page.locator("form[action$='/handover/']")
    handover.locator("[name=to_unit]").select_option(label="Repair Workshop")
    handover.locator("[name=reason]").fill("Needs a technician on site")
    handover.locator("[name=commitment]").fill("diagnose in 48 h")
    handover.locator("[name=commitment_hours]").fill("48")
    page.get_by_role("button", name="Request handover").click()
    expect(page.get_by_test_id("pending-handover")).to_contain_text("diagnose in 48 h")
    sign_out(page)

    sign_in(page, base, "technician")
    page.goto(f"{base}/tickets/?view=awaiting")
    page.get_by_role("link", name=ticket.number).click()
    page.get_by_test_id("pending-handover").get_by_role("button", name="Accept").click()
    expect(page.get_by_text("You took over the case")).to_be_visible()
    expect(page.get_by_test_id("first-owner")).to_have_text("Li Na")
    page.get_by_role("link", name="Record what the customer was told").click()
    page.get_by_label("What the customer was told").fill(
        "Compressor relay replaced; cooling again."
    )
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_text("the customer was informed")).to_be_visible()
    page.get_by_role("link", name="Resolve", exact=True).click()
    resolve = page.locator("form[action$='/resolve/']")
    resolve.get_by_label("Cause code").fill("RELAY")
    resolve.get_by_label("Liability").select_option("producer_defect")
    resolve.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("Resolved.")).to_be_visible()

    ticket.refresh_from_db()
    assert ticket.status == "awaiting_follow_up"  # repairs are always followed up
    assert ticket.first_owner.username == "agent"
    assert ticket.handler.username == "technician"
    assert list(ticket.events.values_list("type", flat=True)) == [
        "opened", "status_changed", "handover_requested",
        "assigned",  # the demo workshop hands out its queue round-robin
        "handover_accepted",
        "status_changed", "customer_informed", "comment", "status_changed", "status_changed",
    ]  # fmt: skip


def test_without_javascript_a_form_button_opens_the_form_as_a_page(
    browser: Browser, live_server
):
    hotline = UnitFactory(code="hot", name="Hotline")
    agent = UserFactory(username="li", roles=["agent"], units=[hotline])
    ticket = open_ticket(
        actor=agent, customer=customer(actor=agent, name="Zhang Wei"), title="Noisy"
    )
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or e-mail").fill("li")
    page.get_by_label("Password").fill("secret-pass-123")  # UserFactory's
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()

    page.goto(f"{base}{ticket.get_absolute_url()}")
    page.get_by_role("link", name="Add note").click()
    expect(page).to_have_url(f"{base}{ticket.get_absolute_url()}comment/form/")
    page.get_by_label("Note").fill("Called the customer back")
    page.get_by_role("button", name="Add note").click()

    expect(page).to_have_url(f"{base}{ticket.get_absolute_url()}")
    expect(page.get_by_test_id("timeline")).to_contain_text("Called the customer back")
    context.close()
