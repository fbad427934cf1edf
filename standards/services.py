"""Writes of the standards app: documents, versions and their lifecycle, acknowledgements,
change requests, the business calendar, and the daily jobs (activation, review reminders,
calendar coverage)."""

from __future__ import annotations

import calendar as pycalendar
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales import permissions
from aftersales.exceptions import DomainError, StaleObject
from aftersales.models import Unit, User
from aftersales.services import job_run, notify
from standards import assessment as assessment_arithmetic
from standards import calendar as business_calendar
from standards import parameters as params
from standards import selectors, workflow
from standards.legal_data import LEGAL_RULE_SETS
from standards.models import (
    Acknowledgement,
    Assessment,
    AssessmentFramework,
    AssessmentIndicator,
    AssessmentScore,
    BusinessCalendar,
    CalendarOverride,
    ChangeRequest,
    CorrectiveAction,
    LegalRuleSet,
    StandardDocument,
    StandardVersion,
)
from standards.signals import change_request_decided
from standards.workflow import VersionAction, VersionStatus

REVIEW_CYCLE_MONTHS = 36  # domain §4: default review cycle of a version
REVIEW_REMINDER_DAYS = (
    60  # domain §4: owners are reminded this long before the review date
)
# Public holidays a year under the State Council's rules (13 days from 2025): fewer company
# days off than this for a year the holiday package lacks means that year is not entered yet.
STATUTORY_HOLIDAYS_PER_YEAR = 13


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


def _require_editor(actor: User, document: StandardDocument) -> None:
    if not (permissions.can_edit_standards(actor) or document.owner_id == actor.pk):
        raise PermissionDenied(
            _("Only quality managers, managers or the standard's owner may do this.")
        )


# --- Legal rule sets -------------------------------------------------------------------------


@transaction.atomic
def legal_rule_sets_seed() -> int:
    """Make sure the seeded legal rule sets exist (the data migration's work, repeatable for
    databases that were emptied, e.g. by transactional tests). Returns how many were created."""
    created = 0
    for data in LEGAL_RULE_SETS:
        _rule_set, was_created = LegalRuleSet.objects.get_or_create(
            code=data["code"], version=data["version"], defaults=data
        )
        created += was_created
    return created


# --- Documents and versions ----------------------------------------------------------------------


@transaction.atomic
def standard_document_create(
    *,
    actor: User,
    code: str,
    title: str,
    kind: str,
    owner_unit: Unit,
    owner: User,
    description: str = "",
) -> StandardDocument:
    """Create a standard document (quality managers and managers)."""
    if not permissions.can_edit_standards(actor):
        raise PermissionDenied(
            _("Only quality managers and managers create standards.")
        )
    document = StandardDocument(
        code=code,
        title=title,
        kind=kind,
        owner_unit=owner_unit,
        owner=owner,
        description=description,
    )
    document.full_clean()
    document.save()
    return document


def _validate_version_parameters(document: StandardDocument, parameters: Any) -> dict:
    """Service standards: schema + legal floor (ValidationError keyed `parameters.<path>`).
    Other kinds: any JSON object."""
    if not isinstance(parameters, dict):
        raise ValidationError({"parameters": [_("Parameters must be an object.")]})
    if document.kind != StandardDocument.Kind.SERVICE:
        return parameters
    errors = params.validate_service_parameters(
        parameters, legal_rule_sets=selectors.legal_rule_sets_for_validation()
    )
    if errors:
        raise ValidationError(
            {f"parameters.{path}": messages for path, messages in errors.items()}
        )
    return parameters


def _scope_columns(document: StandardDocument, parameters: dict) -> dict:
    if document.kind != StandardDocument.Kind.SERVICE:
        return {"scope_category": "", "scope_channel": "", "scope_unit": None}
    unit_code = params.get_path(parameters, "scope.unit") or ""
    unit = None
    if unit_code:
        try:
            unit = Unit.objects.get(code=unit_code)
        except Unit.DoesNotExist:
            raise ValidationError(
                {
                    "parameters.scope.unit": [
                        _("No unit has the code “%(code)s”.") % {"code": unit_code}
                    ]
                }
            ) from None
    return {
        "scope_category": params.get_path(parameters, "scope.category") or "",
        "scope_channel": params.get_path(parameters, "scope.channel") or "",
        "scope_unit": unit,
    }


@transaction.atomic
def standard_version_draft(
    *,
    document: StandardDocument,
    actor: User,
    effective_from: date,
    parameters: dict | None = None,
    title: str = "",
    change_summary: str = "",
    body: str | None = None,
    next_review_due: date | None = None,
    implements: list[ChangeRequest] | None = None,
) -> StandardVersion:
    """Draft the next version of a standard.

    Parameters and clauses start from those of the newest version (for a first service
    standard, the company defaults), so a revision starts from what is in force; the given
    `parameters` are laid over them key by key. Service-standard parameters are validated
    against the schema and the linked legal rule set. Cited change requests record this
    version as their implementation.
    """
    _require_editor(actor, document)
    previous = document.versions.order_by("-version").first()
    base = dict(previous.parameters) if previous else {}
    if document.kind == StandardDocument.Kind.SERVICE and not base:
        base = params.DEFAULT_SERVICE_PARAMETERS
    if parameters is not None and not isinstance(parameters, dict):
        raise ValidationError({"parameters": [_("Parameters must be an object.")]})
    parameters = _validate_version_parameters(
        document, params.merge(base, parameters or {})
    )
    number = (document.versions.aggregate(n=Max("version"))["n"] or 0) + 1
    version = StandardVersion(
        document=document,
        version=number,
        title=title,
        effective_from=effective_from,
        next_review_due=next_review_due
        or add_months(effective_from, REVIEW_CYCLE_MONTHS),
        change_summary=change_summary,
        body=body if body is not None else (previous.body if previous else ""),
        parameters=parameters,
        author=actor,
        **_scope_columns(document, parameters),
    )
    version.full_clean(exclude=["parameters"])
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError as exc:  # two drafts of the same number at once
        raise StaleObject() from exc
    if implements:
        ChangeRequest.objects.filter(
            pk__in=[cr.pk for cr in implements],
            document=document,
            status=ChangeRequest.Status.ACCEPTED,
        ).update(implemented_by=version)
    return version


@transaction.atomic
def standard_version_update(
    *, version: StandardVersion, actor: User, **fields: Any
) -> StandardVersion:
    """Change a draft (title, dates, summary, clauses; `parameters` are laid over the
    draft's key by key). Never an effective one."""
    _require_editor(actor, version.document)
    allowed = {
        "title",
        "effective_from",
        "next_review_due",
        "change_summary",
        "body",
        "parameters",
    }
    if unknown := set(fields) - allowed:
        raise ValidationError(
            {name: [_("This field cannot be changed.")] for name in unknown}
        )
    if not workflow.is_editable(version.status):
        raise DomainError(
            _("Only a draft can be edited; to change this version, draft a new one.")
        )
    if "parameters" in fields:
        if not isinstance(fields["parameters"], dict):
            raise ValidationError({"parameters": [_("Parameters must be an object.")]})
        fields["parameters"] = _validate_version_parameters(
            version.document, params.merge(version.parameters, fields["parameters"])
        )
        fields.update(_scope_columns(version.document, fields["parameters"]))
    moved = fields.get("effective_from")
    if (
        moved
        and "next_review_due" not in fields
        and version.next_review_due
        == add_months(version.effective_from, REVIEW_CYCLE_MONTHS)
    ):
        fields["next_review_due"] = add_months(
            moved, REVIEW_CYCLE_MONTHS
        )  # keep the default
    for name, value in fields.items():
        setattr(version, name, value)
    version.full_clean(exclude=["parameters"])
    updated = StandardVersion.objects.filter(
        pk=version.pk, status=VersionStatus.DRAFT
    ).update(**fields)
    if not updated:
        raise StaleObject()
    return version


def _set_status(version: StandardVersion, target: VersionStatus, **stamps: Any) -> None:
    """Compare-and-set the status; StaleObject when someone moved the version first."""
    updated = StandardVersion.objects.filter(
        pk=version.pk, status=version.status
    ).update(status=target, **stamps)
    if not updated:
        raise StaleObject()
    version.status = target
    for name, value in stamps.items():
        setattr(version, name, value)


def _activate(version: StandardVersion, *, now) -> None:
    """approved → effective; the document's previous effective version is superseded on the
    same day (its `effective_until` is the new version's start)."""
    workflow.check(version.status, VersionStatus.EFFECTIVE, roles=None)
    StandardVersion.objects.filter(
        document_id=version.document_id, status=VersionStatus.EFFECTIVE
    ).exclude(pk=version.pk).update(
        status=VersionStatus.SUPERSEDED, effective_until=version.effective_from
    )
    _set_status(version, VersionStatus.EFFECTIVE, activated_at=now)
    ChangeRequest.objects.filter(
        implemented_by=version, status=ChangeRequest.Status.ACCEPTED
    ).update(status=ChangeRequest.Status.IMPLEMENTED)
    document = version.document
    notify(
        recipient=document.owner,
        kind="standard_effective",
        key=f"standard-effective:{version.pk}",
        title=_("%(standard)s version %(version)s is now effective"),
        title_params={"standard": document.code, "version": version.version},
        url=version.get_absolute_url(),
    )


@transaction.atomic
def standard_version_transition(
    *,
    version: StandardVersion,
    action: str,
    actor: User,
    note: str = "",
    today: date | None = None,
) -> StandardVersion:
    """Fire a lifecycle action (submit, return, approve, withdraw) as `actor`.

    Approval is a quality manager's or a manager's, never the author's alone. Approving a
    version whose start date is today or earlier makes it effective at once and supersedes
    the previous version; later dates are activated by the daily job.
    """
    now = timezone.now()
    today = today or timezone.localdate(now)
    target = workflow.target_of(version.status, action)
    workflow.check(
        version.status,
        target,
        roles=set(actor.role_names),
        is_author=version.author_id == actor.pk,
    )
    if action in {VersionAction.RETURN, VersionAction.WITHDRAW} and not note.strip():
        raise ValidationError({"note": [_("Say why.")]})
    stamps: dict[str, Any] = {"status_note": note}
    if action == VersionAction.SUBMIT:
        stamps["submitted_at"] = now
    elif action == VersionAction.APPROVE:
        stamps.update(approved_by=actor, approved_at=now)
    elif action == VersionAction.WITHDRAW:
        stamps["withdrawn_at"] = now
    _set_status(version, target, **stamps)
    document = version.document
    if action == VersionAction.SUBMIT:
        for approver in selectors.standard_approvers(exclude=version.author_id):
            notify(
                recipient=approver,
                kind="standard_review",
                key=f"standard-submitted:{version.pk}:{approver.pk}:{version.submitted_at.timestamp()}",
                title=_("%(standard)s version %(version)s awaits your approval"),
                title_params={"standard": document.code, "version": version.version},
                url=version.get_absolute_url(),
            )
    elif action == VersionAction.APPROVE and version.effective_from <= today:
        _activate(version, now=now)
    elif action == VersionAction.RETURN:
        notify(
            recipient=version.author,
            kind="standard_returned",
            key=f"standard-returned:{version.pk}:{now.timestamp()}",
            title=_("%(standard)s version %(version)s was returned to draft"),
            title_params={"standard": document.code, "version": version.version},
            body=note,
            url=version.get_absolute_url(),
        )
    return version


def standard_activation_sweep(*, today: date) -> int:
    """Daily: make approved versions whose start date has come effective (idempotent; only
    due rows are touched). Returns how many became effective."""
    with job_run("standard_activation") as run:
        due = StandardVersion.objects.filter(
            status=VersionStatus.APPROVED, effective_from__lte=today
        ).select_related("document__owner")
        for version in due.order_by("effective_from", "version"):
            try:
                with transaction.atomic():
                    _activate(version, now=timezone.now())
                run.items += 1
            except StaleObject:
                continue  # another run activated it first
    return run.items


def _notify_review_once(
    version: StandardVersion, *, stamp: str, kind: str, title, title_params=None
) -> bool:
    """Stamp `stamp` on the version (compare-and-set) and tell its owner, once."""
    with transaction.atomic():
        if not StandardVersion.objects.filter(
            pk=version.pk, **{f"{stamp}__isnull": True}
        ).update(**{stamp: timezone.now()}):
            return False
        notify(
            recipient=version.document.owner,
            kind=kind,
            key=f"{kind}:{version.pk}",
            title=title,
            title_params=title_params,
            url=version.get_absolute_url(),
            email=True,
        )
    return True


def standard_review_sweep(*, today: date) -> int:
    """Daily: remind owners 60 days before a version's review date, and once more when it is
    overdue (domain §4, A25). Each reminder happens once (stamped on the version). Returns the
    reminders sent."""
    with job_run("standard_review_reminders") as run:
        horizon = date.fromordinal(today.toordinal() + REVIEW_REMINDER_DAYS)
        soon = StandardVersion.objects.effective().filter(
            next_review_due__lte=horizon, review_reminded_at__isnull=True
        )
        for version in soon.select_related("document__owner"):
            run.items += _notify_review_once(
                version,
                stamp="review_reminded_at",
                kind="standard_review_due",
                title=_("Review %(standard)s by %(date)s"),
                title_params={
                    "standard": version.document.code,
                    "date": version.next_review_due,
                },
            )
        overdue = StandardVersion.objects.review_due_by(today).filter(
            review_overdue_notified_at__isnull=True
        )
        for version in overdue.select_related("document__owner"):
            run.items += _notify_review_once(
                version,
                stamp="review_overdue_notified_at",
                kind="standard_review_overdue",
                title=_("The review of %(standard)s is overdue (due %(date)s)")
                % {"standard": version.document.code, "date": version.next_review_due},
            )
    return run.items


# --- Acknowledgements and change requests ---------------------------------------------


@transaction.atomic
def acknowledgement_create(*, version: StandardVersion, user: User) -> Acknowledgement:
    """Record that `user` has read an effective version (once)."""
    if version.status != VersionStatus.EFFECTIVE:
        raise DomainError(_("Only an effective version is acknowledged."))
    if not user.is_staff_member:
        raise PermissionDenied(_("Only staff acknowledge standards."))
    acknowledgement, _created = Acknowledgement.objects.get_or_create(
        version=version, user=user
    )
    return acknowledgement


@transaction.atomic
def change_request_raise(
    *,
    document: StandardDocument,
    actor: User,
    title: str,
    proposed_change: str,
    rationale: str,
    evidence_links: list[str] | None = None,
) -> ChangeRequest:
    """Anyone on staff may propose a change to a standard, with rationale and evidence."""
    if not actor.is_staff_member:
        raise PermissionDenied(_("Only staff raise change requests."))
    change_request = ChangeRequest(
        document=document,
        title=title,
        proposed_change=proposed_change,
        rationale=rationale,
        evidence_links=[link.strip() for link in evidence_links or [] if link.strip()],
        raised_by=actor,
    )
    change_request.full_clean()
    change_request.save()
    return change_request


@transaction.atomic
def change_request_decide(
    *, change_request: ChangeRequest, actor: User, accept: bool, note: str
) -> ChangeRequest:
    """Accept or reject an open change request with a recorded reason (quality managers and
    managers). Receivers of `change_request_decided` answer the cited feedback."""
    if not permissions.can_approve_standards(actor):
        raise PermissionDenied(
            _("Only quality managers and managers decide change requests.")
        )
    if not note.strip():
        raise ValidationError({"note": [_("Record the reason for the decision.")]})
    status = ChangeRequest.Status.ACCEPTED if accept else ChangeRequest.Status.REJECTED
    now = timezone.now()
    updated = ChangeRequest.objects.filter(
        pk=change_request.pk, status=ChangeRequest.Status.OPEN
    ).update(status=status, decision_note=note, decided_by=actor, decided_at=now)
    if not updated:
        raise StaleObject(_("This change request has already been decided."))
    change_request.refresh_from_db()
    notify(
        recipient=change_request.raised_by,
        kind="change_request_decided",
        key=f"change-request-decided:{change_request.pk}",
        title=_("Your change request “%(title)s” was %(decision)s"),
        title_params={
            "title": change_request.title,
            "decision": ChangeRequest.Status(change_request.status).label,
        },
        body=note,
        url=change_request.get_absolute_url(),
    )
    transaction.on_commit(
        lambda: change_request_decided.send(
            sender=ChangeRequest, change_request=change_request
        )
    )
    return change_request


# --- Business calendar ---------------------------------------------------------------------------


@transaction.atomic
def business_calendar_save(
    *,
    actor: User,
    unit: Unit | None,
    name: str,
    day_start,
    day_end,
    workdays: list[int],
    follows_statutory_holidays: bool = True,
    timezone_name: str = "Asia/Shanghai",
) -> BusinessCalendar:
    """Create or change the working hours of a unit (or the company default)."""
    if not permissions.can_edit_standards(actor):
        raise PermissionDenied(
            _("Only quality managers and managers change working hours.")
        )
    calendar_row = BusinessCalendar.objects.filter(
        unit=unit
    ).first() or BusinessCalendar(unit=unit)
    calendar_row.name = name
    calendar_row.day_start, calendar_row.day_end = day_start, day_end
    calendar_row.workdays = sorted(set(workdays))
    calendar_row.follows_statutory_holidays = follows_statutory_holidays
    calendar_row.timezone = timezone_name
    if calendar_row.day_start >= calendar_row.day_end:
        raise ValidationError(
            {"day_end": [_("The working day must end after it starts.")]}
        )
    calendar_row.full_clean()
    calendar_row.save()
    return calendar_row


@transaction.atomic
def calendar_override_set(
    *, actor: User, day: date, is_working: bool, name: str, unit: Unit | None = None
) -> CalendarOverride:
    """Declare a company (or unit) day off or extra working day, or a holiday of a year the
    holiday package lacks. Setting the same day again replaces it."""
    if not permissions.can_edit_standards(actor):
        raise PermissionDenied(
            _("Only quality managers and managers change the calendar.")
        )
    override = CalendarOverride.objects.filter(
        day=day, unit=unit
    ).first() or CalendarOverride(day=day, unit=unit)
    override.is_working, override.name = is_working, name
    override.full_clean(validate_constraints=False)
    override.save()
    return override


@transaction.atomic
def calendar_override_delete(*, actor: User, override: CalendarOverride) -> None:
    """Remove a day override."""
    if not permissions.can_edit_standards(actor):
        raise PermissionDenied(
            _("Only quality managers and managers change the calendar.")
        )
    override.delete()


def calendar_coverage_check(*, today: date) -> list[int]:
    """Warn when this or next year's statutory holidays are unknown: the holiday package
    lacks the year and the company has not entered at least the statutory number of public
    holidays as company days off (one company outing does not cover a year). Returns the
    missing years (job run detail, one notification per year to quality managers and
    administrators)."""
    with job_run("calendar_coverage") as run:
        missing = [
            year
            for year in business_calendar.missing_years([today.year, today.year + 1])
            if CalendarOverride.objects.filter(
                unit__isnull=True, day__year=year, is_working=False
            ).count()
            < STATUTORY_HOLIDAYS_PER_YEAR
        ]
        run.detail = ", ".join(str(year) for year in missing)
        for year in missing:
            for person in User.objects.filter(
                is_active=True, groups__name__in=permissions.CALENDAR_KEEPERS
            ).distinct():
                notify(
                    recipient=person,
                    kind="calendar_missing_year",
                    key=f"calendar-missing:{year}:{person.pk}",
                    title=_(
                        "Statutory holidays of %(year)s are missing from the business calendar"
                    ),
                    title_params={"year": year},
                    body=_(
                        "Enter the official holidays and make-up working days of %(year)s as "
                        "company days until the holiday package is updated."
                    ),
                    body_params={"year": year},
                    url=reverse("standards:calendar"),
                )
        run.items = len(missing)
    return missing


# --- GB/T 27922 self-assessment ---------------------------------------------------------------

# Days a corrective action has from the assessment's completion.
CORRECTIVE_ACTION_DAYS = 90


def _require_assessor(actor: User) -> None:
    if not permissions.can_review_quality(actor):
        raise PermissionDenied(_("Only quality managers run self-assessments."))


@transaction.atomic
def assessment_item_add(
    *, parent: AssessmentIndicator, actor: User, code: str, name: str, max_points
) -> AssessmentIndicator:
    """A third-level item under a second-level indicator, with the points it is worth."""
    _require_assessor(actor)
    errors: dict[str, list] = {}
    if parent.level != 2:
        errors["parent"] = [_("Items go under a second-level indicator.")]
    if not code.strip():
        errors["code"] = [_("Give the item a code (e.g. 3.2.1).")]
    elif parent.framework.indicators.filter(code=code.strip()).exists():
        errors["code"] = [_("This code is already used.")]
    if not name.strip():
        errors["name"] = [_("Name the item.")]
    if max_points is None or max_points <= 0:
        errors["max_points"] = [_("An item is worth more than 0 points.")]
    if errors:
        raise ValidationError(errors)
    last = parent.framework.indicators.aggregate(last=Max("position"))["last"] or 0
    return AssessmentIndicator.objects.create(
        framework=parent.framework,
        parent=parent,
        code=code.strip(),
        name=name.strip(),
        level=3,
        max_points=max_points,
        position=last + 1,
    )


@transaction.atomic
def assessment_start(
    *, framework: AssessmentFramework, year: int, actor: User
) -> Assessment:
    """A draft assessment of `year`, every third-level item to score (once a year)."""
    _require_assessor(actor)
    if not 1990 <= year <= timezone.localdate().year + 1:
        raise ValidationError({"year": [_("Choose a year up to next year.")]})
    items = list(framework.indicators.filter(level=3))
    if not items:
        raise ValidationError(
            {"year": [_("Add the third-level items and their points first.")]}
        )
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                framework=framework, year=year, created_by=actor
            )
    except IntegrityError:
        raise ValidationError(
            {"year": [_("There is already an assessment of this year.")]}
        ) from None
    AssessmentScore.objects.bulk_create(
        AssessmentScore(assessment=assessment, indicator=item) for item in items
    )
    return assessment


def _require_draft(assessment: Assessment) -> None:
    if assessment.status != Assessment.Status.DRAFT:
        raise DomainError(_("A completed assessment is read-only."))


@transaction.atomic
def assessment_record(
    *,
    assessment: Assessment,
    actor: User,
    scores: dict[int, dict[str, Any]],
    special_deductions: int = 0,
    deduction_notes: str = "",
    bonus: bool = False,
    bonus_note: str = "",
) -> Assessment:
    """Record a draft's item scores ({score id: {applicable, points, evidence}}), its
    special deductions and its bonus. Points lie between 0 and the item's maximum."""
    _require_assessor(actor)
    _require_draft(assessment)
    rows = {row.pk: row for row in assessment.scores.select_related("indicator")}
    errors: dict[str, list] = {}
    for pk, answer in scores.items():
        row = rows.get(pk)
        if row is None:
            continue
        points = answer.get("points")
        if points is not None and not 0 <= points <= row.indicator.max_points:
            errors[f"points_{pk}"] = [
                _("Between 0 and %(max)s points.") % {"max": row.indicator.max_points}
            ]
        row.applicable = bool(answer.get("applicable", True))
        row.points = points
        row.evidence = (answer.get("evidence") or "").strip()
    if special_deductions and not deduction_notes.strip():
        errors["deduction_notes"] = [_("Say what each deduction is for.")]
    if bonus and not bonus_note.strip():
        errors["bonus_note"] = [_("Say what earns the bonus point.")]
    if errors:
        raise ValidationError(errors)
    AssessmentScore.objects.bulk_update(
        rows.values(), ["applicable", "points", "evidence"]
    )
    Assessment.objects.filter(pk=assessment.pk).update(
        special_deductions=special_deductions,
        deduction_notes=deduction_notes.strip(),
        bonus=bonus,
        bonus_note=bonus_note.strip(),
    )
    assessment.refresh_from_db()
    return assessment


@transaction.atomic
def assessment_complete(*, assessment: Assessment, actor: User) -> Assessment:
    """`draft → completed`: every applicable item scored; the score and band are
    computed and stored, and each item that lost points gets a corrective action."""
    _require_assessor(actor)
    _require_draft(assessment)
    rows = list(assessment.scores.select_related("indicator"))
    missing = [
        row.indicator.code for row in rows if row.applicable and row.points is None
    ]
    if missing:
        raise ValidationError(
            {"__all__": [_("Score every applicable item: %(items)s.")
                         % {"items": ", ".join(missing)}]}
        )  # fmt: skip
    applicable = [row for row in rows if row.applicable]
    if not applicable:
        # No applicable points: no score to compute (and no band to reach).
        raise ValidationError({"__all__": [_("Mark at least one item applicable.")]})
    value = assessment_arithmetic.score(
        obtained=sum((row.points for row in applicable), Decimal(0)),
        applicable=sum((row.indicator.max_points for row in applicable), Decimal(0)),
        deductions=assessment.special_deductions,
        bonus=assessment.bonus,
    )
    now = timezone.now()
    if not Assessment.objects.filter(
        pk=assessment.pk, status=Assessment.Status.DRAFT
    ).update(
        status=Assessment.Status.COMPLETED,
        score=value,
        band=assessment_arithmetic.band(value, assessment.framework.bands),
        completed_at=now,
    ):
        raise StaleObject()
    due_on = timezone.localdate(now) + timedelta(days=CORRECTIVE_ACTION_DAYS)
    CorrectiveAction.objects.bulk_create(
        CorrectiveAction(
            assessment=assessment,
            indicator=row.indicator,
            points_lost=row.indicator.max_points - row.points,
            owner=actor,
            due_on=due_on,
        )
        for row in applicable
        if row.points < row.indicator.max_points
    )
    assessment.refresh_from_db()
    return assessment


@transaction.atomic
def corrective_action_update(
    *, action: CorrectiveAction, actor: User, description: str, done: bool = False
) -> CorrectiveAction:
    """Describe a corrective action and, when `done`, mark it done."""
    _require_assessor(actor)
    if not description.strip():
        raise ValidationError({"description": [_("Describe the action.")]})
    fields: dict[str, Any] = {"description": description.strip()}
    if done and action.status == CorrectiveAction.Status.OPEN:
        fields.update(status=CorrectiveAction.Status.DONE, done_at=timezone.now())
    CorrectiveAction.objects.filter(pk=action.pk).update(**fields)
    action.refresh_from_db()
    return action
