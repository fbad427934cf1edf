"""Browser (issue #13): an agent opens a case on the phone for a customer with an address
and consent; the customer's "case received" message with the tracking link is in the
outbox; the agent tells the customer by SMS with a saved reply from the case page and
adds an internal note; the tracking link shows the customer exactly the texts meant for them."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from aftersales.models import OutboxMessage
from customers.models import Contact
from tests.e2e.test_tickets import open_repair_by_phone, sign_in, sign_out

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
