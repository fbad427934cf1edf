"""The GB/T 27922 self-assessment pages (`/dashboard/assessment/`): the framework's
indicator tree with its items and points, the assessments of each year (earlier ones
read-only, for comparison), and a draft's scoring with live KPIs beside the indicators
they support. Quality managers edit; supervisors, quality managers and managers see."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions
from aftersales.exceptions import DomainError
from aftersales.forms import apply_validation_errors
from dashboards import kpis, selectors
from dashboards.assessment_forms import ItemForm, ScoreForm, StartForm
from dashboards.forms import sees_dashboard
from dashboards.measures import Scope
from dashboards.periods import custom_period
from dashboards.tables import format_value
from standards import selectors as standard_selectors
from standards import services as standard_services
from standards.assessment import BAND_LABELS
from standards.models import CorrectiveAction


def _require_viewer(request) -> None:
    if not sees_dashboard(request.user):
        raise PermissionDenied


def _framework():
    framework = standard_selectors.assessment_framework()
    if framework is None:
        raise Http404
    return framework


@login_required
def assessment_home(request):
    """The framework and the assessments; quality managers add items and start a year."""
    _require_viewer(request)
    framework = _framework()
    may_edit = permissions.can_review_quality(request.user)
    item_form = ItemForm(framework=framework, prefix="item")
    start_form = StartForm(prefix="start")
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if "item-code" in request.POST:
            item_form = ItemForm(request.POST, framework=framework, prefix="item")
            if item_form.is_valid():
                try:
                    standard_services.assessment_item_add(
                        actor=request.user, **item_form.cleaned_data
                    )
                except ValidationError as exc:
                    apply_validation_errors(item_form, exc)
                else:
                    messages.success(request, _("Item added."))
                    return redirect("dashboard-assessment")
        else:
            start_form = StartForm(request.POST, prefix="start")
            if start_form.is_valid():
                try:
                    assessment = standard_services.assessment_start(
                        framework=framework,
                        year=start_form.cleaned_data["year"],
                        actor=request.user,
                    )
                except ValidationError as exc:
                    apply_validation_errors(start_form, exc)
                else:
                    return redirect(assessment)
        status = 400
    return render(
        request,
        "dashboards/assessment_home.html",
        {
            "framework": framework,
            "tree": standard_selectors.assessment_tree(framework=framework),
            "assessments": standard_selectors.assessment_list(framework=framework),
            "band_labels": BAND_LABELS,
            "may_edit": may_edit,
            "item_form": item_form,
            "start_form": start_form,
        },
        status=status,
    )


def _live_kpis(assessment, tree) -> dict[int, list[dict]]:
    """The KPIs of the assessment's year (company-wide; to today for the current year)
    beside each second-level indicator that names them."""
    period = custom_period(date(assessment.year, 1, 1), date(assessment.year, 12, 31))
    start, end = period.span(timezone.get_current_timezone())
    report = selectors.kpi_report(Scope(start=start, end=end, now=timezone.now()))
    live = {}
    for top in tree:
        for second in top["children"]:
            indicator = second["indicator"]
            live[indicator.pk] = [
                {
                    "label": kpis.BY_KEY[key].label,
                    "value": format_value(
                        report.values[key].kpi.kind, report.values[key].value
                    ),
                    "breached": report.values[key].breached,
                }
                for key in indicator.kpis
                if key in report.values
            ]
    return live


@login_required
def assessment_detail(request, pk: int):
    """One year's assessment: a draft is scored here (quality managers), a completed one
    shows its score, band and corrective actions, beside the earlier years."""
    _require_viewer(request)
    assessment = standard_selectors.assessment_get(pk=pk)
    may_edit = (
        permissions.can_review_quality(request.user)
        and assessment.status == assessment.Status.DRAFT
    )
    form = ScoreForm(
        request.POST if request.method == "POST" else None, assessment=assessment
    )
    status = 200
    if request.method == "POST":
        if not permissions.can_review_quality(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                standard_services.assessment_record(
                    assessment=assessment,
                    actor=request.user,
                    scores=form.scores(),
                    special_deductions=form.cleaned_data["special_deductions"] or 0,
                    deduction_notes=form.cleaned_data["deduction_notes"],
                    bonus=form.cleaned_data["bonus"],
                    bonus_note=form.cleaned_data["bonus_note"],
                )
                if "complete" in request.POST:
                    standard_services.assessment_complete(
                        assessment=assessment, actor=request.user
                    )
                    messages.success(request, _("The assessment is completed."))
                else:
                    messages.success(request, _("Scores saved."))
            except ValidationError as exc:
                apply_validation_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect(assessment)
        status = 400
    tree = standard_selectors.assessment_tree(framework=assessment.framework)
    rows = {row.indicator_id: row for row in form.rows}
    live = _live_kpis(assessment, tree)
    sections = [
        {
            "indicator": top["indicator"],
            "children": [
                {
                    "indicator": second["indicator"],
                    "live": live.get(second["indicator"].pk, []),
                    "items": [
                        {
                            "item": item,
                            "row": rows[item.pk],
                            "fields": form.item_fields(rows[item.pk])
                            if may_edit
                            else (),
                        }
                        for item in second["items"]
                        if item.pk in rows
                    ],
                }
                for second in top["children"]
            ],
        }
        for top in tree
    ]
    return render(
        request,
        "dashboards/assessment_detail.html",
        {
            "assessment": assessment,
            "sections": sections,
            "form": form,
            "may_edit": may_edit,
            "band_label": BAND_LABELS.get(assessment.band, assessment.band),
            "actions": assessment.corrective_actions.select_related(
                "indicator", "owner"
            ),
            "earlier": standard_selectors.assessment_list(
                framework=assessment.framework
            ).exclude(pk=assessment.pk),
            "band_labels": BAND_LABELS,
            "may_review": permissions.can_review_quality(request.user),
        },
        status=status,
    )


@login_required
def corrective_action_update(request, pk: int):
    """A quality manager describes a corrective action and marks it done (POST)."""
    if request.method != "POST" or not permissions.can_review_quality(request.user):
        raise PermissionDenied
    action = get_object_or_404(CorrectiveAction, pk=pk)
    try:
        standard_services.corrective_action_update(
            action=action,
            actor=request.user,
            description=request.POST.get("description", ""),
            done="done" in request.POST,
        )
    except ValidationError as exc:
        messages.error(
            request, " ".join(m for ms in exc.message_dict.values() for m in ms)
        )
    else:
        messages.success(request, _("Corrective action saved."))
    return redirect(action.assessment)
