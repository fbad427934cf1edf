"""Factories and service-driven builders of the standards app.

The factories set rows up directly (minimal valid defaults); use them only where the path to a
state does not matter (lists, query counts). Lifecycle states that a test is about are reached
through the services with the `draft`, `submitted`, `approved` and `effective` builders.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import factory

from aftersales.models import User
from standards import services
from standards.models import ChangeRequest, StandardDocument, StandardVersion
from standards.parameters import DEFAULT_SERVICE_PARAMETERS, set_path
from standards.workflow import VersionAction, VersionStatus
from tests.aftersales.factories import UnitFactory, UserFactory


class StandardDocumentFactory(factory.django.DjangoModelFactory):
    """A work standard owned by a quality manager of a fresh unit."""

    code = factory.Sequence(lambda n: f"Q/TEST {n:03d}")
    title = factory.Sequence(lambda n: f"Standard {n}")
    kind = StandardDocument.Kind.WORK
    owner_unit = factory.SubFactory(UnitFactory)
    owner = factory.SubFactory(UserFactory, roles=["quality_manager"])

    class Meta:
        model = StandardDocument


class StandardVersionFactory(factory.django.DjangoModelFactory):
    """A version row as given (status set directly: only for unrelated behaviour)."""

    document = factory.SubFactory(StandardDocumentFactory)
    version = factory.Sequence(lambda n: n + 1)
    status = VersionStatus.DRAFT
    effective_from = date(2026, 1, 1)
    next_review_due = date(2029, 1, 1)
    parameters = factory.LazyFunction(dict)
    author = factory.SelfAttribute("document.owner")

    class Meta:
        model = StandardVersion


class ChangeRequestFactory(factory.django.DjangoModelFactory):
    """An open change request raised by the document's owner."""

    document = factory.SubFactory(StandardDocumentFactory)
    title = factory.Sequence(lambda n: f"Change {n}")
    proposed_change = "Change the clause."
    rationale = "Customers asked for it."
    raised_by = factory.SelfAttribute("document.owner")

    class Meta:
        model = ChangeRequest


# --- Builders that go through the services ------------------------------------------------------


def service_parameters(changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A deep copy of the seeded company standard's parameters with `{path: value}` changes."""
    parameters = copy.deepcopy(DEFAULT_SERVICE_PARAMETERS)
    for path, value in (changes or {}).items():
        set_path(parameters, path, value)
    return parameters


def document(
    *,
    actor: User,
    owner: User,
    owner_unit,
    code: str = "Q/ACME 001",
    kind: str = StandardDocument.Kind.SERVICE,
    title: str = "After-sales service standard",
) -> StandardDocument:
    """A standard document created by `actor` through the service."""
    return services.standard_document_create(
        actor=actor,
        code=code,
        title=title,
        kind=kind,
        owner_unit=owner_unit,
        owner=owner,
    )


def draft(
    doc: StandardDocument, *, author: User, effective_from: date, **fields: Any
) -> StandardVersion:
    """A new draft of `doc` by `author`."""
    return services.standard_version_draft(
        document=doc, actor=author, effective_from=effective_from, **fields
    )


def submitted(
    doc: StandardDocument, *, author: User, effective_from: date, **fields: Any
) -> StandardVersion:
    """A new version of `doc`, drafted and submitted for review by `author`."""
    version = draft(doc, author=author, effective_from=effective_from, **fields)
    return services.standard_version_transition(
        version=version, action=VersionAction.SUBMIT, actor=author
    )


def approved(
    doc: StandardDocument,
    *,
    author: User,
    approver: User,
    effective_from: date,
    today: date,
    **fields: Any,
) -> StandardVersion:
    """A version submitted by `author` and approved by `approver` on `today` (effective at
    once when `effective_from <= today`)."""
    version = submitted(doc, author=author, effective_from=effective_from, **fields)
    return services.standard_version_transition(
        version=version, action=VersionAction.APPROVE, actor=approver, today=today
    )


def effective(
    doc: StandardDocument,
    *,
    author: User,
    approver: User,
    effective_from: date,
    **fields: Any,
) -> StandardVersion:
    """A version in force from `effective_from`, approved on that day."""
    version = approved(
        doc,
        author=author,
        approver=approver,
        effective_from=effective_from,
        today=effective_from,
        **fields,
    )
    assert version.status == VersionStatus.EFFECTIVE
    return version
