"""Voice API (shared/api.md "Follow-ups and feedback"): `/api/v1/feedback-items/` list with
filters, create, detail, `POST /feedback-items/{id}/answer/ {"reply"}`, `/triage/`,
`/no-action/ {"reason"}`, `/actioned/`, `/cite/`; 400 field errors, 409
`invalid_transition`, 404 out of scope, 401/403 for anonymous callers and customers; a flat
query count for the list; `/api/v1/quality-notices/` read-only."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from feedback.models import FeedbackItem
from feedback.voice import services
from standards import services as standard_services
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer
from tests.feedback.test_voice_support import *  # noqa: F403  # the fixtures
from tests.feedback.test_voice_support import at
from tests.standards.factories import document

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def standard(standard_for):
    return standard_for()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def make_item(actor, text="Please call before coming.", **fields) -> FeedbackItem:
    return services.feedback_item_create(
        actor=actor, source=fields.pop("source", "contact"), text=text, **fields
    )


def test_create_returns_201_with_the_due_date(standard, agent_user, zhang):
    response = client_for(agent_user).post(
        f"{API}/feedback-items/",
        {"source": "dealer", "text": "Boxes arrive dented.", "customer": zhang.pk,
         "topic_codes": ["packaging"]},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["source"], body["customer"]) == (
        "new",
        "dealer",
        zhang.pk,
    )
    assert body["reply_due_on"] == "2026-03-12"
    assert body["topic_codes"] == ["packaging"]
    assert body["overdue"] is False


def test_create_with_bad_input_is_400_and_stores_nothing(standard, agent_user):
    response = client_for(agent_user).post(
        f"{API}/feedback-items/", {"source": "rumour", "text": ""}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"source", "text"}
    assert not FeedbackItem.objects.exists()


def test_a_customer_out_of_scope_is_unknown(standard, agent_user, unit_tree):
    other_branch = UnitFactory(code="br2", kind="branch", parent=unit_tree["co"])
    far = customer(actor=None, name="Far Away", unit=other_branch)

    response = client_for(agent_user).post(
        f"{API}/feedback-items/",
        {"source": "contact", "text": "Hi", "customer": far.pk},
        format="json",
    )

    assert response.status_code == 400
    assert "customer" in response.json()


def test_answer_then_answer_again_is_409(standard, agent_user, zhang):
    item = make_item(agent_user, customer=zhang)
    api = client_for(agent_user)

    first = api.post(
        f"{API}/feedback-items/{item.pk}/answer/", {"reply": "We will."}, format="json"
    )
    second = api.post(
        f"{API}/feedback-items/{item.pk}/answer/", {"reply": "Again."}, format="json"
    )

    assert first.status_code == 200
    assert (first.json()["status"], first.json()["reply"]) == ("answered", "We will.")
    assert first.json()["answered_by"] == agent_user.pk
    assert second.status_code == 409
    assert second.json()["code"] == "invalid_transition"
    item.refresh_from_db()
    assert item.reply == "We will."


def test_answer_without_reply_is_400(standard, agent_user):
    item = make_item(agent_user)

    response = client_for(agent_user).post(
        f"{API}/feedback-items/{item.pk}/answer/", {}, format="json"
    )

    assert response.status_code == 400
    assert "reply" in response.json()
    item.refresh_from_db()
    assert item.status == "new"


def test_triage_and_no_action(standard, agent_user):
    item = make_item(agent_user)
    api = client_for(agent_user)

    triaged = api.post(
        f"{API}/feedback-items/{item.pk}/triage/",
        {"topic_codes": ["visits"]},
        format="json",
    )
    missing = api.post(f"{API}/feedback-items/{item.pk}/no-action/", {}, format="json")
    closed = api.post(
        f"{API}/feedback-items/{item.pk}/no-action/",
        {"reason": "We already call ahead."},
        format="json",
    )

    assert triaged.status_code == 200
    assert (triaged.json()["status"], triaged.json()["owner"]) == (
        "triaged",
        agent_user.pk,
    )
    assert missing.status_code == 400
    assert "reason" in missing.json()
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["reply"]) == (
        "no_action",
        "We already call ahead.",
    )


def test_actioned_and_cite(
    standard, agent_user, manager_user, quality_manager, unit_tree
):
    doc = document(actor=manager_user, owner=quality_manager, owner_unit=unit_tree["co"],
                   code="Q/ACME 901", kind="work")  # fmt: skip
    change_request = standard_services.change_request_raise(
        document=doc, actor=agent_user, title="Call ahead", proposed_change="x",
        rationale="y",
    )  # fmt: skip
    item = make_item(agent_user)
    api = client_for(agent_user)

    cited = api.post(
        f"{API}/feedback-items/{item.pk}/cite/",
        {"change_request": change_request.pk},
        format="json",
    )
    actioned = api.post(
        f"{API}/feedback-items/{item.pk}/actioned/", {"reply": "Done."}, format="json"
    )

    assert cited.status_code == 200
    assert cited.json()["change_requests"] == [change_request.pk]
    assert actioned.status_code == 200
    assert actioned.json()["status"] == "actioned"


def test_out_of_scope_items_are_404(standard, agent_user, unit_tree):
    other_branch = UnitFactory(code="br2", kind="branch", parent=unit_tree["co"])
    far = customer(actor=None, name="Far Away", unit=other_branch)
    hidden = make_item(None, customer=far)
    api = client_for(agent_user)

    assert api.get(f"{API}/feedback-items/{hidden.pk}/").status_code == 404
    assert (
        api.post(
            f"{API}/feedback-items/{hidden.pk}/answer/", {"reply": "x"}, format="json"
        ).status_code
        == 404
    )
    assert api.get(f"{API}/feedback-items/").json()["count"] == 0
    assert api.get(f"{API}/feedback-items/abc/").status_code == 404
    hidden.refresh_from_db()
    assert hidden.status == "new"


def test_anonymous_is_401_and_customers_403(standard, customer_user, agent_user):
    item = make_item(agent_user)

    assert APIClient().get(f"{API}/feedback-items/").status_code == 401
    assert client_for(customer_user).get(f"{API}/feedback-items/").status_code == 403
    assert (
        client_for(customer_user)
        .post(f"{API}/feedback-items/{item.pk}/answer/", {"reply": "x"}, format="json")
        .status_code
        == 403
    )


def test_filters_status_source_customer_overdue(standard, agent_user, zhang, clock):
    late = make_item(agent_user, customer=zhang)
    make_item(agent_user, source="dealer")
    answered = make_item(agent_user)
    services.feedback_item_answer(item=answered, actor=agent_user, reply="Ok")
    clock.move_to(at(2026, 3, 20, 9))
    api = client_for(agent_user)

    def ids(query):
        response = api.get(f"{API}/feedback-items/?{query}")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids("status=answered") == {answered.pk}
    assert ids("source=dealer") != set()
    assert ids(f"customer={zhang.pk}") == {late.pk}
    assert late.pk in ids("overdue=true")
    assert answered.pk not in ids("overdue=true")
    assert answered.pk in ids("overdue=false")


def test_list_query_count_is_flat(standard, agent_user, zhang):
    api = client_for(agent_user)
    make_item(agent_user, customer=zhang)
    with CaptureQueriesContext(connection) as one:
        assert api.get(f"{API}/feedback-items/").status_code == 200
    for n in range(29):
        make_item(agent_user, text=f"Idea {n}", customer=zhang)
    with CaptureQueriesContext(connection) as thirty:
        response = api.get(f"{API}/feedback-items/")
    assert response.json()["count"] == 30
    assert len(thirty) == len(one)


def test_quality_notices_are_read_only(standard, agent_user):
    api = client_for(agent_user)

    listing = api.get(f"{API}/quality-notices/")
    posted = api.post(f"{API}/quality-notices/", {}, format="json")

    assert listing.status_code == 200
    assert listing.json()["count"] == 0
    assert posted.status_code == 405


def test_the_schema_builds(agent_user):
    response = client_for(UserFactory(roles=["agent"])).get("/api/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v1/feedback-items/{id}/answer/" in response.json()["paths"]
