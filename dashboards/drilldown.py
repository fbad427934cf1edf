"""Where each figure drills down to: the list of cases (the queue), follow-ups (the
worklist) or claims behind it, with the dashboard's period and filters as the list's own
URL filters (tickets.cases.filters, feedback.followups.filters)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from dashboards.measures import Scope


def _case_filters(scope: Scope, *, unit_id: int | None) -> dict[str, object]:
    params: dict[str, object] = {"view": "all"}
    if unit_id is not None:
        params["unit_tree"] = unit_id
    if scope.user_id is not None:
        params["first_owner"] = scope.user_id
    if scope.product_model_id is not None:
        params["product_model"] = scope.product_model_id
    if scope.channel:
        params["source"] = scope.channel
    if scope.case_type:
        params["type"] = scope.case_type
    return params


def _case_narrowing(scope: Scope) -> dict[str, object]:
    """The follow-up worklist's filters on the case: its model, channel and type."""
    params: dict[str, object] = {}
    if scope.product_model_id is not None:
        params["product_model"] = scope.product_model_id
    if scope.channel:
        params["source"] = scope.channel
    if scope.case_type:
        params["case_type"] = scope.case_type
    return params


def url_for(drill: str, scope: Scope, *, unit_id: int | None = None, **extra) -> str:
    """The list behind a KPI's drill-down `drill` (dashboards.kpis.Kpi.drill), '' for none;
    cases of the unit chosen (`unit_id`, default the scope's) and the units below."""
    if not drill:
        return ""
    if unit_id is None:
        unit_id = scope.unit_id
    first, last = scope.first_day.isoformat(), scope.last_day.isoformat()
    kind, _colon, detail = drill.partition(":")
    if kind == "followups":
        params: dict[str, object] = {"view": "all", **_case_narrowing(scope)}
        if detail == "due":
            # The follow-up work counts care calls too (unless narrowed to a model,
            # channel or case type), by the follow-up's own unit and assignee.
            if scope.narrowed_to_cases:
                params["has_case"] = "true"
            params.update(due_from=first, due_to=last)
            if unit_id is not None:
                params["unit_tree"] = unit_id
            if scope.user_id is not None:
                params["assignee"] = scope.user_id
        else:
            # The outcomes: of cases, by the case's unit and first owner.
            params.update(
                has_case="true",
                completed_from=first,
                completed_to=last,
                status="completed",
            )
            if unit_id is not None:
                params["case_unit_tree"] = unit_id
            if scope.user_id is not None:
                params["case_owner"] = scope.user_id
            if detail in {"satisfied", "dissatisfied"}:
                params["result"] = detail
        return f"{reverse('followups:followup-list')}?{urlencode(params)}"
    if kind == "claims":
        # Claims settled in the period, of the cases of the unit, person, model,
        # channel and type chosen.
        params = {"settled_from": first, "settled_to": last}
        if unit_id is not None:
            params["case_unit_tree"] = unit_id
        if scope.user_id is not None:
            params["case_owner"] = scope.user_id
        params.update(_case_narrowing(scope))
        return f"{reverse('tickets:recourse-claim-list')}?{urlencode(params)}"
    params = _case_filters(scope, unit_id=unit_id)
    opened = {"opened_from": first, "opened_to": last}
    resolved = {"resolved_from": first, "resolved_to": last}
    if kind == "complaints":
        params.update(opened, type="complaint")
    elif kind == "clock_missed":
        # Come due by the period's end, as the KPI counts it (not by now).
        params.update(opened, clock_missed=detail, clock_due_to=last)
    elif kind == "opened":
        params.update(opened)
    elif kind == "resolved":
        params.update(resolved)
    elif kind == "resolved_repairs":
        params.update(resolved, type="repair")
    elif kind == "repairs":
        params.update(opened, type="repair")
    elif kind == "reopened":
        params.update(resolved, reopened="true")
    elif kind == "backlog":
        # Open now, or (a past period) open at its end, as the KPI counts it.
        if scope.until < scope.now:
            params["open_at"] = last
        else:
            params["open"] = "true"
    params.update(extra)
    return f"{reverse('tickets:ticket-list')}?{urlencode(params)}"
