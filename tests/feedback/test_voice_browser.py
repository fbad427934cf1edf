"""Browser: an agent answers a feedback item from its page, and a design engineer
acknowledges the month's quality notice for the design unit and adds an improvement
action."""

from __future__ import annotations

import os
from datetime import date

import pytest
import time_machine
from playwright.sync_api import Page, expect

from feedback.models import FeedbackItem, QualityNotice
from feedback.voice import services
from standards.services import legal_rule_sets_seed
from tests.aftersales.factories import UserFactory
from tests.customers.factories import customer, product, product_model
from tests.feedback.test_voice_support import *  # noqa: F403  # the fixtures
from tests.feedback.test_voice_support import at
from tests.tickets.factories import open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _legal_rule_sets(transactional_db):
    """The transactional database lost the migration's rows: seed the rule sets again."""
    legal_rule_sets_seed()


SCREENSHOTS = os.environ.get("VOICE_SCREENSHOTS", "")


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill("secret-pass-123")
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def test_an_agent_answers_a_feedback_item(page: Page, live_server, standard_for, zhang):  # noqa: F405
    standard_for()
    agent = UserFactory(username="li2", roles=["agent"])
    item = services.feedback_item_create(
        actor=agent, source="contact", text="Please call before coming.", customer=zhang
    )

    sign_in(page, live_server.url, "li2")
    page.goto(f"{live_server.url}/feedback/items/")
    shot(page, "items")
    page.get_by_role("link", name=str(item.pk), exact=True).click()
    shot(page, "item")
    page.get_by_label("Reply").first.fill("We will call an hour ahead.")
    page.get_by_role("button", name="Send answer").click()

    expect(page.get_by_test_id("item-status")).to_have_text("Answered")
    expect(page.get_by_test_id("item-reply")).to_contain_text("an hour ahead")
    item.refresh_from_db()
    assert item.status == FeedbackItem.Status.ANSWERED


def test_design_acknowledges_a_notice_and_adds_an_action(
    page: Page, live_server, standard_for, org, agent_user
):
    with time_machine.travel(at(2026, 1, 5), tick=False):
        standard_for()
        washer = product_model(
            actor=agent_user, code="WM-9", category="washing_machine"
        )
        wang = customer(actor=agent_user, name="Wang Fang")
        unit = product(actor=agent_user, owner=wang, model=washer, serial="W9",
                       sale_date=date(2025, 6, 1))  # fmt: skip
    with time_machine.travel(at(2026, 2, 10), tick=False):
        open_ticket(actor=agent_user, customer=wang, product=unit, fault_code="E1")
    services.quality_notice_generate(now=at(2026, 3, 1, 4))
    notice = QualityNotice.objects.get()
    designer = UserFactory(
        username="designer", roles=["technician"], units=[org["design"]]
    )

    sign_in(page, live_server.url, "designer")
    page.goto(f"{live_server.url}/feedback/quality-notices/")
    shot(page, "notices")
    page.get_by_role("link", name="2026-02").click()
    expect(page.get_by_test_id("notice-cases")).to_have_text("1")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("notice-recipients")).to_contain_text(designer.name)
    page.get_by_label("Action").fill("Stronger drum bearing.")
    page.get_by_label("Due").fill("2099-04-30")
    page.get_by_role("button", name="Add action").click()
    shot(page, "notice")

    expect(page.get_by_test_id("improvement-actions")).to_contain_text("Stronger drum")
    recipient = notice.recipients.get(unit=org["design"])
    assert recipient.acknowledged_at is not None
    assert notice.actions.get().baseline_rate is not None
