"""Browser (issue #14): with the Content-Security-Policy enforced, no page breaks: the
pages, the htmx fragments, the dashboard's charts, Bootstrap's menus and the small
behaviours that were inline handlers (a filter that submits itself, a confirmation, a
link selected on click) work, and the browser reports no policy violation."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from customers.models import Customer
from tests.e2e.test_tickets import sign_in
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch(page: Page) -> list[str]:
    """Every console message and page error that tells of a blocked resource or script."""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if "Content Security Policy" in message.text or "Refused" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_the_pages_work_under_the_policy_and_nothing_is_refused(
    page: Page, live_server
):
    call_command("demo_data", verbosity=0)
    base = live_server.url
    problems = watch(page)
    sign_in(page, base, "manager")

    for path in ("/", "/tickets/", "/customers/", "/standards/", "/followups/",
                 "/dashboard/", "/notifications/", "/api/docs/"):  # fmt: skip
        page.goto(f"{base}{path}")
        expect(page.locator("body")).to_be_visible()
    # the dashboard's charts were drawn by Chart.js (a canvas with pixels)
    page.goto(f"{base}/dashboard/")
    expect(page.locator("canvas").first).to_be_visible()
    # the bell's htmx fragment and Bootstrap's dropdown
    page.get_by_test_id("bell").click()
    expect(page.get_by_test_id("bell-menu")).to_be_visible()
    # a case page: an htmx form opens in place; the tracking link is selected on click
    ticket = Ticket.objects.filter(status="in_progress").first()
    page.goto(f"{base}{ticket.get_absolute_url()}")
    page.get_by_role("link", name="Add note").click()
    expect(page.get_by_test_id("comment-form")).to_be_visible()
    link = page.get_by_test_id("tracking-url")
    link.click()
    assert page.evaluate(
        "() => { const f = document.querySelector('[data-testid=tracking-url]');"
        " return f.selectionEnd - f.selectionStart; }"
    ) == len(link.input_value())
    # the parties' filter submits itself when it changes
    page.goto(f"{base}/customers/parties/")
    page.locator("select[data-autosubmit]").select_option(index=1)
    expect(page).to_have_url(re.compile(r"kind=\w+"))
    # anonymising asks first; dismissed, nothing happens
    customer = Customer.objects.filter(anonymised_at__isnull=True).first()
    page.goto(f"{base}/customers/{customer.pk}/")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Privacy").click()
    page.get_by_role("button", name="Anonymise on request").click()
    assert len(asked) == 1
    assert "cannot be restored" in asked[0]
    customer.refresh_from_db()
    assert customer.anonymised_at is None

    assert problems == []
