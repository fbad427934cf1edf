"""Browser security headers on every page (issue #14): an enforced Content-Security-Policy
that allows no inline script (the templates hold no inline script and no inline event
handler, checked here over every template), and a Permissions-Policy. File downloads
keep their own stricter policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.customers.factories import customer, service_standard_in_force
from tests.tickets.factories import open_ticket
from tests.tickets.test_attachments import PNG, upload
from tickets.attachments import services

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>"
)


def directives(header: str) -> dict[str, list[str]]:
    return {
        part.split()[0]: part.split()[1:]
        for part in (p.strip() for p in header.split(";"))
        if part
    }


@pytest.mark.parametrize(
    "path",
    ["/accounts/login/", "/portal/", "/zh-hans/portal/", "/api/docs/", "/healthz"],
)
def test_every_response_has_an_enforced_csp_without_inline_script(client, path):
    response = client.get(path)
    assert "Content-Security-Policy-Report-Only" not in response
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    permissions = response["Permissions-Policy"]
    assert "geolocation=()" in permissions
    assert "microphone=()" in permissions


def test_signed_in_pages_have_the_policy_too(agent_client):
    for path in ("/", "/tickets/", "/customers/", "/notifications/"):
        response = agent_client.get(path)
        assert response.status_code == 200
        assert directives(response["Content-Security-Policy"])["script-src"] == [
            "'self'"
        ]


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for pattern in (INLINE_HANDLER, INLINE_SCRIPT)
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_api_docs_load_their_start_up_script_from_a_file(client):
    page = client.get("/api/docs/").content.decode()
    assert not INLINE_SCRIPT.search(page)
    script = re.search(r'<script src="([^"]*script[^"]*)"', page)
    assert script is not None
    assert client.get(script.group(1).replace("&amp;", "&")).status_code == 200


def test_a_download_keeps_its_sandboxing_policy(agent_client, agent_user):
    service_standard_in_force(owner_unit=agent_user.units.first().parent.parent)
    case = open_ticket(actor=agent_user, customer=customer(actor=agent_user, name="W"))
    attachment = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("p.png", PNG)
    )
    response = agent_client.get(
        reverse("tickets:attachment-download", args=[case.number, attachment.pk])
    )
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"
