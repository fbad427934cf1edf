"""Malformed input never makes a 500 (issue #14): ids that are not numbers are 404s from
the URL resolver (the API router's numeric ids), and a NUL character anywhere in a
request (path, query, form field, JSON body) is a 400 before any query sees it (on
PostgreSQL it broke the query)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from aftersales.middleware import max_request_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(agent_user):
    client = APIClient()
    client.force_authenticate(agent_user)
    return client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/attachments/abc/"),
        ("get", "/api/v1/attachments/abc/download/"),
        ("get", "/api/v1/followups/abc/"),
        ("post", "/api/v1/followups/abc/attempts/"),
        ("get", "/api/v1/handovers/abc/"),
        ("post", "/api/v1/handovers/abc/accept/"),
        ("post", "/api/v1/handovers/abc/reject/"),
        ("get", "/api/v1/ownership-transfers/abc/"),
        ("post", "/api/v1/ownership-transfers/abc/accept/"),
        ("get", "/api/v1/customers/1x/"),
        ("get", "/api/v1/units/ /"),
    ],
)
def test_an_id_that_is_not_a_number_is_a_404(api, method, path):
    response = getattr(api, method)(path)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tickets/?q=a%00b",
        "/api/v1/customers/?q=%00",
        "/api/v1/feedback-items/?q=x%00",
        "/api/v1/tickets/T2026%00/",
        "/tickets/?q=%00",
        "/customers/?q=wang%00",
        "/standards/?q=%00",
        "/tickets/T2026%0001/",
        "/api/v1/tickets/?status=new%00",
    ],
)
def test_a_nul_character_in_a_path_or_query_is_a_400(client, agent_user, path):
    client.force_login(agent_user)
    response = client.get(path)
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert "NUL" in response.json()["detail"]


def test_a_nul_character_in_a_json_body_or_a_form_is_a_400(client, agent_user):
    client.force_login(agent_user)
    response = client.post(
        "/api/v1/customers/",
        data=json.dumps({"name": "Wang\u0000Fang"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    form = client.post(reverse("customers:customer-create"), {"name": "Wang\x00"})
    assert form.status_code == 400


def test_ordinary_requests_pass(client, agent_user):
    client.force_login(agent_user)
    assert client.get("/tickets/?q=50%25").status_code == 200
    assert client.get("/api/v1/tickets/?q=wang").status_code in {200, 403}


def test_a_request_larger_than_the_limit_is_a_413_before_it_is_read(client, settings):
    settings.AFTERSALES_MAX_REQUEST_BYTES = 1024
    body = b"x" * 2048
    page = client.generic(
        "POST", "/portal/new/", body, content_type="application/x-www-form-urlencoded"
    )
    assert page.status_code == 413
    api = client.generic(
        "POST", "/api/v1/auth/token/", body, content_type="application/json"
    )
    assert api.status_code == 413
    assert "larger than" in api.json()["detail"]
    # at the limit it is an ordinary request (here: a form with an error)
    small = client.post("/api/v1/auth/token/", {}, content_type="application/json")
    assert small.status_code == 400


def test_the_default_limit_holds_three_photos_at_the_attachment_limit(settings):
    assert max_request_bytes() >= 3 * settings.AFTERSALES_ATTACHMENT_MAX_BYTES


def test_the_timelines_are_declared_as_the_lists_they_are(api, agent_user):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/tickets/{id}/events/", "/api/v1/customers/{id}/timeline/"):
        declared = schema["paths"][path]["get"]["responses"]["200"]["content"][
            "application/json"
        ]["schema"]
        assert declared["type"] == "array", path


def test_the_schema_admits_empty_emails_and_local_times(api, agent_user):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    customer = schema["components"]["schemas"]["Customer"]["properties"]
    assert {"type": "string", "maxLength": 0} in customer["email"]["anyOf"]
    quiet = customer["quiet_hours_start"]
    assert "format" not in str(quiet.get("anyOf", quiet))
    assert "pattern" in str(quiet)
