"""Browser: an agent finds the portal customer by typing a phone number (htmx search, no
Enter), opens the archive with its products and warranty badges, and logs a contact that
appears at the top of the timeline without a page reload."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from customers.models import Contact
from standards.services import legal_rule_sets_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill("demo")
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_find_a_customer_by_phone_and_log_a_contact(page: Page, live_server):
    legal_rule_sets_seed()  # the transactional database lost the migration's rows
    call_command("demo_data", verbosity=0)
    base = live_server.url

    sign_in(page, base, "agent")
    page.get_by_role("link", name="Customers", exact=True).click()
    expect(page).to_have_url(f"{base}/customers/")
    page.evaluate("window.samePage = true")  # gone if the page were reloaded

    # typing alone searches (htmx, 300 ms after the last key): no Enter, no reload
    page.get_by_label("Search customers").press_sequentially("138 0013 8000")
    results = page.get_by_test_id("customer-results")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results.get_by_role("link", name="张伟 Zhang Wei")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/customers/\?q=138"))
    assert page.evaluate("window.samePage") is True

    results.get_by_role("link", name="张伟 Zhang Wei").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("张伟 Zhang Wei")
    products = page.get_by_test_id("products")
    expect(products.locator("tbody tr")).to_have_count(2)
    expect(products.locator(".badge").first).to_be_visible()
    expect(products).to_contain_text("Whole unit")

    page.evaluate("window.samePage = true")
    page.get_by_label("Channel").select_option("phone")
    page.get_by_label("Disposition").select_option(label="Answered on the spot")
    page.get_by_label("Summary").fill("Asked about the filter")
    page.get_by_role("button", name="Record contact").click()

    newest = page.get_by_test_id("timeline").locator("li").first
    expect(newest).to_contain_text("Asked about the filter")
    expect(newest).to_contain_text("Answered on the spot")
    expect(page.get_by_label("Summary")).to_have_value("")  # a fresh form
    assert page.evaluate("window.samePage") is True
    contact = Contact.objects.get(summary="Asked about the filter")
    assert (contact.customer.name, contact.received_by.username) == (
        "张伟 Zhang Wei",
        "agent",
    )
    assert (contact.channel, contact.disposition) == ("phone", "answered")
