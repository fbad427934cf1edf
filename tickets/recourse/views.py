"""Staff pages of compensation (先行赔付) and recourse (追偿): the compensations panel of
the case page, the claims list, a claim's page with the steps the table allows, and the
party ledger. Every write goes through tickets.services; a claim outside the user's scope
answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from aftersales.exceptions import DomainError
from aftersales.forms import form_errors_message
from aftersales.views import staff_required
from customers.models import Party
from tickets import workflow
from tickets.action_forms import action_form_response
from tickets.cases import selectors
from tickets.recourse import selectors as recourse_selectors
from tickets.recourse import services
from tickets.recourse.filters import RecourseClaimFilterSet
from tickets.recourse.forms import (
    ClaimActionForm,
    ClaimCreateForm,
    ClaimEditForm,
    CompensationApproveForm,
    CompensationForm,
)

__all__ = [
    "compensation_approve_view",
    "compensation_record_form_view",
    "compensation_record_view",
    "party_ledger_page",
    "recourse_claim_action",
    "recourse_claim_create",
    "recourse_claim_create_form_view",
    "recourse_claim_detail",
    "recourse_claim_edit",
    "recourse_claim_list",
]


# How a claim's timeline names each step (the events store the step key).
STEP_LABELS = {
    "drafted": gettext_lazy("drafted"),
    "compensation_added": gettext_lazy("compensation added"),
    "updated": gettext_lazy("changed"),
    "response_overdue": gettext_lazy("the party's response is overdue"),
    "limitation_warning": gettext_lazy("limitation date approaching"),
    **{action.value: action.label for action in workflow.ClaimAction},
}


# An action form as a page of its own, where the case page's buttons lead without
# JavaScript (with htmx they load the form's fragment into the page).
PANEL = "tickets/_recourse_panel.html"


def panel_context(request, ticket) -> dict:
    """The compensations panel of the case page: compensations (with their claims),
    the case's claims, and whether the user may approve (asked only when one awaits
    approval). Its forms are loaded on demand (the `*_form_view`s below)."""
    compensations = list(recourse_selectors.compensation_list(ticket=ticket))
    return {
        "compensations": compensations,
        "recourse_claims": recourse_selectors.case_claims(ticket=ticket),
        "can_approve_compensation": any(c.paid_on is None for c in compensations)
        and services.compensation_can_approve(actor=request.user, ticket=ticket),
    }


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def compensation_record_form_view(request, number: str):
    """The form to record a compensation on a case the user may see."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    return action_form_response(
        request,
        ticket,
        f"{PANEL}#compensation-form",
        _("Record a compensation"),
        {"compensation_form": CompensationForm()},
    )


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def recourse_claim_create_form_view(request, number: str):
    """The form to draft a recourse claim by hand on a case the user may see."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    return action_form_response(
        request,
        ticket,
        f"{PANEL}#claim-create-form",
        _("Draft a recourse claim by hand"),
        {"claim_create_form": ClaimCreateForm()},
    )


def _error(request, exc: Exception) -> None:
    """Show what a service refused (every message it gave)."""
    if isinstance(exc, ValidationError):
        text = " ".join(exc.messages)
    elif isinstance(exc, DomainError):
        text = str(exc)
    else:
        text = str(exc) or _("You may not do this.")
    messages.error(request, text)


def _labelled(events) -> list:
    events = list(events)
    for event in events:
        event.step_label = STEP_LABELS.get(event.data.get("step"), "")
    return events


def _styled(filterset):
    """Bootstrap classes on the filter form's widgets."""
    for field in filterset.form.fields.values():
        css = "form-select" if hasattr(field, "choices") else "form-control"
        field.widget.attrs["class"] = f"{css} {css}-sm"
    return filterset


@staff_required
@require_POST
def compensation_record_view(request, number: str):
    """Record a compensation on the case (a third-party liability drafts a claim)."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    form = CompensationForm(request.POST)
    if not form.is_valid():
        form_errors_message(request, form)
        return redirect(ticket)
    try:
        compensation = services.compensation_record(
            ticket=ticket, actor=request.user, **form.cleaned_data
        )
    except (DomainError, ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    else:
        if compensation.paid_on is None:
            messages.success(
                request, _("Compensation recorded; it waits for approval.")
            )
        elif compensation.recourse_claim_id:
            messages.success(
                request,
                _("Compensation recorded and put on recourse claim %(number)s.")
                % {"number": compensation.recourse_claim.number},
            )
        else:
            messages.success(request, _("Compensation recorded."))
    return redirect(ticket)


@staff_required
@require_POST
def compensation_approve_view(request, pk: int):
    """Approve a compensation waiting for approval (it is then paid)."""
    compensation = recourse_selectors.compensation_get(user=request.user, pk=pk)
    form = CompensationApproveForm(request.POST)
    paid_on = form.cleaned_data.get("paid_on") if form.is_valid() else None
    try:
        services.compensation_approve(
            compensation=compensation, actor=request.user, paid_on=paid_on
        )
    except (DomainError, ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Compensation approved."))
    return redirect(compensation.ticket)


@staff_required
@require_POST
def recourse_claim_create(request, number: str):
    """Draft a claim by hand on the case (against any party, or between two parties)."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    form = ClaimCreateForm(request.POST)
    if not form.is_valid():
        form_errors_message(request, form)
        return redirect(ticket)
    try:
        claim = services.claim_create(
            ticket=ticket, actor=request.user, **form.cleaned_data
        )
    except (DomainError, ValidationError, PermissionDenied) as exc:
        _error(request, exc)
        return redirect(ticket)
    messages.success(request, _("Claim %(number)s drafted.") % {"number": claim.number})
    return redirect("tickets:recourse-claim-detail", claim.number)


@staff_required
def recourse_claim_list(request):
    """The claims of the cases I may see, filtered by status, party or case, with the
    totals claimed, recovered and outstanding of the filtered list."""
    filterset = _styled(
        RecourseClaimFilterSet(
            request.GET or None,
            queryset=recourse_selectors.claim_list(user=request.user),
        )
    )
    claims = filterset.qs.order_by("-created_at", "-pk")
    page = Paginator(claims, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tickets/recourse_claim_list.html",
        {
            "filterset": filterset,
            "page": page,
            "totals": recourse_selectors.claim_totals(claims),
            "query": query.urlencode(),
        },
    )


@staff_required
def recourse_claim_detail(request, number: str):
    """A claim: what it covers, its evidence, the allowed steps and its own timeline."""
    claim = recourse_selectors.claim_get(user=request.user, number=number)
    editable = workflow.claim_is_editable(claim.status)
    return render(
        request,
        "tickets/recourse_claim_detail.html",
        {
            "claim": claim,
            "actions": workflow.claim_allowed_actions(
                claim.status, set(request.user.role_names)
            ),
            "editable": editable,
            "edit_form": ClaimEditForm(
                ticket=claim.ticket,
                initial={
                    "basis": claim.basis,
                    "amount": claim.amount,
                    "evidence": list(claim.evidence.all()),
                    "evidence_notes": claim.evidence_notes,
                },
            )
            if editable
            else None,
            "events": _labelled(recourse_selectors.claim_events(claim=claim)),
            "compensations": claim.compensations.all(),
            "evidence": claim.evidence.all(),
        },
    )


@staff_required
@require_POST
def recourse_claim_action(request, number: str):
    """Take one step of the claim's lifecycle (the table decides which are allowed)."""
    claim = recourse_selectors.claim_get(user=request.user, number=number)
    form = ClaimActionForm(request.POST)
    if not form.is_valid():
        form_errors_message(request, form)
        return redirect("tickets:recourse-claim-detail", claim.number)
    data = form.cleaned_data
    try:
        services.claim_transition(
            claim=claim,
            actor=request.user,
            action=data["action"],
            reason=data["reason"],
            recovered_amount=data["recovered_amount"],
        )
    except (DomainError, ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Done."))
    return redirect("tickets:recourse-claim-detail", claim.number)


@staff_required
@require_POST
def recourse_claim_edit(request, number: str):
    """Change basis, amount, evidence and notes of a draft or ready claim."""
    claim = recourse_selectors.claim_get(user=request.user, number=number)
    form = ClaimEditForm(request.POST, ticket=claim.ticket)
    if not form.is_valid():
        form_errors_message(request, form)
        return redirect("tickets:recourse-claim-detail", claim.number)
    data = form.cleaned_data
    try:
        services.claim_update(
            claim=claim,
            actor=request.user,
            basis=data["basis"],
            amount=data["amount"],
            evidence=list(data["evidence"]),
            evidence_notes=data["evidence_notes"],
        )
    except (DomainError, ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Claim saved."))
    return redirect("tickets:recourse-claim-detail", claim.number)


@staff_required
def party_ledger_page(request, pk: int):
    """Paid vs recovered with one party, and the claims against it that I may see."""
    party = get_object_or_404(Party, pk=pk)
    claims = recourse_selectors.claim_list(user=request.user, party=party).order_by(
        "-created_at", "-pk"
    )
    page = Paginator(claims, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "tickets/party_ledger.html",
        {
            "party": party,
            "ledger": recourse_selectors.party_ledger(party),
            "page": page,
        },
    )
