"""Standards API (shared/api.md "Standards", "API conventions"): documents, versions and their
lifecycle, the effective service standard, legal rule sets, change requests, the calendar
calculators, permissions and query counts. Data is reached through standards.services."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from standards import services
from standards.legal_data import LEGAL_RULE_SETS
from standards.models import (
    Acknowledgement,
    ChangeRequest,
    LegalRuleSet,
    StandardDocument,
    StandardVersion,
)
from standards.workflow import VersionStatus
from tests.aftersales.factories import UserFactory
from tests.standards.factories import document, draft, effective, submitted

pytestmark = pytest.mark.django_db

V1_FROM = date(2026, 1, 1)
V1_BODY = "1. Answer the phone within three rings.\n2. Wear shoe covers."
LAW_2024 = "cn-consumer-regulation-2024"
SEEDED_CODES = [
    "cn-consumer-law-2013",
    "cn-consumer-regulation-2024",
    "cn-sanbao-1995",
    "cn-vehicles-2021",
]


# --- People and data ------------------------------------------------------------------------


@pytest.fixture
def quality_manager(unit_tree):
    return UserFactory(
        username="zhou", roles=["quality_manager"], units=[unit_tree["co"]]
    )


@pytest.fixture
def service_doc(manager_user, quality_manager, unit_tree):
    """The company service standard, owned by the quality manager (no version yet)."""
    return document(
        actor=manager_user,
        owner=quality_manager,
        owner_unit=unit_tree["co"],
        code="Q/ACME 001",
        title="After-sales service standard",
    )


@pytest.fixture
def v1(service_doc, quality_manager, manager_user):
    """Version 1, effective since 2026-01-01, with urban on-site at 48 hours."""
    return effective(
        service_doc,
        author=quality_manager,
        approver=manager_user,
        effective_from=V1_FROM,
        parameters={"sla": {"onsite": {"urban": 48}}},
        body=V1_BODY,
        title="Service standard 2026",
    )


def as_user(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def status_of(version: StandardVersion) -> str:
    return StandardVersion.objects.values_list("status", flat=True).get(pk=version.pk)


def work_doc(actor, owner, unit, code: str, title: str = "Work standard", kind="work"):
    return document(
        actor=actor, owner=owner, owner_unit=unit, code=code, title=title, kind=kind
    )


# --- Documents ------------------------------------------------------------------------------


def test_standard_list_is_paginated_and_ordered_by_kind_then_code(
    api_client, agent_user, manager_user, quality_manager, unit_tree
):
    co = unit_tree["co"]
    work = work_doc(manager_user, quality_manager, co, "Q/ACME W01", "Installation")
    product = work_doc(
        manager_user, quality_manager, co, "Q/ACME P01", "Fridge", kind="product"
    )
    service = work_doc(
        manager_user, quality_manager, co, "Q/ACME S01", "Service", kind="service"
    )

    body = as_user(api_client, agent_user).get("/api/v1/standards/").json()

    assert body["count"] == 3
    assert body["next"] is None
    assert body["previous"] is None
    assert [row["id"] for row in body["results"]] == [product.pk, service.pk, work.pk]
    assert body["results"][0] == {
        "id": product.pk,
        "code": "Q/ACME P01",
        "title": "Fridge",
        "kind": "product",
        "owner_unit": co.pk,
        "owner": quality_manager.pk,
        "description": "",
        "related": [],
    }


def test_standard_list_page_size_gives_next_link(
    api_client, agent_user, manager_user, quality_manager, unit_tree
):
    for n in range(3):
        work_doc(manager_user, quality_manager, unit_tree["co"], f"Q/ACME W0{n}")

    body = as_user(api_client, agent_user).get("/api/v1/standards/?page_size=2").json()

    assert body["count"] == 3
    assert [row["code"] for row in body["results"]] == ["Q/ACME W00", "Q/ACME W01"]
    assert body["next"].endswith("/api/v1/standards/?page=2&page_size=2")
    assert body["previous"] is None


def test_standard_list_filters_by_kind(
    api_client, agent_user, manager_user, quality_manager, unit_tree
):
    co = unit_tree["co"]
    work_doc(manager_user, quality_manager, co, "Q/ACME W01")
    service = work_doc(manager_user, quality_manager, co, "Q/ACME S01", kind="service")

    body = as_user(api_client, agent_user).get("/api/v1/standards/?kind=service").json()

    assert body["count"] == 1
    assert [row["id"] for row in body["results"]] == [service.pk]


def test_standard_list_searches_code_and_title_with_q(
    api_client, agent_user, manager_user, quality_manager, unit_tree
):
    co = unit_tree["co"]
    by_title = work_doc(
        manager_user, quality_manager, co, "Q/ACME W01", "Fridge install"
    )
    by_code = work_doc(manager_user, quality_manager, co, "Q/FRIDGE 02", "Transport")
    work_doc(manager_user, quality_manager, co, "Q/ACME W03", "Washing machines")
    client = as_user(api_client, agent_user)

    found = client.get("/api/v1/standards/?q=fridge").json()
    nothing = client.get("/api/v1/standards/?q=television").json()

    assert sorted(row["id"] for row in found["results"]) == sorted(
        [by_title.pk, by_code.pk]
    )
    assert found["count"] == 2
    assert nothing == {"count": 0, "next": None, "previous": None, "results": []}


def test_standard_detail_returns_the_document(api_client, agent_user, service_doc):
    response = as_user(api_client, agent_user).get(
        f"/api/v1/standards/{service_doc.pk}/"
    )

    assert response.status_code == 200
    assert response.json()["code"] == "Q/ACME 001"
    assert response.json()["kind"] == "service"
    assert response.json()["title"] == "After-sales service standard"


def test_standard_detail_of_unknown_id_is_404(api_client, agent_user):
    response = as_user(api_client, agent_user).get("/api/v1/standards/999999/")

    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize("creator", ["quality_manager", "manager_user"])
def test_quality_manager_and_manager_create_a_standard(
    api_client, request, creator, quality_manager, unit_tree
):
    user = request.getfixturevalue(creator)
    payload = {
        "code": "Q/ACME 010",
        "title": "Spare parts handling",
        "kind": "process",
        "owner_unit": unit_tree["ws"].pk,
        "owner": quality_manager.pk,
        "description": "How parts are ordered and returned.",
    }

    response = as_user(api_client, user).post(
        "/api/v1/standards/", payload, format="json"
    )

    assert response.status_code == 201
    created = StandardDocument.objects.get(code="Q/ACME 010")
    assert response.json() == {**payload, "id": created.pk, "related": []}
    assert (created.title, created.kind, created.owner_unit, created.owner) == (
        "Spare parts handling",
        "process",
        unit_tree["ws"],
        quality_manager,
    )


def test_agent_cannot_create_a_standard_and_nothing_is_created(
    api_client, agent_user, quality_manager, unit_tree
):
    response = as_user(api_client, agent_user).post(
        "/api/v1/standards/",
        {
            "code": "Q/ACME 010",
            "title": "Spare parts handling",
            "kind": "process",
            "owner_unit": unit_tree["ws"].pk,
            "owner": quality_manager.pk,
        },
        format="json",
    )

    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert not StandardDocument.objects.exists()


def test_creating_a_standard_with_a_taken_code_is_400_and_creates_nothing(
    api_client, manager_user, service_doc, quality_manager, unit_tree
):
    response = as_user(api_client, manager_user).post(
        "/api/v1/standards/",
        {
            "code": "Q/ACME 001",
            "title": "Duplicate",
            "kind": "work",
            "owner_unit": unit_tree["co"].pk,
            "owner": quality_manager.pk,
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"code"}
    assert StandardDocument.objects.count() == 1


# --- Versions of a document -----------------------------------------------------------------


def test_versions_are_listed_newest_first(
    api_client, agent_user, v1, service_doc, quality_manager
):
    v2 = draft(service_doc, author=quality_manager, effective_from=date(2027, 1, 1))
    v3 = draft(service_doc, author=quality_manager, effective_from=date(2027, 6, 1))

    body = (
        as_user(api_client, agent_user)
        .get(f"/api/v1/standards/{service_doc.pk}/versions/")
        .json()
    )

    assert body["count"] == 3
    assert [(row["id"], row["version"]) for row in body["results"]] == [
        (v3.pk, 3),
        (v2.pk, 2),
        (v1.pk, 1),
    ]
    assert [row["status"] for row in body["results"]] == ["draft", "draft", "effective"]


def test_post_version_drafts_the_next_number_with_parameters_merged_over_the_newest(
    api_client, quality_manager, v1, service_doc
):
    response = as_user(api_client, quality_manager).post(
        f"/api/v1/standards/{service_doc.pk}/versions/",
        {
            "parameters": {"sla": {"resolve": {"P1": 36}}},
            "effective_from": "2027-01-01",
            "title": "Faster P1",
            "change_summary": "P1 resolved within 36 hours.",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    created = StandardVersion.objects.get(document=service_doc, version=2)
    assert body["id"] == created.pk
    assert body["standard"] == service_doc.pk
    assert body["version"] == 2
    assert body["status"] == "draft"
    assert body["effective_from"] == "2027-01-01"
    assert body["next_review_due"] == "2030-01-01"
    assert body["title"] == "Faster P1"
    assert body["change_summary"] == "P1 resolved within 36 hours."
    assert body["author"] == quality_manager.pk
    assert body["body"] == V1_BODY
    # the given key changed, its siblings and the rest come from version 1
    assert body["parameters"]["sla"]["resolve"] == {"P1": 36, "P2": 72, "P3": 168}
    assert body["parameters"]["sla"]["onsite"] == {"urban": 48, "rural": 72}
    assert body["parameters"]["entitlement"] == v1.parameters["entitlement"]
    assert created.parameters == body["parameters"]
    assert status_of(v1) == "effective"


def test_post_version_looser_than_the_law_is_400_naming_the_law_and_creates_nothing(
    api_client, quality_manager, v1, service_doc
):
    law = LegalRuleSet.objects.get(code=LAW_2024)

    response = as_user(api_client, quality_manager).post(
        f"/api/v1/standards/{service_doc.pk}/versions/",
        {
            "parameters": {"entitlement": {"return_window_days": 3}},
            "effective_from": "2027-01-01",
        },
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["parameters.entitlement.return_window_days"]
    [message] = body["parameters.entitlement.return_window_days"]
    assert "7" in message
    assert law.name in message
    assert message == (
        f"Looser than the law: {law.name} gives 7 "
        f"({law.citations['return_window_days']}); a standard may be stricter, never "
        "looser."
    )
    assert list(StandardVersion.objects.values_list("pk", flat=True)) == [v1.pk]


def test_post_version_without_effective_from_is_400_and_creates_nothing(
    api_client, quality_manager, v1, service_doc
):
    response = as_user(api_client, quality_manager).post(
        f"/api/v1/standards/{service_doc.pk}/versions/",
        {"parameters": {"sla": {"resolve": {"P1": 36}}}},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["effective_from"]
    assert response.json()["effective_from"] == ["This field is required."]
    assert StandardVersion.objects.count() == 1


@pytest.mark.parametrize("parameters", [[1, 2], "fast", 5, True])
def test_post_version_with_parameters_that_are_not_an_object_is_400(
    api_client, quality_manager, v1, service_doc, parameters
):
    response = as_user(api_client, quality_manager).post(
        f"/api/v1/standards/{service_doc.pk}/versions/",
        {"parameters": parameters, "effective_from": "2027-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"parameters": ["Parameters must be an object."]}
    assert StandardVersion.objects.count() == 1


def test_agent_cannot_draft_a_version_and_nothing_is_created(
    api_client, agent_user, v1, service_doc
):
    response = as_user(api_client, agent_user).post(
        f"/api/v1/standards/{service_doc.pk}/versions/",
        {"effective_from": "2027-01-01"},
        format="json",
    )

    assert response.status_code == 403
    assert StandardVersion.objects.count() == 1


# --- One version ----------------------------------------------------------------------------


def test_version_detail_has_the_contract_fields(api_client, agent_user, v1):
    response = as_user(api_client, agent_user).get(
        f"/api/v1/standard-versions/{v1.pk}/"
    )

    assert response.status_code == 200
    body = response.json()
    assert {
        key: body[key]
        for key in (
            "standard",
            "version",
            "status",
            "effective_from",
            "next_review_due",
        )
    } == {
        "standard": v1.document_id,
        "version": 1,
        "status": "effective",
        "effective_from": "2026-01-01",
        "next_review_due": "2029-01-01",
    }
    assert body["parameters"] == v1.parameters
    assert body["parameters"]["sla"]["onsite"]["urban"] == 48


def test_patch_changes_a_draft(api_client, quality_manager, v1, service_doc):
    v2 = draft(service_doc, author=quality_manager, effective_from=date(2027, 1, 1))
    parameters = {
        **v2.parameters,
        "sla": {**v2.parameters["sla"], "onsite": {"urban": 12, "rural": 48}},
    }

    response = as_user(api_client, quality_manager).patch(
        f"/api/v1/standard-versions/{v2.pk}/",
        {
            "title": "Faster on-site",
            "effective_from": "2027-02-01",
            "change_summary": "On site within 12/48 hours.",
            "parameters": parameters,
        },
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["title"] == "Faster on-site"
    assert response.json()["status"] == "draft"
    v2.refresh_from_db()
    assert v2.title == "Faster on-site"
    assert v2.effective_from == date(2027, 2, 1)
    assert v2.change_summary == "On site within 12/48 hours."
    assert v2.parameters["sla"]["onsite"] == {"urban": 12, "rural": 48}
    assert v2.parameters["entitlement"] == v1.parameters["entitlement"]


def test_patch_with_partial_parameters_merges_them_over_the_draft(
    api_client, quality_manager, v1, service_doc
):
    v2 = draft(service_doc, author=quality_manager, effective_from=date(2027, 1, 1))

    response = as_user(api_client, quality_manager).patch(
        f"/api/v1/standard-versions/{v2.pk}/",
        {"parameters": {"sla": {"onsite": {"urban": 12}}}},
        format="json",
    )

    assert response.status_code == 200
    v2.refresh_from_db()
    assert v2.parameters["sla"]["onsite"] == {"urban": 12, "rural": 72}
    assert v2.parameters["sla"]["resolve"] == {"P1": 48, "P2": 72, "P3": 168}


def test_patch_of_an_effective_version_is_400_and_changes_nothing(
    api_client, quality_manager, v1
):
    before = StandardVersion.objects.values().get(pk=v1.pk)

    response = as_user(api_client, quality_manager).patch(
        f"/api/v1/standard-versions/{v1.pk}/",
        {"title": "Rewritten", "parameters": {"sla": {"onsite": {"urban": 1}}}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Only a draft can be edited; to change this version, draft a new one.",
        "code": "domain_error",
    }
    assert StandardVersion.objects.values().get(pk=v1.pk) == before


def test_patch_by_an_agent_is_403_and_changes_nothing(
    api_client, agent_user, quality_manager, v1, service_doc
):
    v2 = draft(service_doc, author=quality_manager, effective_from=date(2027, 1, 1))

    response = as_user(api_client, agent_user).patch(
        f"/api/v1/standard-versions/{v2.pk}/", {"title": "Mine now"}, format="json"
    )

    assert response.status_code == 403
    v2.refresh_from_db()
    assert v2.title == ""


# --- Lifecycle actions ----------------------------------------------------------------------


def test_full_lifecycle_draft_submit_four_eyes_approval_supersedes_the_previous_version(
    api_client, quality_manager, manager_user, v1, service_doc
):
    client = as_user(api_client, quality_manager)
    drafted = client.post(
        f"/api/v1/standards/{service_doc.pk}/versions/",
        {
            "parameters": {"sla": {"resolve": {"P1": 36}}},
            "effective_from": "2026-11-01",
        },
        format="json",
    )
    assert drafted.status_code == 201
    v2 = StandardVersion.objects.get(pk=drafted.json()["id"])
    url = f"/api/v1/standard-versions/{v2.pk}"

    # the author submits
    submitted_ = client.post(f"{url}/submit/", {}, format="json")
    assert submitted_.status_code == 200
    assert submitted_.json()["status"] == "in_review"
    assert submitted_.json()["submitted_at"] is not None

    # the author may not approve their own version
    own = client.post(f"{url}/approve/", {}, format="json")
    assert own.status_code == 403
    assert own.json() == {
        "detail": "The author cannot approve their own version: another quality manager "
        "or a manager must approve it.",
        "code": "permission_denied",
    }
    v2.refresh_from_db()
    assert (v2.status, v2.approved_by, v2.approved_at) == ("in_review", None, None)

    # a manager approves: effective at once, version 1 superseded
    approved_ = as_user(api_client, manager_user).post(
        f"{url}/approve/", {"note": "Agreed."}, format="json"
    )
    assert approved_.status_code == 200
    assert approved_.json()["status"] == "effective"
    assert approved_.json()["approved_by"] == manager_user.pk
    assert approved_.json()["activated_at"] is not None
    v1.refresh_from_db()
    assert v1.status == "superseded"
    assert v1.effective_until == date(2026, 11, 1)

    # approving it again is a transition the state forbids
    again = api_client.post(f"{url}/approve/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert set(again.json()) == {"detail", "code"}
    assert status_of(v2) == "effective"
    assert status_of(v1) == "superseded"


def test_approving_a_version_with_a_future_start_leaves_it_approved(
    api_client, quality_manager, manager_user, v1, service_doc
):
    starts = timezone.localdate() + timedelta(days=30)
    v2 = submitted(service_doc, author=quality_manager, effective_from=starts)

    response = as_user(api_client, manager_user).post(
        f"/api/v1/standard-versions/{v2.pk}/approve/", {}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert response.json()["activated_at"] is None
    assert status_of(v2) == "approved"
    assert status_of(v1) == "effective"


def test_submit_by_someone_who_is_neither_author_nor_approver_is_403(
    api_client, agent_user, quality_manager, v1, service_doc
):
    v2 = draft(service_doc, author=quality_manager, effective_from=date(2027, 1, 1))

    response = as_user(api_client, agent_user).post(
        f"/api/v1/standard-versions/{v2.pk}/submit/", {}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert status_of(v2) == "draft"


def test_withdraw_without_a_note_is_400_and_with_a_note_withdraws(
    api_client, quality_manager, v1, service_doc
):
    v2 = draft(service_doc, author=quality_manager, effective_from=date(2027, 1, 1))
    client = as_user(api_client, quality_manager)
    url = f"/api/v1/standard-versions/{v2.pk}/withdraw/"

    refused = client.post(url, {}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {"note": ["Say why."]}
    v2.refresh_from_db()
    assert (v2.status, v2.withdrawn_at) == ("draft", None)

    withdrawn = client.post(
        url, {"note": "Superseded by the 2027 plan."}, format="json"
    )

    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    v2.refresh_from_db()
    assert v2.status == "withdrawn"
    assert v2.status_note == "Superseded by the 2027 plan."
    assert v2.withdrawn_at is not None


def test_return_needs_a_note_and_sends_the_version_back_to_draft(
    api_client, quality_manager, manager_user, v1, service_doc
):
    v2 = submitted(service_doc, author=quality_manager, effective_from=date(2027, 1, 1))
    client = as_user(api_client, manager_user)
    url = f"/api/v1/standard-versions/{v2.pk}/return/"

    refused = client.post(url, {"note": "  "}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {"note": ["Say why."]}
    assert status_of(v2) == "in_review"

    returned = client.post(url, {"note": "Cite the customer survey."}, format="json")

    assert returned.status_code == 200
    assert returned.json()["status"] == "draft"
    assert returned.json()["status_note"] == "Cite the customer survey."


def test_acknowledge_an_effective_version_is_201_and_idempotent(
    api_client, agent_user, v1
):
    client = as_user(api_client, agent_user)
    url = f"/api/v1/standard-versions/{v1.pk}/acknowledge/"

    first = client.post(url)
    second = client.post(url)

    assert first.status_code == 201
    assert second.status_code == 201
    assert first.json()["acknowledged_at"] is not None
    assert second.json() == first.json()
    assert Acknowledgement.objects.filter(version=v1, user=agent_user).count() == 1
    assert Acknowledgement.objects.count() == 1


def test_acknowledging_a_draft_is_400_and_records_nothing(
    api_client, agent_user, quality_manager, v1, service_doc
):
    v2 = draft(service_doc, author=quality_manager, effective_from=date(2027, 1, 1))

    response = as_user(api_client, agent_user).post(
        f"/api/v1/standard-versions/{v2.pk}/acknowledge/"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Only an effective version is acknowledged.",
        "code": "domain_error",
    }
    assert not Acknowledgement.objects.exists()


# --- The effective service standard ---------------------------------------------------------


def test_effective_service_standard_is_404_before_any_service_standard_exists(
    api_client, agent_user
):
    response = as_user(api_client, agent_user).get(
        "/api/v1/service-standards/effective/?category=&channel="
    )

    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_effective_service_standard_is_404_while_the_only_version_is_a_draft(
    api_client, agent_user, quality_manager, service_doc
):
    draft(service_doc, author=quality_manager, effective_from=date(2026, 1, 1))

    response = as_user(api_client, agent_user).get(
        "/api/v1/service-standards/effective/"
    )

    assert response.status_code == 404


def test_effective_service_standard_returns_the_version_in_force(
    api_client, agent_user, v1
):
    response = as_user(api_client, agent_user).get(
        "/api/v1/service-standards/effective/?category=&channel="
    )

    assert response.status_code == 200
    assert response.json()["id"] == v1.pk
    assert response.json()["status"] == "effective"
    assert response.json()["parameters"] == v1.parameters


def test_effective_service_standard_picks_the_channel_scoped_version(
    api_client, agent_user, manager_user, quality_manager, unit_tree, v1
):
    hotline_doc = work_doc(
        manager_user,
        quality_manager,
        unit_tree["hot"],
        "Q/ACME 002",
        "Hotline service standard",
        kind="service",
    )
    hotline = effective(
        hotline_doc,
        author=quality_manager,
        approver=manager_user,
        effective_from=V1_FROM,
        parameters={"scope": {"channel": "hotline"}},
    )
    client = as_user(api_client, agent_user)

    by_phone = client.get(
        "/api/v1/service-standards/effective/?category=&channel=hotline"
    )
    by_portal = client.get(
        "/api/v1/service-standards/effective/?category=&channel=portal"
    )

    assert by_phone.json()["id"] == hotline.pk
    assert by_phone.json()["scope_channel"] == "hotline"
    assert by_portal.json()["id"] == v1.pk


# --- Legal rule sets ------------------------------------------------------------------------


def test_legal_rule_sets_list_the_four_seeded_sets_with_parameters_and_citations(
    api_client, agent_user
):
    body = as_user(api_client, agent_user).get("/api/v1/legal-rule-sets/").json()

    assert body["count"] == 4
    assert [row["code"] for row in body["results"]] == SEEDED_CODES
    seeded = {data["code"]: data for data in LEGAL_RULE_SETS}
    for row in body["results"]:
        assert row["parameters"] == seeded[row["code"]]["parameters"]
        assert row["citations"] == seeded[row["code"]]["citations"]
        assert row["name"] == seeded[row["code"]]["name"]
        assert row["version"] == 1
    sanbao = body["results"][2]
    assert sanbao["parameters"]["return_window_days"] == 7
    assert "within 7 days" in sanbao["citations"]["return_window_days"]


@pytest.mark.parametrize(
    ("method", "on_detail"),
    [("post", False), ("put", True), ("patch", True), ("delete", True)],
)
def test_legal_rule_sets_are_read_only(api_client, manager_user, method, on_detail):
    rule_set = LegalRuleSet.objects.get(code="cn-sanbao-1995")
    before = list(LegalRuleSet.objects.order_by("pk").values())
    url = (
        f"/api/v1/legal-rule-sets/{rule_set.pk}/"
        if on_detail
        else "/api/v1/legal-rule-sets/"
    )

    response = getattr(as_user(api_client, manager_user), method)(
        url, {"code": "x", "name": "Changed", "parameters": {}}, format="json"
    )

    assert response.status_code == 405
    assert list(LegalRuleSet.objects.order_by("pk").values()) == before


# --- Change requests ------------------------------------------------------------------------


def raise_change_request(client, document_pk: int):
    return client.post(
        "/api/v1/change-requests/",
        {
            "standard": document_pk,
            "title": "Rural on-site within 48 hours",
            "proposed_change": "sla.onsite.rural 72 → 48",
            "rationale": "Rural complaints about waiting doubled.",
            "evidence_links": ["https://example.com/feedback/12", "KPI breach 2026-10"],
        },
        format="json",
    )


def test_agent_raises_an_open_change_request(api_client, agent_user, service_doc):
    response = raise_change_request(as_user(api_client, agent_user), service_doc.pk)

    assert response.status_code == 201
    change_request = ChangeRequest.objects.get()
    body = response.json()
    assert body["id"] == change_request.pk
    assert body["status"] == "open"
    assert body["standard"] == service_doc.pk
    assert body["raised_by"] == agent_user.pk
    assert body["evidence_links"] == [
        "https://example.com/feedback/12",
        "KPI breach 2026-10",
    ]
    assert (change_request.title, change_request.raised_by, change_request.status) == (
        "Rural on-site within 48 hours",
        agent_user,
        "open",
    )


def test_change_request_decision_by_agent_is_403_then_quality_manager_accepts_once(
    api_client, agent_user, quality_manager, service_doc
):
    created = raise_change_request(as_user(api_client, agent_user), service_doc.pk)
    url = f"/api/v1/change-requests/{created.json()['id']}/decide/"
    decision = {"accept": True, "note": "Agreed: budget approved for Q1."}

    by_agent = api_client.post(url, decision, format="json")

    assert by_agent.status_code == 403
    change_request = ChangeRequest.objects.get()
    assert (change_request.status, change_request.decided_by) == ("open", None)

    by_quality = as_user(api_client, quality_manager).post(url, decision, format="json")

    assert by_quality.status_code == 200
    assert by_quality.json()["status"] == "accepted"
    assert by_quality.json()["decided_by"] == quality_manager.pk
    assert by_quality.json()["decision_note"] == "Agreed: budget approved for Q1."

    again = api_client.post(
        url, {"accept": False, "note": "Changed my mind."}, format="json"
    )

    assert again.status_code == 409
    assert again.json() == {
        "detail": "This change request has already been decided.",
        "code": "invalid_transition",
    }
    change_request.refresh_from_db()
    assert change_request.status == "accepted"
    assert change_request.decision_note == "Agreed: budget approved for Q1."


def test_change_request_decision_without_a_reason_is_400(
    api_client, agent_user, quality_manager, service_doc
):
    created = raise_change_request(as_user(api_client, agent_user), service_doc.pk)

    response = as_user(api_client, quality_manager).post(
        f"/api/v1/change-requests/{created.json()['id']}/decide/",
        {"accept": True, "note": ""},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["note"]
    assert ChangeRequest.objects.get().status == "open"


# --- Calendar calculators -------------------------------------------------------------------


def test_add_working_days_skips_the_national_day_holidays(api_client, agent_user):
    response = as_user(api_client, agent_user).get(
        "/api/v1/calendar/add-working-days/?start=2026-09-25&days=10"
    )

    assert response.status_code == 200
    assert response.json() == {"date": "2026-10-15"}


def test_add_business_hours_uses_the_company_default_calendar(api_client, agent_user):
    response = as_user(api_client, agent_user).get(
        "/api/v1/calendar/add-business-hours/?start=2026-09-30T17:00:00%2B08:00&hours=2"
    )

    assert response.status_code == 200
    assert response.json() == {"datetime": "2026-10-08T10:00:00+08:00"}


@pytest.fixture
def hotline_calendar(manager_user, unit_tree):
    """The hotline works 08:00–20:00 every day, public holidays included."""
    return services.business_calendar_save(
        actor=manager_user,
        unit=unit_tree["hot"],
        name="Hotline 8-20",
        day_start=time(8, 0),
        day_end=time(20, 0),
        workdays=[0, 1, 2, 3, 4, 5, 6],
        follows_statutory_holidays=False,
    )


def test_add_business_hours_with_a_unit_uses_its_own_calendar(
    api_client, agent_user, unit_tree, hotline_calendar
):
    client = as_user(api_client, agent_user)
    start = "start=2026-09-30T17:00:00%2B08:00&hours=2"

    company = client.get(f"/api/v1/calendar/add-business-hours/?{start}")
    hotline = client.get(
        f"/api/v1/calendar/add-business-hours/?{start}&unit={unit_tree['hot'].pk}"
    )

    assert company.json() == {"datetime": "2026-10-08T10:00:00+08:00"}
    assert hotline.json() == {"datetime": "2026-09-30T19:00:00+08:00"}


def test_add_working_days_with_a_unit_uses_its_own_calendar(
    api_client, agent_user, unit_tree, hotline_calendar
):
    response = as_user(api_client, agent_user).get(
        "/api/v1/calendar/add-working-days/?start=2026-09-25&days=10"
        f"&unit={unit_tree['hot'].pk}"
    )

    assert response.json() == {"date": "2026-10-05"}


def test_a_unit_without_a_calendar_uses_its_nearest_ancestors(
    api_client, agent_user, manager_user, unit_tree
):
    services.business_calendar_save(
        actor=manager_user,
        unit=unit_tree["br"],
        name="Branch 8-20",
        day_start=time(8, 0),
        day_end=time(20, 0),
        workdays=[0, 1, 2, 3, 4, 5, 6],
        follows_statutory_holidays=False,
    )

    response = as_user(api_client, agent_user).get(
        "/api/v1/calendar/add-business-hours/?start=2026-09-30T17:00:00%2B08:00&hours=2"
        f"&unit={unit_tree['hot'].pk}"
    )

    assert response.json() == {"datetime": "2026-09-30T19:00:00+08:00"}


def test_legal_deadline_ends_at_midnight_after_the_last_day(api_client, agent_user):
    response = as_user(api_client, agent_user).get(
        "/api/v1/calendar/legal-deadline/?trigger=2026-03-03&days=7"
    )

    assert response.status_code == 200
    assert response.json() == {"datetime": "2026-03-11T00:00:00+08:00"}


BAD_CALENDAR_QUERIES = [
    ("add-working-days/?start=bad&days=10", "start"),
    ("add-working-days/?days=10", "start"),
    ("add-working-days/?start=2026-09-25&days=-1", "days"),
    ("add-working-days/?start=2026-09-25&days=ten", "days"),
    ("add-working-days/?start=2026-09-25&days=10&unit=999999", "unit"),
    ("add-business-hours/?start=bad&hours=2", "start"),
    ("add-business-hours/?start=2026-09-30T17:00:00%2B08:00&hours=abc", "hours"),
    ("add-business-hours/?start=2026-09-30T17:00:00%2B08:00&hours=-1", "hours"),
    ("add-business-hours/?start=2026-09-30T17:00:00%2B08:00&hours=NaN", "hours"),
    (
        "add-business-hours/?start=2026-09-30T17:00:00%2B08:00&hours=2&unit=999999",
        "unit",
    ),
    ("add-business-hours/?start=2026-09-30T17:00:00%2B08:00&hours=2&unit=abc", "unit"),
    ("legal-deadline/?trigger=bad&days=7", "trigger"),
    ("legal-deadline/?trigger=2026-03-03&days=-1", "days"),
    ("legal-deadline/?trigger=2026-03-03&days=7&unit=999999", "unit"),
]


@pytest.mark.parametrize(("query", "field"), BAD_CALENDAR_QUERIES)
def test_calendar_bad_input_is_400_with_the_field_error(
    api_client, agent_user, query, field
):
    client = as_user(api_client, agent_user)
    client.raise_request_exception = False

    response = client.get(f"/api/v1/calendar/{query}")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert len(response.json()[field]) == 1


@pytest.mark.parametrize(
    "query",
    [
        "add-working-days/?start=9999-12-30&days=10",
        "add-business-hours/?start=9999-12-31T17:00:00%2B08:00&hours=100",
        "legal-deadline/?trigger=9999-12-31&days=1",
    ],
)
def test_calendar_dates_at_the_end_of_time_are_400_not_500(
    api_client, agent_user, query
):
    client = as_user(api_client, agent_user)
    client.raise_request_exception = False

    response = client.get(f"/api/v1/calendar/{query}")

    assert response.status_code == 400


def test_effective_service_standard_with_an_unknown_unit_is_400(api_client, agent_user):
    response = as_user(api_client, agent_user).get(
        "/api/v1/service-standards/effective/?unit=999999"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["unit"]


# --- Permissions ----------------------------------------------------------------------------

ENDPOINTS = [
    ("get", "/api/v1/standards/"),
    ("post", "/api/v1/standards/"),
    ("get", "/api/v1/standards/{doc}/"),
    ("get", "/api/v1/standards/{doc}/versions/"),
    ("post", "/api/v1/standards/{doc}/versions/"),
    ("get", "/api/v1/standard-versions/"),
    ("get", "/api/v1/standard-versions/{draft}/"),
    ("patch", "/api/v1/standard-versions/{draft}/"),
    ("post", "/api/v1/standard-versions/{draft}/submit/"),
    ("post", "/api/v1/standard-versions/{review}/approve/"),
    ("post", "/api/v1/standard-versions/{review}/return/"),
    ("post", "/api/v1/standard-versions/{draft}/withdraw/"),
    ("post", "/api/v1/standard-versions/{effective}/acknowledge/"),
    ("get", "/api/v1/service-standards/effective/"),
    ("get", "/api/v1/legal-rule-sets/"),
    ("get", "/api/v1/legal-rule-sets/{legal}/"),
    ("get", "/api/v1/change-requests/"),
    ("post", "/api/v1/change-requests/"),
    ("get", "/api/v1/change-requests/{cr}/"),
    ("post", "/api/v1/change-requests/{cr}/decide/"),
    ("get", "/api/v1/calendar/add-working-days/?start=2026-09-25&days=10"),
    ("get", "/api/v1/calendar/add-business-hours/?start=2026-09-30T17:00:00Z&hours=2"),
    ("get", "/api/v1/calendar/legal-deadline/?trigger=2026-03-03&days=7"),
]


@pytest.fixture
def world(service_doc, v1, quality_manager, agent_user):
    """One of everything the endpoints address: an effective version, a draft, a version in
    review, an open change request."""
    v2 = draft(service_doc, author=quality_manager, effective_from=date(2027, 1, 1))
    v3 = submitted(service_doc, author=quality_manager, effective_from=date(2027, 6, 1))
    change_request = services.change_request_raise(
        document=service_doc,
        actor=agent_user,
        title="Faster P1",
        proposed_change="P1 in 24 hours.",
        rationale="Complaints.",
    )
    return {
        "doc": service_doc.pk,
        "effective": v1.pk,
        "draft": v2.pk,
        "review": v3.pk,
        "cr": change_request.pk,
        "legal": LegalRuleSet.objects.get(code=LAW_2024).pk,
    }


def snapshot():
    return {
        "documents": list(StandardDocument.objects.order_by("pk").values()),
        "versions": list(StandardVersion.objects.order_by("pk").values()),
        "change_requests": list(ChangeRequest.objects.order_by("pk").values()),
        "acknowledgements": Acknowledgement.objects.count(),
    }


def payload_for(url: str, world: dict, owner_pk: int, unit_pk: int) -> dict:
    if url.endswith("/standards/"):
        return {
            "code": "Q/X 1",
            "title": "X",
            "kind": "work",
            "owner_unit": unit_pk,
            "owner": owner_pk,
        }
    if url.endswith("/change-requests/"):
        return {
            "standard": world["doc"],
            "title": "X",
            "proposed_change": "X",
            "rationale": "X",
        }
    if url.endswith("/decide/"):
        return {"accept": True, "note": "Yes."}
    if url.endswith("/versions/"):
        return {"effective_from": "2027-01-01"}
    return {"note": "Because.", "title": "Changed"}


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_unauthenticated_requests_are_401_and_change_nothing(
    api_client, world, quality_manager, unit_tree, method, url
):
    path = url.format(**world)
    before = snapshot()

    response = getattr(api_client, method)(
        path,
        payload_for(path, world, quality_manager.pk, unit_tree["co"].pk),
        format="json",
    )

    assert response.status_code == 401
    assert set(response.json()) == {"detail"}
    assert snapshot() == before


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_customers_are_refused_every_standards_endpoint_and_change_nothing(
    api_client, world, customer_user, quality_manager, unit_tree, method, url
):
    path = url.format(**world)
    before = snapshot()

    response = getattr(as_user(api_client, customer_user), method)(
        path,
        payload_for(path, world, quality_manager.pk, unit_tree["co"].pk),
        format="json",
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "Only staff may use this endpoint."}
    assert snapshot() == before


# --- Query counts ---------------------------------------------------------------------------


@pytest.fixture
def documents_with_versions(manager_user, quality_manager, unit_tree):
    """`n` work standards, each with an effective version 1 and a draft version 2."""

    def build(n: int) -> None:
        for index in range(n):
            doc = work_doc(
                manager_user, quality_manager, unit_tree["co"], f"Q/ACME W{index:03d}"
            )
            effective(
                doc,
                author=quality_manager,
                approver=manager_user,
                effective_from=V1_FROM,
            )
            draft(doc, author=quality_manager, effective_from=date(2027, 1, 1))

    return build


# the caller's roles (permission check), count, documents, their versions, their related
# standards
STANDARD_LIST_QUERIES = 5
# the caller's roles, count, versions with document, author and approver joined
VERSION_LIST_QUERIES = 3


@pytest.mark.parametrize("documents", [3, 25])
def test_standard_list_query_count_is_flat(
    api_client,
    agent_user,
    documents_with_versions,
    django_assert_max_num_queries,
    documents,
):
    documents_with_versions(documents)
    client = as_user(api_client, agent_user)

    with django_assert_max_num_queries(STANDARD_LIST_QUERIES):
        response = client.get("/api/v1/standards/")

    assert response.json()["count"] == documents


@pytest.mark.parametrize("documents", [3, 25])
def test_standard_version_list_query_count_is_flat(
    api_client,
    agent_user,
    documents_with_versions,
    django_assert_max_num_queries,
    documents,
):
    documents_with_versions(documents)
    client = as_user(api_client, agent_user)

    with django_assert_max_num_queries(VERSION_LIST_QUERIES):
        response = client.get("/api/v1/standard-versions/")

    assert response.json()["count"] == 2 * documents
    assert {row["status"] for row in response.json()["results"]} == {
        VersionStatus.EFFECTIVE,
        VersionStatus.DRAFT,
    }
