"""Credentials (issue #14): API tokens expire, can be listed and revoked, and end with a
password change; a session ends after an idle hour; the password can be changed, and
reset by e-mail (a link that works once)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"


def token_for(username: str, password: str = PASSWORD) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()["token"]


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_expires_and_a_new_one_replaces_it(agent_user, settings):
    settings.AFTERSALES_TOKEN_DAYS = 30
    key = token_for("li")
    assert api(key).get("/api/v1/me/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        expired = api(key).get("/api/v1/me/")
        assert expired.status_code == 401
        assert "expired" in expired.json()["detail"]
        fresh = token_for("li")
        assert fresh != key
        assert api(fresh).get("/api/v1/me/").status_code == 200


def test_i_list_and_revoke_my_tokens(agent_user):
    key = token_for("li")
    listed = api(key).get("/api/v1/auth/tokens/").json()
    assert [entry["ending"] for entry in listed] == [key[-4:]]
    assert key not in str(listed)
    assert api(key).delete("/api/v1/auth/tokens/").status_code == 204
    assert api(key).get("/api/v1/me/").status_code == 401
    assert not Token.objects.filter(user=agent_user).exists()


def test_a_password_change_revokes_the_tokens(agent_user):
    key = token_for("li")
    agent_user.set_password("a-new-long-password-9")
    agent_user.save()
    assert api(key).get("/api/v1/me/").status_code == 401
    # an ordinary save does not
    other = token_for("li", "a-new-long-password-9")
    agent_user.first_name = "Lee"
    agent_user.save()
    assert api(other).get("/api/v1/me/").status_code == 200


def test_a_session_ends_after_an_idle_hour_and_lives_while_used(agent_user, settings):
    settings.SESSION_COOKIE_AGE = 3600
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.login(username="li", password=PASSWORD)
        assert client.get("/notifications/").status_code == 200
    # used every 40 minutes: still signed in after two hours
    for minutes in (40, 80, 120):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/notifications/").status_code == 200
    # an idle hour later: signed out
    with time_machine.travel(start + timedelta(minutes=181), tick=False):
        response = client.get("/notifications/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_i_change_my_password_and_my_other_sessions_end(agent_user):
    mine, other = Client(), Client()
    mine.login(username="li", password=PASSWORD)
    other.login(username="li", password=PASSWORD)
    wrong = mine.post("/accounts/password/", {
        "old_password": "nope", "new_password1": "x", "new_password2": "x"})  # fmt: skip
    assert wrong.status_code == 200
    assert "incorrectly" in wrong.content.decode()
    done = mine.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": "blue-river-stone-42",
        "new_password2": "blue-river-stone-42"})  # fmt: skip
    assert done.status_code == 302
    assert mine.get("/notifications/").status_code == 200
    assert other.get("/notifications/").status_code == 302  # signed out


def test_a_password_is_reset_by_a_link_sent_by_email_once(agent_user):
    client = Client()
    page = client.get("/accounts/password/reset/")
    assert page.status_code == 200
    response = client.post("/accounts/password/reset/", {"email": agent_user.email})
    assert response.status_code == 302
    # an unknown address gets the same answer, and no e-mail
    assert (
        client.post(
            "/accounts/password/reset/", {"email": "nobody@example.com"}
        ).status_code
        == 302
    )
    [message] = mail.outbox
    assert message.to == [agent_user.email]
    link = re.search(r"https?://[^/]+(/accounts/reset/[^\s]+)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0] if form.redirect_chain else link
    assert client.post(set_url, {
        "new_password1": "green-hill-lamp-77", "new_password2": "green-hill-lamp-77",
    }).status_code == 302  # fmt: skip
    assert Client().login(username="li", password="green-hill-lamp-77")
    # the link worked once
    again = client.get(link, follow=True)
    assert "no longer valid" in again.content.decode()


def test_the_reset_form_is_rate_limited(settings, agent_user):
    settings.PUBLIC_FORM_RATE_LIMIT = "2/m"
    client = Client()
    codes = [
        client.post(
            "/accounts/password/reset/", {"email": f"x{n}@example.com"}
        ).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]


def test_the_password_pages_need_a_sign_in_where_they_should(client):
    assert client.get("/accounts/password/").status_code == 302
    assert client.get("/accounts/password/reset/").status_code == 200
