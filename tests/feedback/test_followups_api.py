"""Follow-ups API (shared/api.md "Follow-ups and feedback"): the list with its filters,
404 outside the caller's scope, 403 for customers, attempts (quiet hours 400), completion
(400 field errors, 409 when already completed), the supervisor's close, and a flat query
count."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from feedback.models import FollowUp
from tests.aftersales.factories import UserFactory
from tests.feedback.test_followups_helpers import *  # noqa: F403  # fixtures
from tests.feedback.test_followups_helpers import NOW, H, followup_rows, task_of
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
API = "/api/v1/followups"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_list_filters_by_assignee_status_case_customer_and_due_date(
    resolved_case, visitor, visitor2, org
):
    mine = task_of(resolved_case)
    others = followup_rows(2, team=org["fu"], agent=visitor2)
    api = client_for(visitor)
    everything = api.get(f"{API}/").json()
    assert everything["count"] == 3
    assert [
        row["id"] for row in api.get(f"{API}/?assigned_to=me").json()["results"]
    ] == [mine.pk]
    assert api.get(f"{API}/?assigned_to={visitor2.pk}").json()["count"] == 2
    assert api.get(f"{API}/?status=scheduled").json()["count"] == 1
    assert api.get(f"{API}/?status=due").json()["count"] == 2
    assert api.get(f"{API}/?ticket={resolved_case.pk}").json()["count"] == 1
    assert api.get(f"{API}/?customer={others[0].customer_id}").json()["count"] == 1
    due_before = (mine.due_at - H).isoformat()
    assert api.get(f"{API}/", {"due_before": due_before}).json()["count"] == 2
    assert api.get(f"{API}/?due_before=2026-03-10").json()["count"] == 3
    row = api.get(f"{API}/{mine.pk}/").json()
    assert row["ticket_number"] == resolved_case.number
    assert row["status"] == "scheduled"
    assert row["attempts"] == []


def test_followups_outside_the_callers_scope_are_404_and_customers_403(
    resolved_case, agent_user, technician_user, customer_user, followup_supervisor
):
    followup = task_of(resolved_case)
    for outsider in (agent_user, technician_user):
        response = client_for(outsider).get(f"{API}/{followup.pk}/")
        assert response.status_code == 404
        assert client_for(outsider).get(f"{API}/").json()["count"] == 0
        attempt = client_for(outsider).post(
            f"{API}/{followup.pk}/attempts/",
            {"channel": "phone", "outcome": "no_answer"},
            format="json",
        )
        assert attempt.status_code == 404
    assert client_for(customer_user).get(f"{API}/").status_code == 403
    assert (
        client_for(followup_supervisor).get(f"{API}/{followup.pk}/").status_code == 200
    )
    assert APIClient().get(f"{API}/").status_code in {401, 403}
    followup.refresh_from_db()
    assert followup.attempts_count == 0


def test_an_attempt_is_recorded_and_refused_in_quiet_hours(
    resolved_case, visitor, clock
):
    followup = task_of(resolved_case)
    api = client_for(visitor)
    clock.move_to(NOW + 4 * H)
    response = api.post(
        f"{API}/{followup.pk}/attempts/",
        {"channel": "phone", "outcome": "no_answer"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["attempts_count"], body["next_channel"]) == (
        "in_progress",
        1,
        "sms",
    )
    assert body["attempts"][0]["outcome"] == "no_answer"
    clock.move_to(NOW + 13 * H)  # 23:00
    quiet = api.post(
        f"{API}/{followup.pk}/attempts/",
        {"channel": "phone", "outcome": "no_answer"},
        format="json",
    )
    assert quiet.status_code == 400
    assert "Quiet hours" in quiet.json()["non_field_errors"][0]
    bad = api.post(
        f"{API}/{followup.pk}/attempts/",
        {"channel": "pigeon", "outcome": "maybe"},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"channel", "outcome"}
    followup.refresh_from_db()
    assert followup.attempts_count == 1


def test_completing_closes_or_reopens_and_twice_is_409(
    resolved_case, visitor, agent_user
):
    followup = task_of(resolved_case)
    api = client_for(visitor)
    bad = api.post(
        f"{API}/{followup.pk}/complete/",
        {"score": 9, "resolved": "perhaps"},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"resolved"}
    off_scale = api.post(
        f"{API}/{followup.pk}/complete/", {"score": 9, "resolved": True}, format="json"
    )
    assert off_scale.status_code == 400
    assert set(off_scale.json()) == {"score"}
    response = api.post(
        f"{API}/{followup.pk}/complete/",
        {"score": 1, "resolved": False, "comment": "Still leaking",
         "conduct": {"clean_up_the_site": False}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["result"], body["timeliness"]) == (
        "completed",
        "dissatisfied",
        "early",
    )
    assert body["conduct"] == {"clean_up_the_site": False}
    ticket = Ticket.objects.get(pk=resolved_case.pk)
    assert (ticket.status, ticket.handler) == ("reopened", agent_user)
    again = api.post(
        f"{API}/{followup.pk}/complete/", {"score": 5, "resolved": True}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert FollowUp.objects.get(pk=followup.pk).result == "dissatisfied"


def test_the_supervisor_closes_an_unreachable_case_through_the_api(
    resolved_case, visitor, supervisor_user, clock
):
    followup = task_of(resolved_case)
    refused = client_for(visitor).post(
        f"{API}/{followup.pk}/attempts/",
        {"channel": "phone", "outcome": "refused"},
        format="json",
    )
    assert refused.json()["status"] == "declined"
    denied = client_for(visitor).post(
        f"{API}/{followup.pk}/close-case/", {"note": "x"}, format="json"
    )
    assert denied.status_code == 403
    response = client_for(supervisor_user).post(
        f"{API}/{followup.pk}/close-case/",
        {"note": "The customer declined the survey"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["supervisor_note"] == "The customer declined the survey"
    assert Ticket.objects.get(pk=resolved_case.pk).status == "closed"


def test_the_answer_link_can_be_sent_through_the_api(resolved_case, visitor):
    followup = task_of(resolved_case)
    response = client_for(visitor).post(
        f"{API}/{followup.pk}/send-link/", {"channel": "email"}, format="json"
    )
    assert response.status_code == 200
    followup.refresh_from_db()
    assert followup.answer_link_sent_at is not None


def test_the_list_query_count_is_flat(
    org, visitor, django_assert_max_num_queries, standard
):
    followup_rows(1, team=org["fu"], agent=visitor)
    api = client_for(visitor)
    with django_assert_max_num_queries(12) as one:
        assert api.get(f"{API}/").json()["count"] == 1
    followup_rows(30, team=org["fu"], agent=visitor)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert api.get(f"{API}/?page_size=50").json()["count"] == 31


def test_questionnaires_are_listed(quality_user, visitor):
    from feedback.followups import services

    services.questionnaire_create(
        actor=quality_user, code="visit", title="Visit", scale="csat5"
    )
    body = client_for(visitor).get("/api/v1/questionnaires/").json()
    assert [row["code"] for row in body["results"]] == ["visit"]


def test_the_schema_builds_with_the_followup_endpoints(client):
    user = UserFactory(roles=["agent"])
    client.force_login(user)
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/followups/{id}/complete/" in paths
    assert "/api/v1/followups/{id}/attempts/" in paths
