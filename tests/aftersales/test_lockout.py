"""Lockout after failed sign-ins on every path that checks a password (issue #14): per
account and per client address (django-axes), one shared rate budget per address for
the staff sign-in, the admin and the API token, and the client address taken from
X-Forwarded-For only behind the trusted proxies."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.aftersales.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"  # UserFactory's


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_RATE_LIMIT = "1000/m"  # the rate budget has its own test


@pytest.fixture
def still():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def staff_sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password},
        REMOTE_ADDR=address,
    )  # fmt: skip


def token(client, username, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token/", {"username": username, "password": password},
        content_type="application/json", REMOTE_ADDR=address,
    )  # fmt: skip


def admin_sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def test_an_account_is_locked_after_repeated_failures_and_opens_after_the_cool_off(
    agent_user, still
):
    client = Client()
    codes = [staff_sign_in(client, "li", "wrong").status_code for _ in range(6)]
    assert codes == [200, 200, 200, 200, 429, 429]
    # even the right password is refused while locked, with the reason
    locked = staff_sign_in(client, "li", PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # from another address too: it is the account that is locked
    assert (
        staff_sign_in(Client(), "li", PASSWORD, address="10.9.9.9").status_code == 429
    )
    still.shift(timedelta(minutes=16))
    assert staff_sign_in(client, "li", PASSWORD).status_code == 302


def test_the_admin_login_is_locked_like_the_staff_sign_in(settings, still):
    UserFactory(username="admin", is_staff=True, is_superuser=True, roles=["admin"])
    client = Client()
    codes = [admin_sign_in(client, "admin", f"guess{n}").status_code for n in range(40)]
    assert codes[:4] == [200] * 4
    assert set(codes[4:]) == {429}
    right = admin_sign_in(client, "admin", PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_token_endpoint_is_locked_and_answers_json(agent_user, still):
    client = Client()
    codes = [token(client, "li", "wrong").status_code for _ in range(5)]
    assert codes == [400, 400, 400, 400, 429]
    response = token(client, "li", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.json()["detail"]


def test_an_address_is_locked_after_failures_on_many_accounts(agent_user, still):
    client = Client()
    for n in range(5):
        staff_sign_in(client, f"nobody{n}", "wrong", address="10.0.0.7")
    # a real account from that address is refused; from another address it signs in
    assert staff_sign_in(client, "li", PASSWORD, address="10.0.0.7").status_code == 429
    assert (
        staff_sign_in(Client(), "li", PASSWORD, address="10.0.0.8").status_code == 302
    )


def test_a_success_clears_the_accounts_failures(agent_user, still):
    client = Client()
    for _ in range(4):
        staff_sign_in(client, "li", "wrong")
    assert staff_sign_in(client, "li", PASSWORD).status_code == 302
    client.logout()
    codes = [staff_sign_in(client, "li", "wrong").status_code for _ in range(4)]
    assert codes == [200] * 4  # counted afresh


def test_sign_in_paths_share_one_budget_per_address(settings, agent_user, still):
    settings.LOGIN_RATE_LIMIT = "3/m"
    settings.AXES_FAILURE_LIMIT = 100
    client = Client()
    assert staff_sign_in(client, "li", "wrong").status_code == 200
    assert token(client, "li", "wrong").status_code == 400
    assert admin_sign_in(client, "li", "wrong").status_code == 200
    # the budget of the address is spent, whichever door is tried next
    assert token(client, "li", PASSWORD).status_code == 429
    assert staff_sign_in(client, "li", PASSWORD).status_code == 429
    assert admin_sign_in(client, "li", PASSWORD).status_code == 429
    # another address has its own
    assert staff_sign_in(client, "li", PASSWORD, address="10.0.0.2").status_code == 302


@pytest.mark.parametrize(("proxies", "separate"), [(0, False), (1, True)])
def test_forwarded_addresses_are_believed_only_behind_trusted_proxies(
    settings, agent_user, still, proxies, separate
):
    settings.AFTERSALES_TRUSTED_PROXIES = proxies
    settings.LOGIN_RATE_LIMIT = "2/m"
    settings.AXES_FAILURE_LIMIT = 100
    client = Client()

    def attempt(forwarded):
        return client.post(
            "/accounts/login/", {"username": "li", "password": "wrong"},
            REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code  # fmt: skip

    assert [attempt("203.0.113.1"), attempt("203.0.113.1")] == [200, 200]
    # a third attempt from another client behind the same proxy
    assert attempt("203.0.113.2") == (200 if separate else 429)
    # a client cannot choose its address by writing X-Forwarded-For itself
    assert attempt("203.0.113.2, 203.0.113.1") == 429
