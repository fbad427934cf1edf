"""Browser (issue #13): an agent opens a case on the phone for a customer with an address
and consent; the customer's "case received" message with the tracking link is in the
outbox; the agent tells the customer by SMS with a saved reply from the case page and
adds an internal note; the tracking link shows the customer exactly the texts meant for them."""

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from aftersales.models import Notification, OutboxMessage, User
from customers.models import Contact
from tests.e2e.test_tickets import open_repair_by_phone, sign_in, sign_out
from tickets.cases import selectors as case_selectors
from tickets.models import MessageTemplate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_customer_hears_from_us_and_sees_only_what_is_meant_for_them(
    page: Page, live_server
):
    call_command("demo_data", verbosity=0)
    base = live_server.url

    sign_in(page, base, "agent")
    ticket = open_repair_by_phone(
        page,
        base,
        title="Dryer stops after ten minutes",
        what="It stops and blinks E3.",
    )

    # the customer was told the case was received, with the tracking link
    received = OutboxMessage.objects.get(key=f"customer:received:{ticket.pk}")
    assert ticket.number in received.body
    link = re.search(r"/portal/t/[^\s/]+/", received.body).group(0)
    # and the call is the customer's contact on record
    contact = Contact.objects.get(reference=ticket.number, direction="inbound")
    assert contact.disposition == "ticket_created"

    # the agent tells the customer by SMS with a saved reply, then adds an internal note
    page.get_by_role("link", name="Record what the customer was told").click()
    inform = page.get_by_test_id("inform-form")
    inform.get_by_label("Saved reply").select_option(label="Visit booked (English)")
    inform.get_by_label("How").select_option("sms")
    inform.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_text("Sent to the customer and recorded.")).to_be_visible()
    told = OutboxMessage.objects.get(key__startswith="customer:told:")
    assert told.channel == "sms"
    text = (
        f"Dear {ticket.customer.name}, a technician will visit you for case "
        f"{ticket.number}. We will call you 30 minutes before arriving."
    )
    assert told.body.startswith(text)
    page.get_by_role("link", name="Add note").click()
    page.get_by_test_id("comment-form").locator("[name=body]").fill(
        "Customer sounded annoyed; check the E3 history."
    )
    page.get_by_test_id("comment-form").get_by_role("button", name="Add note").click()
    expect(page.get_by_text("check the E3 history").first).to_be_visible()
    sign_out(page)

    # the customer opens the tracking link from the message
    page.goto(f"{base}{link}")
    expect(page.get_by_text(text)).to_be_visible()
    expect(page.get_by_text("Message from our service team")).to_be_visible()
    assert "check the E3 history" not in page.content()


def test_the_bell_opens_what_needs_me_now_and_marks_all_read(page: Page, live_server):
    call_command("demo_data", verbosity=0)
    base = live_server.url
    sign_in(page, base, "technician")
    technician = User.objects.get(username="technician")
    needs = {
        need["view"]: need["count"]
        for need in case_selectors.needs_me_now(user=technician, now=timezone.now())
    }
    unread = Notification.objects.filter(recipient=technician, read_at__isnull=True)
    assert unread.exists()

    page.get_by_test_id("bell").click()
    menu = page.get_by_test_id("bell-menu")
    expect(menu.get_by_text("Needs me now")).to_be_visible()
    for view, count in needs.items():
        expect(menu.get_by_test_id(f"need-{view}")).to_contain_text(str(count))
    menu.get_by_test_id("bell-mark-all-read").click()
    expect(page.get_by_test_id("bell").locator(".badge")).to_have_count(0)
    assert not unread.exists()
    # the queue tab the bell links to
    page.get_by_test_id("bell").click()
    page.get_by_test_id("bell-menu").get_by_test_id("need-awaiting").click()
    expect(page).to_have_url(re.compile(r"/tickets/\?view=awaiting$"))


def test_the_quality_manager_previews_and_saves_a_customer_message(
    page: Page, live_server
):
    call_command("demo_data", verbosity=0)
    base = live_server.url
    sign_in(page, base, "quality")
    page.get_by_role("link", name="Customer messages").click()
    page.get_by_test_id("notice-visit_booked").get_by_role("link").first.click()
    form = page.get_by_test_id("notice-form")
    form.get_by_label("Text").fill("Dear {customer_name}, we come on {window:>99}.")
    form.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("Unknown placeholder {window:>99}")).to_be_visible()
    # the typed text is kept with the error
    expect(form.get_by_label("Text")).to_have_value(
        "Dear {customer_name}, we come on {window:>99}."
    )
    form.get_by_label("Text").fill("Dear {customer_name}, we come on {window}.")
    form.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("notice-preview")).to_contain_text(
        "Dear Wang Fang, we come on 2026-12-09 09:00–11:00."
    )
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Message saved.")).to_be_visible()
    expect(page.get_by_test_id("notice-visit_booked")).to_contain_text("edited")
    assert MessageTemplate.objects.get(event="visit_booked", language="en").body == (
        "Dear {customer_name}, we come on {window}."
    )
