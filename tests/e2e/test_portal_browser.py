"""Browser: a visitor without an account files a complaint on the customer portal with the
one-time code read from the outbox, lands on the tracking page of the new case and writes
to the service team from it."""

import re

import pytest
from playwright.sync_api import Page, expect

from aftersales.models import OutboxMessage
from aftersales.outbox import LocmemSmsBackend
from customers import services as archive_services
from customers.models import Party
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.portal.test_portal import png_bytes
from tickets.cases import selectors as case_selectors
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_files_a_complaint_and_follows_it(page: Page, live_server, settings):
    settings.AFTERSALES_PORTAL_UNIT = "sh-hotline"
    hotline = UnitFactory(code="sh-hotline", name="Service Hotline", kind="hotline")
    agent = UserFactory(
        username="agent", first_name="Li", last_name="Na", roles=["agent"],
        units=[hotline],
    )  # fmt: skip
    maker = archive_services.party_save(
        actor=agent, name="ACME", kind=Party.Kind.PRODUCER
    )
    archive_services.product_model_save(
        actor=agent, producer=maker, code="FR-300", name="Fridge 300",
        category="refrigerator",
    )  # fmt: skip
    base = live_server.url

    page.goto(f"{base}/portal/")
    page.get_by_role("link", name="Start").click()
    page.get_by_label("Mobile number or e-mail").fill("138 0013 8000")
    page.get_by_label("I agree that the service team contacts me").check()
    page.get_by_role("button", name="Send me a code").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    message = OutboxMessage.objects.get(key__startswith="portal-code:")
    assert message.to == "+8613800138000"
    # The code went out by SMS; the outbox row no longer holds it once sent.
    assert message.sent_at is not None
    assert not re.search(r"\b\d{6}\b", message.body)
    sms = [m for m in LocmemSmsBackend.sent if m["to"] == "+8613800138000"]
    code = re.search(r"\b(\d{6})\b", sms[-1]["body"]).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your request")
    page.get_by_label("Your name").fill("Zhang Wei")
    page.get_by_label("What do you need?").select_option("repair")
    page.get_by_label("Product model").select_option(label="FR-300 Fridge 300")
    page.get_by_label("Serial number").fill("SN-2025-1")
    page.get_by_label("Purchase date").fill("2025-05-20")
    page.get_by_label("What happened?").fill("The fridge is warm inside since Monday.")
    page.get_by_label("Photos (up to 3)").set_input_files(
        [{"name": "fridge.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.get_by_role("button", name="Send my request").click()

    ticket = Ticket.objects.get()
    expect(page).to_have_url(re.compile(r"/portal/t/[^/]+/$"))
    expect(page.get_by_test_id("portal-message")).to_contain_text(ticket.number)
    expect(page.get_by_test_id("portal-case-number")).to_have_text(ticket.number)
    expect(page.get_by_test_id("portal-status")).to_have_text("Received")
    expect(page.get_by_test_id("portal-timeline")).to_contain_text(
        "We received your request."
    )
    expect(page.get_by_test_id("portal-files")).to_contain_text("fridge.png")
    assert page.locator(".app-sidebar").count() == 0  # no staff navigation
    link = page.get_by_test_id("portal-tracking-link").input_value()
    assert link == page.url
    sent = OutboxMessage.objects.get(key=f"portal-tracking:{ticket.pk}")
    token = re.search(r"/portal/t/([^/]+)/", sent.body).group(1)
    assert case_selectors.ticket_get_by_token(token=token) == ticket

    page.get_by_label("Your message").fill("I am home after 6 pm.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_test_id("portal-timeline")).to_contain_text(
        "I am home after 6 pm."
    )
    assert ticket.first_owner == agent
    assert (ticket.source, ticket.type) == ("portal", "repair")
    assert ticket.product.serial == "SN-2025-1"
    assert ticket.events.filter(type="comment", public=True).count() == 1
