"""Care pages (/care/): list, create and edit, the programme page with the htmx preview,
"send now" with its confirmation, run history and the touches filtered by skip reason;
quality managers, managers and supervisors only."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from aftersales.models import OutboxMessage
from feedback.models import CareProgramme, CareRun, CareTouch
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


@pytest.fixture
def qm_client(client, quality_manager):
    client.force_login(quality_manager)
    return client


@pytest.fixture
def recall(quality_manager, agent_user, fridge, travel):
    """A recall of the fridge: one owner reachable, one without a phone."""
    reachable = person(agent_user, "Reachable")
    silent = person(agent_user, "Silent", phones=[])
    installed(agent_user, reachable, fridge, "SN0100", date(2025, 6, 1))
    installed(agent_user, silent, fridge, "SN0101", date(2025, 6, 1))
    return programme(
        quality_manager, kind="recall", product_models=[fridge], name="Door hinge"
    )


def test_list_for_care_managers_only(
    qm_client, client, agent_user, supervisor_user, recall
):
    response = qm_client.get(reverse("care:programme-list"))
    assert response.status_code == 200
    assert "Door hinge" in response.content.decode()
    client.force_login(supervisor_user)
    assert client.get(reverse("care:programme-list")).status_code == 200
    client.force_login(agent_user)
    assert client.get(reverse("care:programme-list")).status_code == 403
    assert (
        client.get(reverse("care:programme-detail", args=[recall.pk])).status_code
        == 403
    )


def test_create_and_edit_through_the_form(qm_client, fridge, travel):
    response = qm_client.post(
        reverse("care:programme-create"),
        {
            "name": "Spring check",
            "kind": "warranty_expiry",
            "active": "on",
            "segments": ["key", "regular"],
            "validity_basis": "validity_end",
            "days_before": "30",
            "period_months": "12",
            "channels": ["email", "sms"],
            "language": "zh-hans",
            "body_zh": "{customer}您好，您的{model}保修将于{validity_end}到期。",
        },
    )
    created = CareProgramme.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("care:programme-detail", args=[created.pk])
    assert created.channels == ["sms", "email"]
    assert created.segments == ["key", "regular"]

    bad = qm_client.post(
        reverse("care:programme-edit", args=[created.pk]),
        {
            "name": "Spring check",
            "kind": "recall",
            "validity_basis": "validity_end",
            "days_before": "30",
            "period_months": "12",
            "channels": ["sms"],
            "language": "zh-hans",
            "body_zh": "{unknown}",
        },
    )
    assert bad.status_code == 200
    page = bad.content.decode()
    assert "A recall names the product model(s) it recalls." in page
    assert "Unknown placeholder" in page
    assert CareProgramme.objects.get().kind == "warranty_expiry"


def test_detail_preview_fragment_shows_audience_and_skip_breakdown(qm_client, recall):
    detail = qm_client.get(reverse("care:programme-detail", args=[recall.pk]))
    assert detail.status_code == 200
    assert 'data-testid="preview-button"' in detail.content.decode()

    fragment = qm_client.get(
        reverse("care:programme-preview", args=[recall.pk]), HTTP_HX_REQUEST="true"
    )
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert "<html" not in html
    assert 'data-testid="preview-audience">2<' in html
    assert 'data-testid="preview-send">1<' in html
    assert 'data-testid="preview-skip">1<' in html
    assert 'data-reason="no_contact"' in html
    assert CareRun.objects.count() == 0


def test_send_now_asks_for_confirmation_then_sends_once(qm_client, recall):
    url = reverse("care:programme-run", args=[recall.pk])
    confirm = qm_client.get(url)
    assert confirm.status_code == 200
    assert "Send to 1 customer" in confirm.content.decode()

    unconfirmed = qm_client.post(url, {})
    assert unconfirmed.status_code == 200
    assert CareRun.objects.count() == 0

    sent = qm_client.post(url, {"confirm": "on"})
    assert sent.status_code == 302
    assert OutboxMessage.objects.count() == 1
    again = qm_client.post(url, {"confirm": "on"}, follow=True)
    assert OutboxMessage.objects.count() == 1
    page = again.content.decode()
    assert "Sent: 0 message(s), 0 call(s) scheduled, 2 skipped." in page
    assert page.count("<tr>") >= 2  # two runs in the history


def test_touch_list_filters_by_skip_reason(qm_client, recall, quality_manager):
    from feedback.care import services

    services.care_run(actor=quality_manager, programme=recall)
    url = reverse("care:touch-list", args=[recall.pk])
    everything = qm_client.get(url).content.decode()
    assert everything.count('data-status="') == 2
    skipped = qm_client.get(url, {"reason": "no_contact"}).content.decode()
    assert skipped.count('data-status="') == 1
    assert 'data-reason="no_contact"' in skipped
    assert "Silent" in skipped
    assert "Reachable" not in skipped
    assert CareTouch.objects.count() == 2


def test_touch_list_query_count_is_flat(
    qm_client,
    recall,
    quality_manager,
    agent_user,
    fridge,
    django_assert_max_num_queries,
):
    from feedback.care import services

    services.care_run(actor=quality_manager, programme=recall)
    url = reverse("care:touch-list", args=[recall.pk])
    qm_client.get(url)
    with django_assert_max_num_queries(12):
        qm_client.get(url)
    for index in range(10):
        owner = person(agent_user, f"More {index}")
        installed(agent_user, owner, fridge, f"SN02{index:02d}", date(2025, 6, 1))
    services.care_run(actor=quality_manager, programme=recall)
    with django_assert_max_num_queries(12):
        page = qm_client.get(url)
    assert page.content.decode().count('data-status="') == 12
