"""Browser: a quality manager revises the service standard (a looser-than-law value is
refused on the form), a manager approves it, an agent acknowledges it."""

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from standards.models import StandardVersion

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


def test_revise_approve_and_acknowledge_the_service_standard(page: Page, live_server):
    call_command("demo_data", verbosity=0)
    base = live_server.url
    today = timezone.localdate().isoformat()

    sign_in(page, base, "quality")
    page.get_by_role("link", name="Standards", exact=True).click()
    page.get_by_role("link", name="Q/ACME 001", exact=True).click()
    page.get_by_role("link", name="Draft new version").click()
    page.get_by_label("Effective from").fill(today)
    page.get_by_label("What changes").fill("Resolve P3 cases within 120 h.")
    page.get_by_role("button", name="Create draft").click()

    page.locator("[name=p__sla__resolve__P3]").fill("120")
    page.locator("[name=p__entitlement__return_window_days]").fill("3")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Looser than the law")).to_be_visible()
    page.locator("[name=p__entitlement__return_window_days]").fill("10")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_test_id("sla-matrix")).to_contain_text("120")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".status-in_review").first).to_be_visible()
    assert page.get_by_role("button", name="Approve").count() == 0  # never the author's
    sign_out(page)

    new_version = StandardVersion.objects.get(document__code="Q/ACME 001", version=4)
    sign_in(page, base, "manager")
    page.goto(f"{base}{new_version.get_absolute_url()}")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".status-effective").first).to_be_visible()
    new_version.refresh_from_db()
    assert new_version.status == "effective"
    assert new_version.parameters["entitlement"]["return_window_days"] == 10
    sign_out(page)

    sign_in(page, base, "agent")
    expect(page.get_by_test_id("home-acknowledge")).to_be_visible()
    page.get_by_role("link", name="Read them").click()
    box = page.get_by_test_id("to-acknowledge")
    expect(box).to_contain_text("Q/ACME 001 v4")
    box.locator("li", has_text="Q/ACME 001 v4").get_by_role(
        "button", name="I have read it"
    ).click()
    expect(page.get_by_text("your acknowledgement is recorded")).to_be_visible()
    assert new_version.acknowledgements.filter(user__username="agent").exists()
