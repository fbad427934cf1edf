"""Care API: /api/v1/care-programmes/ (list, detail, create, change, preview, run) and
/api/v1/care-touches/ (read-only, filters, scoped to the archives the caller sees): staff
only, 403 for roles that do not manage programmes, 400 with field errors, 409 inactive."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from aftersales.models import OutboxMessage
from customers import services as archive_services
from feedback.models import CareProgramme, CareTouch
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.feedback.test_care_support import (
    fridge,
    installed,
    person,
    programme,
    quality_manager,
    standard,
    travel,
)

# The shared fixtures, used here so that pytest finds them in this module.
SHARED_FIXTURES = (fridge, quality_manager, standard, travel)

pytestmark = pytest.mark.django_db
API = "/api/v1"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def recall_audience(agent_user, fridge, travel):
    """Two owners of the fridge: one reachable, one without a phone."""
    reachable = person(agent_user, "Reachable")
    silent = person(agent_user, "Silent", phones=[])
    installed(agent_user, reachable, fridge, "SN0100", date(2025, 6, 1))
    installed(agent_user, silent, fridge, "SN0101", date(2025, 6, 1))
    return reachable, silent


def test_staff_list_and_read_programmes_customers_and_anonymous_cannot(
    quality_manager, agent_user, customer_user, travel
):
    info = programme(quality_manager, kind="information")
    listed = client_for(agent_user).get(f"{API}/care-programmes/")
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["results"]] == [info.pk]
    detail = client_for(agent_user).get(f"{API}/care-programmes/{info.pk}/")
    assert detail.json()["frequency_cap_days"] == 30
    assert client_for(customer_user).get(f"{API}/care-programmes/").status_code == 403
    assert APIClient().get(f"{API}/care-programmes/").status_code in (401, 403)
    assert client_for(agent_user).get(f"{API}/care-programmes/999/").status_code == 404


def test_create_by_a_quality_manager_and_field_errors(
    quality_manager, agent_user, fridge, travel
):
    payload = {
        "name": "Door hinge recall",
        "kind": "recall",
        "product_models": [fridge.pk],
        "serial_from": "SN0100",
        "serial_to": "SN0200",
        "channels": ["sms", "email"],
        "body_zh": "{customer}您好，{model} {serial} 需要免费更换门铰链。",
    }
    created = client_for(quality_manager).post(
        f"{API}/care-programmes/", payload, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["kind"], body["product_models"], body["owner"]) == (
        "recall",
        [fridge.pk],
        quality_manager.pk,
    )

    refused = client_for(agent_user).post(
        f"{API}/care-programmes/", payload, format="json"
    )
    assert refused.status_code == 403

    bad = client_for(quality_manager).post(
        f"{API}/care-programmes/",
        {**payload, "product_models": [], "body_zh": "{nope}", "channels": ["fax"]},
        format="json",
    )
    assert bad.status_code == 400
    assert "channels" in bad.json()
    bad = client_for(quality_manager).post(
        f"{API}/care-programmes/",
        {**payload, "product_models": [], "body_zh": "{nope}"},
        format="json",
    )
    assert bad.status_code == 400
    assert {"product_models", "body_zh"} <= set(bad.json())
    assert CareProgramme.objects.count() == 1


def test_patch_changes_a_programme(quality_manager, travel):
    info = programme(quality_manager, kind="information")
    response = client_for(quality_manager).patch(
        f"{API}/care-programmes/{info.pk}/",
        {"name": "Spring offers", "frequency_cap_days": 60},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["frequency_cap_days"]) == (
        "Spring offers",
        60,
    )


def test_preview_then_run_with_equal_numbers(
    quality_manager, fridge, recall_audience, travel
):
    recall = programme(quality_manager, kind="recall", product_models=[fridge])
    preview = client_for(quality_manager).get(
        f"{API}/care-programmes/{recall.pk}/preview/"
    )
    assert preview.status_code == 200
    assert preview.json() == {
        "audience": 2,
        "will_send": 1,
        "will_skip": {"no_contact": 1},
        "channels": {"sms": 1},
    }
    assert (
        client_for(quality_manager)
        .get(f"{API}/care-programmes/{recall.pk}/preview/?today=nonsense")
        .status_code
        == 400
    )

    run = client_for(quality_manager).post(f"{API}/care-programmes/{recall.pk}/run/")
    assert run.status_code == 201
    assert {
        k: run.json()[k] for k in ("audience", "sent", "skipped", "skip_counts")
    } == {
        "audience": 2,
        "sent": 1,
        "skipped": 1,
        "skip_counts": {"no_contact": 1},
    }
    assert OutboxMessage.objects.count() == 1


def test_run_refused_for_agents_and_for_inactive_programmes(
    quality_manager, agent_user, travel
):
    info = programme(quality_manager, kind="information")
    assert (
        client_for(agent_user).post(f"{API}/care-programmes/{info.pk}/run/").status_code
        == 403
    )
    CareProgramme.objects.filter(pk=info.pk).update(active=False)
    response = client_for(quality_manager).post(f"{API}/care-programmes/{info.pk}/run/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_touches_are_read_only_filtered_and_scoped(
    quality_manager, unit_tree, fridge, recall_audience, travel
):
    reachable, silent = recall_audience
    archive_services.customer_update(
        customer=reachable, actor=quality_manager, unit=unit_tree["br"]
    )
    recall = programme(quality_manager, kind="recall", product_models=[fridge])
    client_for(quality_manager).post(f"{API}/care-programmes/{recall.pk}/run/")
    api = client_for(quality_manager)

    skipped = api.get(f"{API}/care-touches/?programme={recall.pk}&status=skipped")
    assert [(t["customer"], t["skip_reason"]) for t in skipped.json()["results"]] == [
        (silent.pk, "no_contact")
    ]
    mine = api.get(f"{API}/care-touches/?customer={reachable.pk}").json()["results"]
    assert [(t["status"], t["channel"]) for t in mine] == [("sent", "sms")]
    assert mine[0]["outbox_message"] is not None
    assert api.get(f"{API}/care-touches/?status=bogus").status_code == 400
    assert api.post(f"{API}/care-touches/", {}).status_code == 405

    # Staff of another branch see the company-wide customer's touch, not this one's.
    other_branch = UnitFactory(code="br2", kind="branch", parent=unit_tree["co"])
    outsider = UserFactory(roles=["agent"], units=[other_branch])
    seen = client_for(outsider).get(f"{API}/care-touches/").json()["results"]
    assert {t["customer"] for t in seen} == {silent.pk}
    assert CareTouch.objects.filter(customer=reachable).exists()


def test_the_schema_of_the_care_api_builds():
    from django.urls import include, path
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator(
        patterns=[path("api/v1/", include("feedback.care.api.urls"))]
    )
    paths = generator.get_schema(request=None, public=True)["paths"]
    assert {
        "/api/v1/care-programmes/",
        "/api/v1/care-programmes/{id}/",
        "/api/v1/care-programmes/{id}/preview/",
        "/api/v1/care-programmes/{id}/run/",
        "/api/v1/care-touches/",
        "/api/v1/care-touches/{id}/",
    } <= set(paths)
