"""Browser: sign in, see the home page, switch to Chinese (headless Debian Chromium)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_see_home_and_switch_to_chinese(page: Page, live_server):
    call_command("demo_data", verbosity=0)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or e-mail").fill("agent")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome, Li Na")
    expect(page.get_by_test_id("role")).to_have_text("Service agent")
    expect(page.locator(".app-sidebar")).to_contain_text("Notifications")

    page.get_by_role("button", name="中文").click()
    expect(page).to_have_url(f"{live_server.url}/zh-hans/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("欢迎")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(f"{live_server.url}/zh-hans/accounts/login/")
