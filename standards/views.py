"""Staff pages of the standards app: the standard system, versions and their lifecycle,
diffs, acknowledgements, change requests, legal rule sets and the business calendar."""

from __future__ import annotations

import difflib
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales import permissions
from aftersales.exceptions import DomainError
from aftersales.forms import apply_validation_errors
from aftersales.views import staff_required
from standards import calendar as business_calendar
from standards import parameters as params
from standards import selectors, services, workflow
from standards.forms import (
    CalendarOverrideForm,
    ChangeRequestForm,
    DecisionForm,
    NewVersionForm,
    ServiceParametersForm,
    StandardDocumentForm,
    VersionActionForm,
    VersionForm,
    WorkingDaysForm,
)
from standards.models import CalendarOverride, StandardDocument


@staff_required
def standard_list(request):
    """The standard system as a tree by kind, with what needs my attention."""
    today = timezone.localdate()
    kind = request.GET.get("kind", "")
    context = {
        "tree": selectors.standard_tree(kind=kind, q=request.GET.get("q", "").strip()),
        "kinds": StandardDocument.Kind.choices,
        "kind": kind,
        "q": request.GET.get("q", ""),
        "to_acknowledge": selectors.versions_to_acknowledge(user=request.user),
        "overdue": selectors.reviews_overdue(today=today),
        "due_soon": selectors.reviews_due_soon(today=today),
        "can_create": permissions.can_edit_standards(request.user),
    }
    return render(request, "standards/standard_list.html", context)


@staff_required
def standard_create(request):
    """Create a standard document (quality managers and managers)."""
    form = StandardDocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.standard_document_create(
                actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            return redirect(document)
    return render(request, "standards/standard_form.html", {"form": form})


@staff_required
def standard_detail(request, pk: int):
    """One standard: its versions, change requests and related standards."""
    document = selectors.standard_get(pk=pk)
    context = {
        "document": document,
        "versions": selectors.version_list(document=document),
        "effective": selectors.effective_version(document=document),
        "change_requests": selectors.change_request_list(document=document),
        "can_draft": permissions.can_edit_standards(request.user)
        or document.owner_id == request.user.pk,
    }
    return render(request, "standards/standard_detail.html", context)


@staff_required
def version_create(request, pk: int):
    """Draft the next version; parameters and clauses start from the newest version."""
    document = selectors.standard_get(pk=pk)
    newest = document.versions.order_by("-version").first()
    initial = {
        "body": newest.body if newest else "",
        "effective_from": timezone.localdate(),
    }
    form = NewVersionForm(request.POST or None, initial=initial, document=document)
    if request.method == "POST" and form.is_valid():
        data = {
            k: v
            for k, v in form.cleaned_data.items()
            if v not in (None, "") or k == "body"
        }
        try:
            version = services.standard_version_draft(
                document=document, actor=request.user, **data
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(
                request, _("Draft created. Check its parameters, then submit it.")
            )
            return redirect("standards:version-edit", pk=version.pk)
    return render(
        request,
        "standards/version_form.html",
        {"document": document, "form": form, "new": True},
    )


def _parameter_sections(parameters: dict) -> dict:
    """Service parameters arranged for reading: the SLA matrix, KPI table, other groups."""

    def row(path: str) -> dict:
        return {
            "field": params.SCHEMA_BY_PATH[path],
            "value": params.get_path(parameters, path),
        }

    clocks = [("acknowledge", _("Acknowledge")), ("first_contact", _("First contact")),
              ("resolve", _("Resolve"))]  # fmt: skip
    groups: dict[str, list] = {}
    for field in params.SCHEMA:
        group = field.group.split(".")[0]
        if group in {"scope", "entitlement", "followup"} or field.group == "sla":
            groups.setdefault(group, []).append(row(field.path))
    return {
        "priorities": [p.label for p in params.Priority],
        "sla_matrix": [
            (
                label,
                [
                    params.get_path(parameters, f"sla.{clock}.{p.value}")
                    for p in params.Priority
                ],
            )
            for clock, label in clocks
        ],
        "onsite": [row("sla.onsite.urban"), row("sla.onsite.rural")],
        "groups": groups,
        "kpis": [
            {
                "label": kpi.label,
                "higher_is_better": kpi.higher_is_better,
                "target": params.get_path(parameters, f"kpi.{kpi.key}.target"),
                "ceiling": params.get_path(parameters, f"kpi.{kpi.key}.ceiling"),
            }
            for kpi in params.KPI_DEFINITIONS
        ],
        "conduct": params.get_path(parameters, "conduct_checklist") or [],
    }


def _version_context(request, version) -> dict:
    roles = set(request.user.role_names)
    is_author = version.author_id == request.user.pk
    previous = (
        version.document.versions.filter(version__lt=version.version)
        .order_by("-version")
        .first()
    )
    return {
        "version": version,
        "document": version.document,
        "sections": _parameter_sections(version.parameters)
        if version.is_service
        else None,
        "actions": workflow.allowed_actions(
            version.status, roles=roles, is_author=is_author
        ),
        "editable": workflow.is_editable(version.status)
        and (permissions.can_edit_standards(request.user) or is_author),
        "previous": previous,
        "acknowledged": version.acknowledgements.filter(user=request.user).exists(),
        "gaps": selectors.acknowledgement_gaps(version=version, viewer=request.user)
        if version.status == workflow.VersionStatus.EFFECTIVE
        and permissions.sees_acknowledgement_gaps(request.user)
        else None,
        "action_form": VersionActionForm(),
    }


@staff_required
def version_detail(request, pk: int):
    """One version: parameters with their explanations, clauses, the actions I may take."""
    version = selectors.version_get(pk=pk)
    return render(
        request, "standards/version_detail.html", _version_context(request, version)
    )


@staff_required
def version_edit(request, pk: int):
    """Edit a draft: dates, summary, clauses and (service standards) every parameter."""
    version = selectors.version_get(pk=pk)
    if not workflow.is_editable(version.status):
        messages.error(
            request, _("Only a draft can be edited; draft a new version instead.")
        )
        return redirect(version)
    legal_codes = sorted(selectors.legal_rule_sets_for_validation())
    initial = {
        "title": version.title,
        "effective_from": version.effective_from,
        "next_review_due": version.next_review_due,
        "change_summary": version.change_summary,
        "body": version.body,
    }
    form = VersionForm(request.POST or None, initial=initial)
    parameter_form = (
        ServiceParametersForm(
            request.POST or None,
            initial_parameters=version.parameters,
            legal_codes=legal_codes,
        )
        if version.is_service
        else None
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and (not parameter_form or parameter_form.is_valid())
    ):
        fields = {k: v for k, v in form.cleaned_data.items() if v is not None}
        if parameter_form:
            fields["parameters"] = parameter_form.to_parameters()
        try:
            services.standard_version_update(
                version=version, actor=request.user, **fields
            )
        except ValidationError as exc:
            errors = exc.message_dict
            if parameter_form:
                parameter_form.add_parameter_errors(
                    {k: v for k, v in errors.items() if k.startswith("parameters")}
                )
            apply_validation_errors(
                form,
                ValidationError(
                    {k: v for k, v in errors.items() if not k.startswith("parameters")}
                ),
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Draft saved."))
            return redirect(version)
    return render(
        request,
        "standards/version_form.html",
        {
            "document": version.document,
            "version": version,
            "form": form,
            "parameter_form": parameter_form,
        },
    )


@staff_required
@require_POST
def version_action(request, pk: int):
    """Submit, return, approve or withdraw a version."""
    version = selectors.version_get(pk=pk)
    form = VersionActionForm(request.POST)
    if form.is_valid():
        try:
            services.standard_version_transition(
                version=version,
                action=form.cleaned_data["action"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(
                request, " ".join(m for ms in exc.message_dict.values() for m in ms)
            )
        else:
            version.refresh_from_db()
            messages.success(
                request,
                _("The version is now %(status)s.")
                % {"status": version.get_status_display()},
            )
    else:
        messages.error(request, _("Unknown action."))
    return redirect(version)


@staff_required
@require_POST
def version_acknowledge(request, pk: int):
    """I have read this effective version."""
    version = selectors.version_get(pk=pk)
    try:
        services.acknowledgement_create(version=version, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you: your acknowledgement is recorded."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = version.get_absolute_url()
    return redirect(target)


@staff_required
def version_diff(request, pk: int):
    """What changed between two versions of a standard (parameters and clauses)."""
    version = selectors.version_get(pk=pk)
    versions = list(version.document.versions.order_by("-version"))
    against_pk = request.GET.get("against")
    against = next((v for v in versions if str(v.pk) == against_pk), None) or next(
        (v for v in versions if v.version < version.version), None
    )
    changes = params.diff_parameters(
        against.parameters if against else {}, version.parameters
    )
    clause_diff = list(
        difflib.unified_diff(
            (against.body if against else "").splitlines(),
            version.body.splitlines(),
            fromfile=f"v{against.version}" if against else "",
            tofile=f"v{version.version}",
            lineterm="",
        )
    )[2:]
    return render(
        request,
        "standards/version_diff.html",
        {
            "version": version,
            "against": against,
            "versions": versions,
            "changes": changes,
            "clause_diff": clause_diff,
        },
    )


@staff_required
def change_request_create(request, pk: int):
    """Propose a change to a standard."""
    document = selectors.standard_get(pk=pk)
    form = ChangeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["evidence_links"] = data["evidence_links"].splitlines()
        try:
            change_request = services.change_request_raise(
                document=document, actor=request.user, **data
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Change request raised."))
            return redirect(change_request)
    return render(
        request,
        "standards/change_request_form.html",
        {"document": document, "form": form},
    )


@staff_required
def change_request_detail(request, pk: int):
    """A change request, its evidence and decision; approvers decide here."""
    change_request = selectors.change_request_get(pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_request_decide(
                change_request=change_request,
                actor=request.user,
                accept=form.cleaned_data["decision"] == "accept",
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect(change_request)
    return render(
        request,
        "standards/change_request_detail.html",
        {
            "change_request": change_request,
            "form": form,
            "can_decide": permissions.can_approve_standards(request.user)
            and change_request.status == "open",
        },
    )


@staff_required
def legal_list(request):
    """The legal rule sets (read-only)."""
    return render(
        request,
        "standards/legal_list.html",
        {"rule_sets": selectors.legal_rule_set_list()},
    )


@staff_required
def legal_detail(request, pk: int):
    """One legal rule set with every value and its citation."""
    rule_set = selectors.legal_rule_set_list().get(pk=pk)
    rows = [
        {
            "key": key,
            "value": value,
            "citation": selectors.citation_text(rule_set.citations.get(key, "")),
        }
        for key, value in rule_set.parameters.items()
    ]
    return render(
        request, "standards/legal_detail.html", {"rule_set": rule_set, "rows": rows}
    )


@staff_required
def calendar_view(request):
    """The business calendar: a month with holidays, make-up days and overrides; the day
    overrides; missing holiday years; and a working-day calculator."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        month = int(request.GET.get("month", today.month))
        first = date(year, month, 1)
    except ValueError:
        first = None
    if (
        first is None
        or not business_calendar.MIN_DATE < first < business_calendar.MAX_DATE
    ):
        year, month = today.year, today.month
    calendar = selectors.calendar_for_unit(unit=None)
    calculator = WorkingDaysForm(request.GET if "days" in request.GET else None)
    result = None
    if calculator.is_bound and calculator.is_valid():
        unit_calendar = selectors.calendar_for_unit(
            unit=calculator.cleaned_data["unit"]
        )
        result = business_calendar.add_working_days(
            unit_calendar,
            calculator.cleaned_data["start"],
            calculator.cleaned_data["days"],
        )
    previous_month = date(year - (month == 1), 12 if month == 1 else month - 1, 1)
    next_month = date(year + (month == 12), 1 if month == 12 else month + 1, 1)
    context = {
        "year": year,
        "month": month,
        "month_start": date(year, month, 1),
        "previous_month": previous_month,
        "next_month": next_month,
        "days": selectors.calendar_month_days(
            calendar=calendar, year=year, month=month
        ),
        "overrides": selectors.calendar_override_list(year=year),
        "missing_years": business_calendar.missing_years([today.year, today.year + 1]),
        "override_form": CalendarOverrideForm(),
        "calculator": calculator,
        "result": result,
        "can_edit": permissions.can_edit_standards(request.user),
        "calendars": selectors.business_calendar_list(),
    }
    return render(request, "standards/calendar.html", context)


@staff_required
@require_POST
def calendar_override_create(request):
    """Add (or replace) a day override."""
    form = CalendarOverrideForm(request.POST)
    if form.is_valid():
        try:
            services.calendar_override_set(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Calendar day saved."))
        day = form.cleaned_data["day"]
        return redirect(
            f"{reverse('standards:calendar')}?year={day.year}&month={day.month}"
        )
    messages.error(
        request, " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
    )
    return redirect("standards:calendar")


@staff_required
@require_POST
def calendar_override_delete(request, pk: int):
    """Remove a day override."""
    override = get_object_or_404(CalendarOverride, pk=pk)
    services.calendar_override_delete(actor=request.user, override=override)
    messages.success(request, _("Calendar day removed."))
    return redirect("standards:calendar")
