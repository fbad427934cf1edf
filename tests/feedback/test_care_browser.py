"""Browser: the quality manager opens a safety recall, previews its audience (htmx, no
reload), sends it after confirming, and sees the run in the history and the skipped owner
with the reason in the contacts list."""

from datetime import date

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from aftersales.models import OutboxMessage, User
from customers.models import Customer, OwnedProduct
from feedback.care import services
from standards.services import legal_rule_sets_seed
from tests.customers.factories import customer, product, product_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill("demo")
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_preview_and_send_a_recall(page: Page, live_server):
    legal_rule_sets_seed()  # the transactional database lost the migration's rows
    call_command("demo_data", verbosity=0)
    agent = User.objects.get(username="agent")
    quality = User.objects.get(username="quality")
    model = product_model(actor=agent, code="RC-900", category="refrigerator")
    reachable = customer(actor=agent, name="Recall Owner", phones=["13700137000"])
    silent = customer(actor=agent, name="Silent Owner")
    for owner, serial in ((reachable, "RC0001"), (silent, "RC0002")):
        product(
            actor=agent, owner=owner, model=model, serial=serial,
            sale_date=date(2025, 6, 1),
        )  # fmt: skip
    recall = services.care_programme_create(
        actor=quality,
        name="Door hinge recall",
        kind="recall",
        product_models=[model],
        channels=["sms"],
        body_zh="{customer}您好：{model} {serial} 门铰链免费更换。",
    )
    assert OwnedProduct.objects.filter(model=model).count() == 2
    base = live_server.url
    # The demo's own programmes have sent their messages already.
    demo_messages = OutboxMessage.objects.filter(key__startswith="care-touch:").count()

    sign_in(page, base, "quality")
    page.goto(f"{base}/care/")
    page.get_by_role("link", name="Door hinge recall").click()
    page.evaluate("window.samePage = true")
    page.get_by_test_id("preview-button").click()
    expect(page.get_by_test_id("preview-audience")).to_have_text("2")
    expect(page.get_by_test_id("preview-send")).to_have_text("1")
    expect(page.get_by_test_id("preview-skips")).to_contain_text("No usable phone")
    assert page.evaluate("window.samePage") is True

    page.get_by_test_id("send-now").click()
    page.get_by_test_id("run-confirm").click()  # not confirmed yet: refused
    expect(page.get_by_test_id("run-form")).to_be_visible()
    assert (
        OutboxMessage.objects.filter(key__startswith="care-touch:").count()
        == demo_messages
    )
    page.get_by_label("I checked the preview").check()
    page.get_by_test_id("run-confirm").click()
    expect(page.get_by_role("alert").first).to_contain_text("Sent: 1 message(s)")
    expect(page.get_by_test_id("runs").locator("tbody tr")).to_have_count(1)

    page.get_by_role("link", name="Contacts and skips").click()
    page.get_by_label("Skip reason").select_option("no_contact")
    page.get_by_role("button", name="Filter").click()
    rows = page.get_by_test_id("touches").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Silent Owner")
    assert Customer.objects.get(pk=silent.pk).care_touches.get().skip_reason == (
        "no_contact"
    )
    assert recall.touches.filter(status="sent").count() == 1
