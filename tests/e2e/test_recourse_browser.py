"""Browser (A11): the store's agent records the 3,000 CNY property damages it paid on the
case page; the draft claim against the producer opens from the panel, carries the case's
file as evidence, is marked ready, submitted, acknowledged and settled in full; the
claims list and the producer's ledger show paid vs recovered."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from customers import services as archive_services
from customers.models import Party
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer, product, product_model
from tests.tickets.factories import open_ticket
from tickets.cases import services
from tickets.models import Attachment, RecourseClaim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "secret-pass-123"  # tests.aftersales.factories.UserFactory


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_a11_compensate_first_then_recover_from_the_producer(page: Page, live_server):
    store_counter = UnitFactory(code="counter", name="Sales counter")
    agent = UserFactory(username="li", roles=["agent"], units=[store_counter])
    acme = archive_services.party_save(
        actor=agent, name="ACME Appliances", kind=Party.Kind.PRODUCER
    )
    zhang = customer(actor=agent, name="Zhang Wei")
    washer = product(
        actor=agent,
        owner=zhang,
        model=product_model(
            actor=agent, code="WM-8", category="washing_machine", maker=acme
        ),
        serial="WM0008",
        sale_date=date(2026, 5, 1),
    )
    ticket = open_ticket(
        actor=agent, customer=zhang, product=washer, type="complaint",
        title="Leak flooded the floor",
    )  # fmt: skip
    services.ticket_set_resolution(
        ticket=ticket, actor=agent, cause_code="hose", liability="producer_defect"
    )
    Attachment.objects.create(
        ticket=ticket, file="tickets/2026/11/floor.jpg", original_name="floor.jpg",
        content_type="image/jpeg", size=2048, sha256="0" * 64,
    )  # fmt: skip
    base = live_server.url

    sign_in(page, base, "li")
    page.goto(f"{base}{ticket.get_absolute_url()}")
    panel = page.get_by_test_id("compensations")
    # the button loads the form into the panel (htmx), in place of itself
    panel.get_by_role("link", name="Record a compensation").click()
    form = panel.locator("form[data-testid=compensation-form]")
    expect(form).to_be_visible()
    expect(page).to_have_url(f"{base}{ticket.get_absolute_url()}")
    form.get_by_label("Kind").select_option("property_damage")
    form.get_by_label("Amount (CNY)").fill("3000")
    form.get_by_role("button", name="Record compensation").click()
    claim = RecourseClaim.objects.get()
    expect(page.get_by_text(f"put on recourse claim {claim.number}")).to_be_visible()

    page.get_by_test_id("compensation-row").get_by_role(
        "link", name=claim.number
    ).click()
    expect(page.get_by_test_id("claim-status")).to_have_text("Draft")
    expect(page.get_by_label("floor.jpg")).to_be_checked()
    actions = page.get_by_test_id("claim-actions")
    actions.get_by_role("button", name="Mark ready").click()
    page.get_by_test_id("claim-actions").get_by_role(
        "button", name="Submit to the party"
    ).click()
    page.get_by_test_id("claim-actions").get_by_role(
        "button", name="Party acknowledged"
    ).click()
    expect(page.get_by_test_id("claim-status")).to_have_text("Acknowledged")
    page.get_by_label("Amount recovered (settlement)").fill("3000")
    page.get_by_test_id("claim-actions").get_by_role("button", name="Settle").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("Settled in full")
    expect(page.get_by_test_id("claim-timeline")).to_contain_text("Settle")

    page.goto(f"{base}/tickets/recourse/?status=settled_full")
    expect(page.get_by_test_id("claims")).to_contain_text(claim.number)
    page.get_by_test_id("claims").get_by_role("link", name="ACME Appliances").click()
    expect(page.get_by_test_id("ledger-paid")).to_have_text("¥3000.00")
    expect(page.get_by_test_id("ledger-recovered")).to_have_text("¥3000.00")
    expect(page.get_by_test_id("ledger-outstanding")).to_have_text("¥0.00")
