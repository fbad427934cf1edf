"""People API: token, me, staff directory, unit tree; conventions (pagination, errors)."""

import pytest
from rest_framework.authtoken.models import Token

from tests.aftersales.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_token_for_valid_credentials_authenticates_later_requests(
    api_client, agent_user
):
    response = api_client.post(
        "/api/v1/auth/token/",
        {"username": "li", "password": "secret-pass-123"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=agent_user).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/me/").json()["username"] == "li"


def test_token_with_wrong_password_is_400_with_message_and_no_token(
    api_client, agent_user
):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "li", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    assert not Token.objects.filter(user=agent_user).exists()


def test_token_without_fields_is_400_with_field_errors(api_client):
    response = api_client.post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_token_endpoint_is_throttled_after_ten_attempts_a_minute(
    api_client, agent_user, settings
):
    settings.AXES_FAILURE_LIMIT = 100  # (the lockout has its own tests)
    codes = [
        api_client.post(
            "/api/v1/auth/token/", {"username": "li", "password": "x"}, format="json"
        ).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429


def test_malformed_json_body_is_400_not_500(api_client):
    response = api_client.post(
        "/api/v1/auth/token/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_me_lists_roles_and_units(agent_api, agent_user):
    body = agent_api.get("/api/v1/me/").json()
    assert body["id"] == agent_user.pk
    assert body["username"] == "li"
    assert body["name"] == agent_user.get_full_name()
    assert body["roles"] == ["agent"]
    assert [(u["code"], u["is_supervisor"]) for u in body["units"]] == [("hot", False)]


def test_unauthenticated_requests_get_401_with_detail(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_users_filter_by_role_and_unit(
    agent_api, agent_user, technician_user, unit_tree
):
    by_role = agent_api.get("/api/v1/users/", {"role": "technician"}).json()
    assert [u["username"] for u in by_role["results"]] == ["liu"]
    by_unit = agent_api.get("/api/v1/users/", {"unit": unit_tree["hot"].pk}).json()
    assert [u["username"] for u in by_unit["results"]] == ["li"]
    by_name = agent_api.get("/api/v1/users/", {"username": "liu"}).json()
    assert by_name["count"] == 1


def test_users_directory_hides_customers(agent_api, customer_user):
    names = [u["username"] for u in agent_api.get("/api/v1/users/").json()["results"]]
    assert "zhang@example.com" not in names
    assert agent_api.get(f"/api/v1/users/{customer_user.pk}/").status_code == 404


def test_customer_cannot_read_staff_directory_or_units(api_client, customer_user):
    api_client.force_authenticate(customer_user)
    assert api_client.get("/api/v1/users/").status_code == 403
    assert api_client.get("/api/v1/units/").status_code == 403
    assert api_client.get("/api/v1/me/").json()["roles"] == ["customer"]


def test_units_come_in_tree_order_with_depth(agent_api, unit_tree):
    results = agent_api.get("/api/v1/units/").json()["results"]
    assert [(u["code"], u["depth"]) for u in results] == [
        ("co", 0),
        ("br", 1),
        ("hot", 2),
        ("ws", 2),
    ]
    assert results[2]["parent"] == unit_tree["br"].pk


def test_page_size_is_capped_at_200(agent_api, unit_tree):
    UserFactory.create_batch(205, roles=["agent"])
    body = agent_api.get("/api/v1/users/", {"page_size": 1000}).json()
    assert body["count"] == 206
    assert len(body["results"]) == 200
    assert body["next"] is not None


def test_user_list_query_count_is_flat(
    agent_api, unit_tree, django_assert_max_num_queries
):
    UserFactory.create_batch(3, roles=["agent"], units=[unit_tree["hot"]])
    with django_assert_max_num_queries(6):
        small = agent_api.get("/api/v1/users/")
    UserFactory.create_batch(40, roles=["agent"], units=[unit_tree["ws"]])
    with django_assert_max_num_queries(6):
        large = agent_api.get("/api/v1/users/")
    assert small.json()["count"] == 4
    assert large.json()["count"] == 44


def test_schema_and_docs_are_served_without_cdn(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert "/api/v1/me/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html
    assert "unpkg" not in html
