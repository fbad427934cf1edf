"""Writes of the standards app (standards/services.py) through a real database: documents,
versions and their lifecycle, the daily sweeps, acknowledgements, change requests and the
business calendar."""

from __future__ import annotations

import copy
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from aftersales import demo as aftersales_demo
from aftersales.exceptions import ActionForbidden, DomainError, StaleObject
from aftersales.models import JobRun, Notification, OutboxMessage
from standards import calendar as business_calendar
from standards import demo as standards_demo
from standards import selectors, services
from standards.legal_data import LEGAL_RULE_SETS
from standards.models import (
    Acknowledgement,
    BusinessCalendar,
    CalendarOverride,
    ChangeRequest,
    LegalRuleSet,
    StandardDocument,
    StandardVersion,
)
from standards.parameters import DEFAULT_SERVICE_PARAMETERS, get_path
from standards.signals import change_request_decided
from standards.workflow import VersionAction, VersionStatus
from tests.aftersales.factories import UserFactory
from tests.standards.factories import (
    StandardVersionFactory,
    approved,
    document,
    draft,
    effective,
    service_parameters,
    submitted,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = VersionStatus


@pytest.fixture
def quality(unit_tree):
    """The quality manager who owns and writes the service standard."""
    return UserFactory(
        username="zhao", roles=["quality_manager"], units=[unit_tree["co"]]
    )


@pytest.fixture
def quality2(unit_tree):
    """A second quality manager (may approve the first one's versions)."""
    return UserFactory(
        username="qian", roles=["quality_manager"], units=[unit_tree["co"]]
    )


@pytest.fixture
def service_doc(manager_user, quality, unit_tree):
    return document(actor=manager_user, owner=quality, owner_unit=unit_tree["co"])


@pytest.fixture
def work_doc(manager_user, quality, unit_tree):
    return document(
        actor=manager_user,
        owner=quality,
        owner_unit=unit_tree["ws"],
        code="Q/ACME 401",
        kind=StandardDocument.Kind.WORK,
        title="Workshop work standard",
    )


def notifications(kind: str) -> list[tuple[str, str]]:
    """(recipient username, title) of the notifications of one kind, by recipient."""
    return sorted(
        Notification.objects.filter(kind=kind).values_list(
            "recipient__username", "title"
        )
    )


def statuses(doc: StandardDocument) -> list[tuple[int, str, date | None]]:
    return list(
        doc.versions.order_by("version").values_list(
            "version", "status", "effective_until"
        )
    )


# --- Documents ---------------------------------------------------------------------------------


def test_quality_manager_creates_a_standard_document(quality, unit_tree):
    doc = services.standard_document_create(
        actor=quality,
        code="Q/ACME 201",
        title="Repair workshop process standard",
        kind="process",
        owner_unit=unit_tree["ws"],
        owner=quality,
    )
    assert StandardDocument.objects.get(pk=doc.pk).code == "Q/ACME 201"
    assert doc.kind == "process"
    assert doc.owner == quality


def test_agent_cannot_create_a_standard_document(agent_user, unit_tree):
    with pytest.raises(PermissionDenied):
        services.standard_document_create(
            actor=agent_user,
            code="Q/ACME 999",
            title="Mine",
            kind="work",
            owner_unit=unit_tree["hot"],
            owner=agent_user,
        )
    assert StandardDocument.objects.count() == 0


def test_document_codes_are_unique(service_doc, manager_user, quality, unit_tree):
    with pytest.raises(ValidationError) as excinfo:
        document(actor=manager_user, owner=quality, owner_unit=unit_tree["co"])
    assert list(excinfo.value.message_dict) == ["code"]
    assert StandardDocument.objects.count() == 1


# --- Drafting ----------------------------------------------------------------------------------


def test_drafts_are_numbered_1_2_3_and_start_from_the_newest_version(
    service_doc, quality
):
    first_parameters = service_parameters({"sla.onsite.urban": 48})
    second_parameters = service_parameters({"sla.onsite.urban": 36})

    v1 = draft(
        service_doc,
        author=quality,
        effective_from=date(2026, 1, 1),
        parameters=first_parameters,
        body="1 First clause.",
    )
    v2 = draft(
        service_doc,
        author=quality,
        effective_from=date(2026, 7, 1),
        parameters=second_parameters,
        body="1 Second clause.",
    )
    v3 = draft(service_doc, author=quality, effective_from=date(2027, 1, 1))

    assert [v1.version, v2.version, v3.version] == [1, 2, 3]
    stored = StandardVersion.objects.get(pk=v3.pk)
    assert stored.parameters == second_parameters
    assert stored.body == "1 Second clause."
    assert stored.status == S.DRAFT
    assert stored.author == quality


def test_a_version_number_is_never_reused_after_a_withdrawal(service_doc, quality):
    v1 = draft(service_doc, author=quality, effective_from=date(2026, 1, 1))
    services.standard_version_transition(
        version=v1, action=VersionAction.WITHDRAW, actor=quality, note="Wrong start."
    )
    v2 = draft(service_doc, author=quality, effective_from=date(2026, 2, 1))
    assert v2.version == 2


def test_given_parameters_are_laid_over_the_newest_versions_key_by_key(
    service_doc, quality
):
    draft(
        service_doc,
        author=quality,
        effective_from=date(2026, 1, 1),
        parameters={"sla": {"onsite": {"urban": 48}}},
    )
    v2 = draft(
        service_doc,
        author=quality,
        effective_from=date(2026, 7, 1),
        parameters={"sla": {"onsite": {"rural": 48}}, "conduct_checklist": ["Be kind"]},
    )
    assert StandardVersion.objects.get(pk=v2.pk).parameters == service_parameters(
        {
            "sla.onsite.urban": 48,
            "sla.onsite.rural": 48,
            "conduct_checklist": ["Be kind"],
        }
    )


def test_a_drafted_version_does_not_share_the_company_defaults(service_doc, quality):
    pristine = copy.deepcopy(DEFAULT_SERVICE_PARAMETERS)
    version = draft(service_doc, author=quality, effective_from=date(2026, 1, 1))
    try:
        version.parameters["sla"]["onsite"]["urban"] = 1
        assert get_path(DEFAULT_SERVICE_PARAMETERS, "sla.onsite.urban") == 24
    finally:
        DEFAULT_SERVICE_PARAMETERS.clear()
        DEFAULT_SERVICE_PARAMETERS.update(pristine)


def test_first_service_draft_starts_from_the_company_defaults(service_doc, quality):
    version = draft(service_doc, author=quality, effective_from=date(2026, 1, 1))
    assert StandardVersion.objects.get(pk=version.pk).parameters == (
        DEFAULT_SERVICE_PARAMETERS
    )


def test_first_draft_of_another_kind_starts_empty(work_doc, quality):
    version = draft(work_doc, author=quality, effective_from=date(2026, 1, 1))
    stored = StandardVersion.objects.get(pk=version.pk)
    assert stored.parameters == {}
    assert stored.body == ""
    assert (stored.scope_category, stored.scope_channel, stored.scope_unit) == (
        "",
        "",
        None,
    )


def test_other_kinds_take_any_parameters_without_the_service_schema(work_doc, quality):
    version = draft(
        work_doc,
        author=quality,
        effective_from=date(2026, 1, 1),
        parameters={"noise_db": 52},
    )
    assert StandardVersion.objects.get(pk=version.pk).parameters == {"noise_db": 52}


@pytest.mark.parametrize(
    ("effective_from", "review_due"),
    [
        (date(2026, 3, 15), date(2029, 3, 15)),
        (date(2024, 2, 29), date(2027, 2, 28)),
        (date(2025, 12, 31), date(2028, 12, 31)),
    ],
)
def test_default_review_date_is_36_months_after_the_start(
    service_doc, quality, effective_from, review_due
):
    version = draft(service_doc, author=quality, effective_from=effective_from)
    assert StandardVersion.objects.get(pk=version.pk).next_review_due == review_due


def test_an_explicit_review_date_is_kept(service_doc, quality):
    version = draft(
        service_doc,
        author=quality,
        effective_from=date(2026, 1, 1),
        next_review_due=date(2027, 1, 1),
    )
    assert StandardVersion.objects.get(pk=version.pk).next_review_due == date(
        2027, 1, 1
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(2026, 1, 31), 36, date(2029, 1, 31)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 15), 0, date(2026, 3, 15)),
        (date(2026, 1, 31), -2, date(2025, 11, 30)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_last_day_of_the_month(day, months, expected):
    assert services.add_months(day, months) == expected


def test_a_return_window_looser_than_the_law_is_refused_and_nothing_is_stored(
    service_doc, quality
):
    parameters = service_parameters({"entitlement.return_window_days": 3})
    with pytest.raises(ValidationError) as excinfo:
        draft(
            service_doc,
            author=quality,
            effective_from=date(2026, 1, 1),
            parameters=parameters,
        )
    errors = excinfo.value.message_dict
    assert list(errors) == ["parameters.entitlement.return_window_days"]
    [message] = errors["parameters.entitlement.return_window_days"]
    assert message.startswith(
        "Looser than the law: Consumer Rights Protection Law and its implementing "
        "regulation 2024 gives 7 ("
    )
    assert StandardVersion.objects.count() == 0


def test_a_stricter_return_window_is_stored(service_doc, quality):
    parameters = service_parameters({"entitlement.return_window_days": 10})
    version = draft(
        service_doc,
        author=quality,
        effective_from=date(2026, 1, 1),
        parameters=parameters,
    )
    stored = StandardVersion.objects.get(pk=version.pk)
    assert stored.parameters["entitlement"]["return_window_days"] == 10


def test_an_agent_who_does_not_own_the_standard_cannot_draft(service_doc, agent_user):
    with pytest.raises(PermissionDenied):
        draft(service_doc, author=agent_user, effective_from=date(2026, 1, 1))
    assert StandardVersion.objects.count() == 0


def test_the_owner_drafts_and_submits_without_an_editor_role(
    manager_user, agent_user, unit_tree
):
    doc = document(
        actor=manager_user,
        owner=agent_user,
        owner_unit=unit_tree["hot"],
        code="Q/ACME 402",
        kind="work",
    )
    version = submitted(doc, author=agent_user, effective_from=date(2026, 1, 1))
    assert StandardVersion.objects.get(pk=version.pk).status == S.IN_REVIEW


def test_the_scope_is_copied_into_the_indexed_columns(service_doc, quality, unit_tree):
    parameters = service_parameters(
        {
            "scope.category": "refrigerator",
            "scope.channel": "hotline",
            "scope.unit": "br",
        }
    )
    version = draft(
        service_doc,
        author=quality,
        effective_from=date(2026, 1, 1),
        parameters=parameters,
    )
    stored = StandardVersion.objects.get(pk=version.pk)
    assert (stored.scope_category, stored.scope_channel, stored.scope_unit) == (
        "refrigerator",
        "hotline",
        unit_tree["br"],
    )


def test_a_scope_naming_an_unknown_unit_is_refused(service_doc, quality):
    parameters = service_parameters({"scope.unit": "no-such-unit"})
    with pytest.raises(ValidationError) as excinfo:
        draft(
            service_doc,
            author=quality,
            effective_from=date(2026, 1, 1),
            parameters=parameters,
        )
    assert list(excinfo.value.message_dict) == ["parameters.scope.unit"]
    assert StandardVersion.objects.count() == 0


# --- Editing -----------------------------------------------------------------------------------


def test_a_draft_is_edited(service_doc, quality, unit_tree):
    version = draft(service_doc, author=quality, effective_from=date(2026, 1, 1))
    parameters = service_parameters(
        {"sla.onsite.urban": 12, "scope.category": "tv", "scope.unit": "hot"}
    )

    services.standard_version_update(
        version=version,
        actor=quality,
        title="Faster on site",
        change_summary="On site in 12 h.",
        body="1 New clause.",
        effective_from=date(2026, 2, 1),
        parameters=parameters,
    )

    stored = StandardVersion.objects.get(pk=version.pk)
    assert stored.title == "Faster on site"
    assert stored.change_summary == "On site in 12 h."
    assert stored.body == "1 New clause."
    assert stored.effective_from == date(2026, 2, 1)
    assert stored.parameters == parameters
    assert (stored.scope_category, stored.scope_unit) == ("tv", unit_tree["hot"])


def test_parameters_given_to_update_are_laid_over_the_drafts(service_doc, quality):
    version = draft(service_doc, author=quality, effective_from=date(2026, 1, 1))
    services.standard_version_update(
        version=version,
        actor=quality,
        parameters={"sla": {"onsite": {"urban": 12}}},
    )
    assert StandardVersion.objects.get(pk=version.pk).parameters == (
        service_parameters({"sla.onsite.urban": 12})
    )


def test_an_effective_version_is_never_edited(service_doc, quality, manager_user):
    version = effective(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 1, 1),
    )
    before = StandardVersion.objects.filter(pk=version.pk).values().get()

    with pytest.raises(DomainError, match="Only a draft can be edited"):
        services.standard_version_update(
            version=version,
            actor=quality,
            title="Sneaky",
            parameters=service_parameters({"sla.onsite.urban": 96}),
        )

    assert StandardVersion.objects.filter(pk=version.pk).values().get() == before


def test_editing_with_looser_parameters_changes_nothing(service_doc, quality):
    version = draft(service_doc, author=quality, effective_from=date(2026, 1, 1))
    before = StandardVersion.objects.filter(pk=version.pk).values().get()
    with pytest.raises(ValidationError) as excinfo:
        services.standard_version_update(
            version=version,
            actor=quality,
            title="Looser",
            parameters=service_parameters({"entitlement.repeat_repair_threshold": 3}),
        )
    assert list(excinfo.value.message_dict) == [
        "parameters.entitlement.repeat_repair_threshold"
    ]
    assert StandardVersion.objects.filter(pk=version.pk).values().get() == before


def test_status_and_approval_fields_cannot_be_edited(service_doc, quality):
    version = draft(service_doc, author=quality, effective_from=date(2026, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.standard_version_update(
            version=version, actor=quality, status=S.EFFECTIVE, approved_by=quality
        )
    assert sorted(excinfo.value.message_dict) == ["approved_by", "status"]
    assert StandardVersion.objects.get(pk=version.pk).status == S.DRAFT


def test_an_agent_cannot_edit_someone_elses_standard(service_doc, quality, agent_user):
    version = draft(service_doc, author=quality, effective_from=date(2026, 1, 1))
    with pytest.raises(PermissionDenied):
        services.standard_version_update(version=version, actor=agent_user, title="X")
    assert StandardVersion.objects.get(pk=version.pk).title == ""


def test_editing_a_draft_submitted_meanwhile_raises_stale_object(service_doc, quality):
    version = draft(service_doc, author=quality, effective_from=date(2026, 1, 1))
    StandardVersion.objects.filter(pk=version.pk).update(status=S.IN_REVIEW)

    with pytest.raises(StaleObject):
        services.standard_version_update(version=version, actor=quality, title="Late")

    stored = StandardVersion.objects.get(pk=version.pk)
    assert (stored.status, stored.title) == (S.IN_REVIEW, "")


# --- Lifecycle ---------------------------------------------------------------------------------


def test_submit_notifies_every_approver_but_the_author(
    service_doc, quality, quality2, manager_user, agent_user
):
    version = submitted(service_doc, author=quality, effective_from=date(2026, 1, 1))

    stored = StandardVersion.objects.get(pk=version.pk)
    assert stored.status == S.IN_REVIEW
    assert stored.submitted_at is not None
    title = "Q/ACME 001 version 1 awaits your approval"
    assert notifications("standard_review") == [("qian", title), ("wang", title)]


def test_approval_on_the_start_date_makes_the_version_effective_at_once(
    service_doc, quality, manager_user
):
    version = approved(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 3, 10),
        today=date(2026, 3, 10),
    )
    stored = StandardVersion.objects.get(pk=version.pk)
    assert stored.status == S.EFFECTIVE
    assert stored.approved_by == manager_user
    assert stored.approved_at is not None
    assert stored.activated_at is not None
    assert stored.effective_until is None
    assert notifications("standard_effective") == [
        ("zhao", "Q/ACME 001 version 1 is now effective")
    ]


def test_approval_after_the_start_date_supersedes_the_previous_version(
    service_doc, quality, quality2
):
    v1 = effective(
        service_doc, author=quality, approver=quality2, effective_from=date(2026, 1, 1)
    )
    v2 = approved(
        service_doc,
        author=quality,
        approver=quality2,
        effective_from=date(2026, 3, 1),
        today=date(2026, 3, 10),
    )

    assert statuses(service_doc) == [
        (1, S.SUPERSEDED, date(2026, 3, 1)),
        (2, S.EFFECTIVE, None),
    ]
    assert service_doc.versions.effective().get() == v2
    assert selectors.effective_version(document=service_doc) == v2
    assert v1.pk != v2.pk


def test_at_most_one_version_of_a_document_is_effective(service_doc, quality, quality2):
    for number, month in enumerate((1, 2, 3, 4), start=1):
        effective(
            service_doc,
            author=quality,
            approver=quality2,
            effective_from=date(2026, month, 1),
        )
        assert service_doc.versions.filter(status=S.EFFECTIVE).count() == 1
        assert service_doc.versions.effective().get().version == number
    assert statuses(service_doc) == [
        (1, S.SUPERSEDED, date(2026, 2, 1)),
        (2, S.SUPERSEDED, date(2026, 3, 1)),
        (3, S.SUPERSEDED, date(2026, 4, 1)),
        (4, S.EFFECTIVE, None),
    ]


def test_the_database_refuses_a_second_effective_version(service_doc, quality):
    StandardVersionFactory(document=service_doc, version=1, status=S.EFFECTIVE)
    with pytest.raises(IntegrityError), transaction.atomic():
        StandardVersionFactory(document=service_doc, version=2, status=S.EFFECTIVE)
    assert list(service_doc.versions.values_list("version", "status")) == [
        (1, S.EFFECTIVE)
    ]


def test_the_author_cannot_approve_their_own_version_even_as_quality_manager(
    service_doc, quality
):
    version = submitted(service_doc, author=quality, effective_from=date(2026, 1, 1))
    with pytest.raises(ActionForbidden, match="The author cannot approve"):
        services.standard_version_transition(
            version=version,
            action=VersionAction.APPROVE,
            actor=quality,
            today=date(2026, 1, 1),
        )
    stored = StandardVersion.objects.get(pk=version.pk)
    assert (stored.status, stored.approved_by, stored.approved_at) == (
        S.IN_REVIEW,
        None,
        None,
    )
    assert notifications("standard_effective") == []


def test_an_agent_cannot_approve(service_doc, quality, agent_user):
    version = submitted(service_doc, author=quality, effective_from=date(2026, 1, 1))
    with pytest.raises(ActionForbidden, match="Your role does not allow this step"):
        services.standard_version_transition(
            version=version,
            action=VersionAction.APPROVE,
            actor=agent_user,
            today=date(2026, 1, 1),
        )
    assert StandardVersion.objects.get(pk=version.pk).status == S.IN_REVIEW


def test_nobody_may_activate_a_version_by_hand(service_doc, quality, manager_user):
    version = approved(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 7, 1),
        today=date(2026, 6, 15),
    )
    with pytest.raises(ActionForbidden, match="automatically"):
        services.standard_version_transition(
            version=version,
            action=VersionAction.ACTIVATE,
            actor=manager_user,
            today=date(2026, 7, 1),
        )
    assert StandardVersion.objects.get(pk=version.pk).status == S.APPROVED


def test_a_draft_cannot_be_approved(service_doc, quality, manager_user):
    version = draft(service_doc, author=quality, effective_from=date(2026, 1, 1))
    with pytest.raises(
        DomainError, match="is not possible for a version that is Draft"
    ):
        services.standard_version_transition(
            version=version,
            action=VersionAction.APPROVE,
            actor=manager_user,
            today=date(2026, 1, 1),
        )
    assert StandardVersion.objects.get(pk=version.pk).status == S.DRAFT


def test_a_future_start_stays_approved_until_the_activation_sweep(
    service_doc, quality, manager_user
):
    v1 = effective(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 1, 1),
    )
    v2 = approved(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 7, 1),
        today=date(2026, 6, 15),
    )
    assert statuses(service_doc) == [
        (1, S.EFFECTIVE, None),
        (2, S.APPROVED, None),
    ]

    assert services.standard_activation_sweep(today=date(2026, 6, 30)) == 0
    assert StandardVersion.objects.get(pk=v2.pk).status == S.APPROVED

    assert services.standard_activation_sweep(today=date(2026, 7, 1)) == 1
    assert statuses(service_doc) == [
        (1, S.SUPERSEDED, date(2026, 7, 1)),
        (2, S.EFFECTIVE, None),
    ]
    assert services.standard_activation_sweep(today=date(2026, 7, 1)) == 0
    assert services.standard_activation_sweep(today=date(2026, 7, 2)) == 0

    runs = JobRun.objects.filter(name="standard_activation").order_by("pk")
    assert list(runs.values_list("status", "items", "errors")) == [
        ("succeeded", 0, 0),
        ("succeeded", 1, 0),
        ("succeeded", 0, 0),
        ("succeeded", 0, 0),
    ]
    assert all(run.finished_at is not None for run in runs)
    assert notifications("standard_effective") == [
        ("zhao", "Q/ACME 001 version 1 is now effective"),
        ("zhao", "Q/ACME 001 version 2 is now effective"),
    ]
    assert v1.pk != v2.pk


def test_activation_sweep_after_an_outage_activates_in_start_order(
    service_doc, quality, manager_user
):
    effective(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 1, 1),
    )
    for start in (date(2026, 6, 1), date(2026, 7, 1)):
        approved(
            service_doc,
            author=quality,
            approver=manager_user,
            effective_from=start,
            today=date(2026, 5, 1),
        )

    assert services.standard_activation_sweep(today=date(2026, 7, 2)) == 2

    assert statuses(service_doc) == [
        (1, S.SUPERSEDED, date(2026, 6, 1)),
        (2, S.SUPERSEDED, date(2026, 7, 1)),
        (3, S.EFFECTIVE, None),
    ]


@pytest.mark.parametrize("action", [VersionAction.RETURN, VersionAction.WITHDRAW])
@pytest.mark.parametrize("note", ["", "   "])
def test_return_and_withdraw_need_a_note(
    service_doc, quality, manager_user, action, note
):
    version = submitted(service_doc, author=quality, effective_from=date(2026, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.standard_version_transition(
            version=version, action=action, actor=manager_user, note=note
        )
    assert excinfo.value.message_dict == {"note": ["Say why."]}
    stored = StandardVersion.objects.get(pk=version.pk)
    assert (stored.status, stored.withdrawn_at, stored.status_note) == (
        S.IN_REVIEW,
        None,
        "",
    )
    assert notifications("standard_returned") == []


def test_return_to_draft_tells_the_author_why(service_doc, quality, manager_user):
    version = submitted(service_doc, author=quality, effective_from=date(2026, 1, 1))
    services.standard_version_transition(
        version=version,
        action=VersionAction.RETURN,
        actor=manager_user,
        note="Cite the 2024 regulation.",
    )
    stored = StandardVersion.objects.get(pk=version.pk)
    assert (stored.status, stored.status_note) == (S.DRAFT, "Cite the 2024 regulation.")
    returned = Notification.objects.get(kind="standard_returned")
    assert (returned.recipient, returned.title, returned.body) == (
        quality,
        "Q/ACME 001 version 1 was returned to draft",
        "Cite the 2024 regulation.",
    )


def test_withdraw_with_a_note_stamps_the_version(service_doc, quality, manager_user):
    version = submitted(service_doc, author=quality, effective_from=date(2026, 1, 1))
    services.standard_version_transition(
        version=version,
        action=VersionAction.WITHDRAW,
        actor=manager_user,
        note="Superseded by the new law.",
    )
    stored = StandardVersion.objects.get(pk=version.pk)
    assert (stored.status, stored.status_note) == (
        S.WITHDRAWN,
        "Superseded by the new law.",
    )
    assert stored.withdrawn_at is not None


def test_submitting_a_version_moved_meanwhile_raises_stale_object(service_doc, quality):
    version = draft(service_doc, author=quality, effective_from=date(2026, 1, 1))
    StandardVersion.objects.filter(pk=version.pk).update(status=S.IN_REVIEW)

    with pytest.raises(StaleObject):
        services.standard_version_transition(
            version=version, action=VersionAction.SUBMIT, actor=quality
        )

    stored = StandardVersion.objects.get(pk=version.pk)
    assert (stored.status, stored.submitted_at) == (S.IN_REVIEW, None)
    assert Notification.objects.count() == 0


def test_approving_a_version_withdrawn_meanwhile_raises_stale_object(
    service_doc, quality, manager_user
):
    version = submitted(service_doc, author=quality, effective_from=date(2026, 1, 1))
    notified = Notification.objects.count()
    StandardVersion.objects.filter(pk=version.pk).update(status=S.WITHDRAWN)

    with pytest.raises(StaleObject):
        services.standard_version_transition(
            version=version,
            action=VersionAction.APPROVE,
            actor=manager_user,
            today=date(2026, 1, 1),
        )

    stored = StandardVersion.objects.get(pk=version.pk)
    assert (stored.status, stored.approved_by, stored.activated_at) == (
        S.WITHDRAWN,
        None,
        None,
    )
    assert Notification.objects.count() == notified


# --- Review reminders (A25) --------------------------------------------------------------------

A25_TODAY = date(2026, 1, 10)


@pytest.fixture
def reviewed_version(service_doc, quality, manager_user):
    """The service standard approved 34 months before A25_TODAY (36-month cycle)."""
    start = services.add_months(A25_TODAY, -34)
    version = effective(
        service_doc, author=quality, approver=manager_user, effective_from=start
    )
    assert (start, version.next_review_due) == (date(2023, 3, 10), date(2026, 3, 10))
    return version


def test_a25_owner_is_reminded_once_60_days_before_the_review_date(reviewed_version):
    # 2026-01-10 is 59 days before the review date of 2026-03-10.
    assert services.standard_review_sweep(today=A25_TODAY) == 1
    assert services.standard_review_sweep(today=A25_TODAY) == 0
    assert services.standard_review_sweep(today=date(2026, 2, 1)) == 0

    assert notifications("standard_review_due") == [
        ("zhao", "Review Q/ACME 001 by 2026-03-10")
    ]
    assert StandardVersion.objects.get(pk=reviewed_version.pk).review_reminded_at
    assert OutboxMessage.objects.filter(to="zhao@example.com").count() == 1
    runs = JobRun.objects.filter(name="standard_review_reminders").order_by("pk")
    assert list(runs.values_list("status", "items")) == [
        ("succeeded", 1),
        ("succeeded", 0),
        ("succeeded", 0),
    ]


@pytest.mark.parametrize(
    ("today", "reminded"),
    [
        (date(2026, 1, 8), False),  # 61 days before
        (date(2026, 1, 9), True),  # 60 days before
    ],
)
def test_the_reminder_starts_exactly_60_days_before(reviewed_version, today, reminded):
    assert services.standard_review_sweep(today=today) == int(reminded)
    assert Notification.objects.filter(kind="standard_review_due").count() == int(
        reminded
    )


def test_a25_on_the_review_date_the_version_is_on_the_overdue_list(reviewed_version):
    services.standard_review_sweep(today=A25_TODAY)
    due = date(2026, 3, 10)

    assert list(selectors.reviews_overdue(today=date(2026, 3, 9))) == []
    assert list(selectors.reviews_due_soon(today=date(2026, 3, 9))) == [
        reviewed_version
    ]
    assert list(selectors.reviews_overdue(today=due)) == [reviewed_version]

    assert services.standard_review_sweep(today=due) == 1
    assert services.standard_review_sweep(today=date(2026, 3, 11)) == 0
    assert notifications("standard_review_overdue") == [
        ("zhao", "The review of Q/ACME 001 is overdue (due 2026-03-10)")
    ]
    assert Notification.objects.filter(kind="standard_review_due").count() == 1


def test_only_effective_versions_are_reviewed(service_doc, quality, manager_user):
    effective(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2023, 3, 10),
    )
    effective(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 1, 1),
    )
    assert services.standard_review_sweep(today=date(2026, 3, 10)) == 0
    assert list(selectors.reviews_overdue(today=date(2026, 3, 10))) == []
    assert Notification.objects.filter(kind__startswith="standard_review_").count() == 0


# --- Acknowledgements --------------------------------------------------------------------------


def test_staff_acknowledge_an_effective_version_once(
    service_doc, quality, manager_user, agent_user
):
    version = effective(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 1, 1),
    )
    first = services.acknowledgement_create(version=version, user=agent_user)
    second = services.acknowledgement_create(version=version, user=agent_user)
    assert first.pk == second.pk
    assert list(Acknowledgement.objects.values_list("version", "user")) == [
        (version.pk, agent_user.pk)
    ]


@pytest.mark.parametrize("state", ["draft", "in_review", "approved", "superseded"])
def test_only_an_effective_version_is_acknowledged(
    service_doc, quality, manager_user, agent_user, state
):
    if state == "superseded":
        version = effective(
            service_doc,
            author=quality,
            approver=manager_user,
            effective_from=date(2026, 1, 1),
        )
        effective(
            service_doc,
            author=quality,
            approver=manager_user,
            effective_from=date(2026, 2, 1),
        )
        version.refresh_from_db()
    elif state == "approved":
        version = approved(
            service_doc,
            author=quality,
            approver=manager_user,
            effective_from=date(2026, 7, 1),
            today=date(2026, 6, 1),
        )
    elif state == "in_review":
        version = submitted(
            service_doc, author=quality, effective_from=date(2026, 1, 1)
        )
    else:
        version = draft(service_doc, author=quality, effective_from=date(2026, 1, 1))
    assert version.status == state

    with pytest.raises(DomainError, match="Only an effective version is acknowledged"):
        services.acknowledgement_create(version=version, user=agent_user)
    assert Acknowledgement.objects.count() == 0


def test_customers_do_not_acknowledge_standards(
    service_doc, quality, manager_user, customer_user
):
    version = effective(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 1, 1),
    )
    with pytest.raises(PermissionDenied):
        services.acknowledgement_create(version=version, user=customer_user)
    assert Acknowledgement.objects.count() == 0


# --- Change requests ---------------------------------------------------------------------------


@pytest.fixture
def change_request(service_doc, agent_user):
    return services.change_request_raise(
        document=service_doc,
        actor=agent_user,
        title="Offer evening installation slots",
        proposed_change="Add 18:00-21:00 appointments on weekdays.",
        rationale="Customers asked for evening slots in follow-up calls.",
        evidence_links=["  Follow-up comments, Q3 ", "", "   "],
    )


def test_staff_raise_a_change_request_with_evidence(change_request, agent_user):
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert stored.status == ChangeRequest.Status.OPEN
    assert stored.raised_by == agent_user
    assert stored.evidence_links == ["Follow-up comments, Q3"]
    assert (stored.decided_by, stored.decided_at, stored.decision_note) == (
        None,
        None,
        "",
    )


def test_customers_cannot_raise_change_requests(service_doc, customer_user):
    with pytest.raises(PermissionDenied):
        services.change_request_raise(
            document=service_doc,
            actor=customer_user,
            title="Cheaper",
            proposed_change="Free everything.",
            rationale="Why not.",
        )
    assert ChangeRequest.objects.count() == 0


def test_a_change_request_needs_a_title(service_doc, agent_user):
    with pytest.raises(ValidationError) as excinfo:
        services.change_request_raise(
            document=service_doc,
            actor=agent_user,
            title="",
            proposed_change="Add slots.",
            rationale="Asked for.",
        )
    assert list(excinfo.value.message_dict) == ["title"]
    assert ChangeRequest.objects.count() == 0


@pytest.mark.parametrize("decider", ["agent_user", "supervisor_user"])
def test_only_approvers_decide_change_requests(change_request, request, decider):
    with pytest.raises(PermissionDenied):
        services.change_request_decide(
            change_request=change_request,
            actor=request.getfixturevalue(decider),
            accept=True,
            note="Fine by me.",
        )
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.status, stored.decided_by) == (ChangeRequest.Status.OPEN, None)
    assert notifications("change_request_decided") == []


def test_a_decision_needs_a_note(change_request, manager_user):
    with pytest.raises(ValidationError) as excinfo:
        services.change_request_decide(
            change_request=change_request, actor=manager_user, accept=False, note=" "
        )
    assert excinfo.value.message_dict == {
        "note": ["Record the reason for the decision."]
    }
    assert ChangeRequest.objects.get(pk=change_request.pk).status == "open"
    assert notifications("change_request_decided") == []


def test_a_decision_is_recorded_and_the_raiser_told(change_request, manager_user):
    decided = services.change_request_decide(
        change_request=change_request,
        actor=manager_user,
        accept=False,
        note="Installers do not work evenings.",
    )
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert stored.status == ChangeRequest.Status.REJECTED
    assert (stored.decided_by, stored.decision_note) == (
        manager_user,
        "Installers do not work evenings.",
    )
    assert stored.decided_at is not None
    assert decided.status == ChangeRequest.Status.REJECTED
    assert notifications("change_request_decided") == [
        ("li", "Your change request “Offer evening installation slots” was Rejected")
    ]


def test_deciding_twice_raises_stale_object(change_request, manager_user, quality2):
    services.change_request_decide(
        change_request=change_request, actor=manager_user, accept=True, note="Yes."
    )
    with pytest.raises(StaleObject, match="already been decided"):
        services.change_request_decide(
            change_request=change_request, actor=quality2, accept=False, note="No."
        )
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.status, stored.decided_by, stored.decision_note) == (
        ChangeRequest.Status.ACCEPTED,
        manager_user,
        "Yes.",
    )
    assert Notification.objects.filter(kind="change_request_decided").count() == 1


def test_change_request_decided_is_sent_after_commit(
    change_request, manager_user, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, change_request, **kwargs):
        received.append((sender, change_request.pk, change_request.status))

    change_request_decided.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.change_request_decide(
                change_request=change_request,
                actor=manager_user,
                accept=True,
                note="Pilot in Shanghai.",
            )
            assert received == []  # not before the commit
        assert len(callbacks) == 1
    finally:
        change_request_decided.disconnect(receiver)
    assert received == [(ChangeRequest, change_request.pk, "accepted")]


def test_no_signal_when_the_decision_is_refused(
    change_request, agent_user, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, **kwargs):
        received.append(sender)

    change_request_decided.connect(receiver)
    try:
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(PermissionDenied),
        ):
            services.change_request_decide(
                change_request=change_request, actor=agent_user, accept=True, note="x"
            )
    finally:
        change_request_decided.disconnect(receiver)
    assert callbacks == []
    assert received == []


def test_an_accepted_request_is_implemented_when_its_version_becomes_effective(
    service_doc, quality, manager_user, agent_user, change_request
):
    effective(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 1, 1),
    )
    services.change_request_decide(
        change_request=change_request, actor=manager_user, accept=True, note="Yes."
    )
    still_open = services.change_request_raise(
        document=service_doc,
        actor=agent_user,
        title="Open one",
        proposed_change="Something.",
        rationale="Reasons.",
    )

    v2 = approved(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 7, 1),
        today=date(2026, 6, 1),
        change_summary="Evening slots.",
        implements=[change_request, still_open],
    )
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.status, stored.implemented_by) == (ChangeRequest.Status.ACCEPTED, v2)
    assert ChangeRequest.objects.get(pk=still_open.pk).implemented_by is None

    services.standard_activation_sweep(today=date(2026, 7, 1))

    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.status, stored.implemented_by) == (
        ChangeRequest.Status.IMPLEMENTED,
        v2,
    )
    assert ChangeRequest.objects.get(pk=still_open.pk).status == "open"


def test_a_rejected_request_is_never_implemented(
    service_doc, quality, manager_user, change_request
):
    services.change_request_decide(
        change_request=change_request, actor=manager_user, accept=False, note="No."
    )
    effective(
        service_doc,
        author=quality,
        approver=manager_user,
        effective_from=date(2026, 1, 1),
        implements=[change_request],
    )
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.status, stored.implemented_by) == (
        ChangeRequest.Status.REJECTED,
        None,
    )


# --- Business calendar -------------------------------------------------------------------------


def test_business_calendar_is_created_and_then_replaced_per_unit(
    manager_user, quality, unit_tree
):
    services.business_calendar_save(
        actor=manager_user,
        unit=None,
        name="Office hours",
        day_start=time(9),
        day_end=time(18),
        workdays=[4, 0, 1, 2, 3, 3],
    )
    services.business_calendar_save(
        actor=manager_user,
        unit=unit_tree["hot"],
        name="Hotline",
        day_start=time(8),
        day_end=time(20),
        workdays=list(range(7)),
        follows_statutory_holidays=False,
    )
    services.business_calendar_save(
        actor=quality,
        unit=None,
        name="Office hours (summer)",
        day_start=time(8, 30),
        day_end=time(17, 30),
        workdays=[0, 1, 2, 3, 4],
    )

    rows = BusinessCalendar.objects.order_by("name").values_list(
        "unit__code",
        "name",
        "day_start",
        "day_end",
        "workdays",
        "follows_statutory_holidays",
    )
    assert list(rows) == [
        ("hot", "Hotline", time(8), time(20), [0, 1, 2, 3, 4, 5, 6], False),
        (
            None,
            "Office hours (summer)",
            time(8, 30),
            time(17, 30),
            [0, 1, 2, 3, 4],
            True,
        ),
    ]


def test_agents_cannot_change_working_hours(agent_user, unit_tree):
    with pytest.raises(PermissionDenied):
        services.business_calendar_save(
            actor=agent_user,
            unit=unit_tree["hot"],
            name="Mine",
            day_start=time(9),
            day_end=time(18),
            workdays=[0],
        )
    assert BusinessCalendar.objects.count() == 0


def test_a_working_day_must_end_after_it_starts(manager_user):
    with pytest.raises(ValidationError) as excinfo:
        services.business_calendar_save(
            actor=manager_user,
            unit=None,
            name="Backwards",
            day_start=time(18),
            day_end=time(9),
            workdays=[0, 1, 2, 3, 4],
        )
    assert list(excinfo.value.message_dict) == ["day_end"]
    assert BusinessCalendar.objects.count() == 0


def test_setting_the_same_day_again_replaces_the_override(quality, unit_tree):
    services.calendar_override_set(
        actor=quality, day=date(2026, 3, 4), is_working=False, name="Company outing"
    )
    services.calendar_override_set(
        actor=quality, day=date(2026, 3, 4), is_working=True, name="Stock-taking"
    )
    services.calendar_override_set(
        actor=quality,
        day=date(2026, 3, 4),
        is_working=False,
        name="Hotline training",
        unit=unit_tree["hot"],
    )
    rows = CalendarOverride.objects.order_by("unit").values_list(
        "day", "unit__code", "is_working", "name"
    )
    assert sorted(rows, key=lambda row: row[1] or "") == [
        (date(2026, 3, 4), None, True, "Stock-taking"),
        (date(2026, 3, 4), "hot", False, "Hotline training"),
    ]


def test_agents_cannot_set_or_delete_overrides(quality, agent_user):
    override = services.calendar_override_set(
        actor=quality, day=date(2026, 3, 4), is_working=False, name="Outing"
    )
    with pytest.raises(PermissionDenied):
        services.calendar_override_set(
            actor=agent_user, day=date(2026, 3, 5), is_working=False, name="Mine"
        )
    with pytest.raises(PermissionDenied):
        services.calendar_override_delete(actor=agent_user, override=override)
    assert list(CalendarOverride.objects.values_list("day", flat=True)) == [
        date(2026, 3, 4)
    ]


def test_an_override_is_deleted(quality):
    override = services.calendar_override_set(
        actor=quality, day=date(2026, 3, 4), is_working=False, name="Outing"
    )
    services.calendar_override_delete(actor=quality, override=override)
    assert CalendarOverride.objects.count() == 0


# --- Calendar coverage -------------------------------------------------------------------------


@pytest.fixture
def calendar_keepers(quality, quality2, agent_user):
    """Who is told about missing holidays: quality managers and administrators only."""
    admin = UserFactory(username="ada", roles=["admin"])
    UserFactory(username="gone", roles=["quality_manager"], is_active=False)
    return [quality, quality2, admin]


@pytest.mark.parametrize(
    "today", [date(2026, 11, 28), date(2099, 6, 1)], ids=["this-year", "far-future"]
)
def test_coverage_check_returns_the_missing_years_and_notifies_once_per_year(
    calendar_keepers, today
):
    expected = business_calendar.missing_years([today.year, today.year + 1])

    assert services.calendar_coverage_check(today=today) == expected
    assert services.calendar_coverage_check(today=today) == expected

    keys = sorted(
        Notification.objects.filter(kind="calendar_missing_year").values_list(
            "recipient__username", "key"
        )
    )
    assert keys == sorted(
        (person.username, f"calendar-missing:{year}:{person.pk}")
        for year in expected
        for person in calendar_keepers
    )
    runs = JobRun.objects.filter(name="calendar_coverage").order_by("pk")
    detail = ", ".join(str(year) for year in expected)
    assert (
        list(runs.values_list("status", "items", "detail"))
        == [("succeeded", len(expected), detail)] * 2
    )


def test_far_future_years_are_missing():
    assert business_calendar.missing_years([2099, 2100]) == [2099, 2100]


def test_a_covered_year_is_not_reported(calendar_keepers):
    today = date(max(business_calendar.supported_years()) - 1, 6, 1)
    assert services.calendar_coverage_check(today=today) == []
    assert Notification.objects.filter(kind="calendar_missing_year").count() == 0
    assert JobRun.objects.get(name="calendar_coverage").detail == ""


def test_company_holidays_entered_as_overrides_cover_a_missing_year(
    calendar_keepers, quality, unit_tree
):
    for day in range(1, 14):  # the statutory number of public holidays, entered by hand
        services.calendar_override_set(
            actor=quality, day=date(2099, 10, day), is_working=False, name="Holiday"
        )
    services.calendar_override_set(
        actor=quality,
        day=date(2100, 10, 1),
        is_working=False,
        name="Workshop day off",
        unit=unit_tree["ws"],
    )
    assert services.calendar_coverage_check(today=date(2099, 6, 1)) == [2100]
    assert sorted(
        Notification.objects.filter(kind="calendar_missing_year").values_list(
            "key", flat=True
        )
    ) == sorted(f"calendar-missing:2100:{p.pk}" for p in calendar_keepers)


def test_one_company_day_off_does_not_cover_a_missing_year(calendar_keepers, quality):
    services.calendar_override_set(
        actor=quality, day=date(2099, 5, 2), is_working=False, name="Company outing"
    )
    assert services.calendar_coverage_check(today=date(2099, 6, 1)) == [2099, 2100]


# --- Seeded data and demo ----------------------------------------------------------------------


def test_the_legal_rule_sets_are_seeded_by_migration():
    assert sorted(LegalRuleSet.objects.values_list("code", "version", "is_active")) == [
        ("cn-consumer-law-2013", 1, True),
        ("cn-consumer-regulation-2024", 1, True),
        ("cn-sanbao-1995", 1, True),
        ("cn-vehicles-2021", 1, True),
    ]
    for data in LEGAL_RULE_SETS:
        row = LegalRuleSet.objects.get(code=data["code"])
        assert (row.name, row.effective_from) == (data["name"], data["effective_from"])
        assert row.parameters == data["parameters"]
        assert row.citations == data["citations"]


def test_legal_rule_sets_for_validation_gives_the_newest_active_version_per_code():
    LegalRuleSet.objects.create(
        code="cn-sanbao-1995",
        version=2,
        name="Sanbao, draft revision",
        name_zh="三包（修订稿）",
        source="draft",
        effective_from=date(2027, 1, 1),
        parameters={"return_window_days": 15},
        is_active=False,
    )
    sets = selectors.legal_rule_sets_for_validation()
    assert sorted(sets) == [
        "cn-consumer-law-2013",
        "cn-consumer-regulation-2024",
        "cn-sanbao-1995",
        "cn-vehicles-2021",
    ]
    assert sets["cn-sanbao-1995"]["name"] == (
        "Household goods repair, exchange and return (三包) provisions 1995"
    )
    assert sets["cn-sanbao-1995"]["parameters"]["return_window_days"] == 7


def model_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            StandardDocument,
            StandardVersion,
            ChangeRequest,
            Acknowledgement,
            BusinessCalendar,
            CalendarOverride,
            Notification,
            OutboxMessage,
        )
    }


@time_machine.travel(datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_demo_standards_load_is_idempotent():
    aftersales_demo.load()
    standards_demo.load()
    first = model_counts()
    aftersales_demo.load()
    standards_demo.load()

    assert model_counts() == first
    assert first["StandardDocument"] == 5
    assert first["ChangeRequest"] == 1
    assert first["Acknowledgement"] == 3
    assert first["BusinessCalendar"] == 2
    service = StandardDocument.objects.get(code="Q/ACME 001")
    assert statuses(service) == [
        (1, S.SUPERSEDED, date(2024, 1, 15)),
        (2, S.EFFECTIVE, None),
        (3, S.IN_REVIEW, None),
    ]
    assert StandardVersion.objects.filter(status=S.EFFECTIVE).count() == 5
    assert sorted(
        Notification.objects.filter(kind__startswith="standard_review_").values_list(
            "kind", "title"
        )
    ) == [
        ("standard_review_due", "Review Q/ACME 001 by 2027-01-15"),
        ("standard_review_due", "Review Q/ACME 401 by 2026-06-01"),
        (
            "standard_review_overdue",
            "The review of Q/ACME 401 is overdue (due 2026-06-01)",
        ),
    ]
