"""The permission matrix of the API, generated from the URLconf's OpenAPI schema (issue
#14): every operation refuses a visitor without credentials and a portal customer, but
the few named here as theirs. An endpoint added without thinking about who may call it
is in this matrix the moment it exists, and fails it if it answers them."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
# Operations a visitor without credentials may call.
PUBLIC = {("POST", "/api/v1/auth/token/")}
# Operations a signed-in portal customer may call (their own login and tokens).
CUSTOMER = PUBLIC | {
    ("GET", "/api/v1/me/"),
    ("GET", "/api/v1/auth/tokens/"),
    ("DELETE", "/api/v1/auth/tokens/"),
}


def operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in METHODS
    )


OPERATIONS = operations()


def concrete(path: str) -> str:
    """A path with its parameters filled (ids that may or may not exist: refused either
    way)."""
    return re.sub(r"\{[^}]+\}", "1", path)


def test_the_matrix_covers_the_api():
    assert len(OPERATIONS) > 100
    assert ("GET", "/api/v1/tickets/") in OPERATIONS
    assert set(OPERATIONS) >= PUBLIC | CUSTOMER


@pytest.mark.parametrize(
    ("method", "path"), [op for op in OPERATIONS if op not in PUBLIC]
)
def test_a_visitor_without_credentials_is_refused(method, path):
    response = getattr(APIClient(), method.lower())(concrete(path), {}, format="json")
    assert response.status_code in {401, 403}, (method, path, response.status_code)


@pytest.mark.parametrize(
    ("method", "path"), [op for op in OPERATIONS if op not in CUSTOMER]
)
def test_a_portal_customer_is_refused_the_staff_api(method, path, customer_user):
    client = APIClient()
    client.force_authenticate(customer_user)
    response = getattr(client, method.lower())(concrete(path), {}, format="json")
    assert response.status_code in {403, 404}, (method, path, response.status_code)
    if response.status_code == 404:  # only for an object the customer cannot see
        assert "{" in path, (method, path)
