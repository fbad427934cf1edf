"""Staff pages of the tickets app: ownership. The case page's panel (the first owner's
state, the pending transfer with accept/reject for the receiver, the request form, the
transfers awaiting me, the unit's queue), transfer requests and decisions, and the unit
queue pages (`/tickets/queues/`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from aftersales.exceptions import DomainError
from aftersales.forms import apply_validation_errors, form_errors_message
from aftersales.models import Unit
from aftersales.views import staff_required
from tickets import workflow
from tickets.action_forms import action_form_response
from tickets.cases import selectors
from tickets.ownership import selectors as ownership_selectors
from tickets.ownership import services
from tickets.ownership.forms import (
    QueueModeForm,
    TransferDecisionForm,
    TransferRequestForm,
)

__all__ = [
    "queue_edit_view",
    "queue_list_view",
    "transfer_decide_view",
    "transfer_request_form_view",
    "transfer_request_view",
]


def _may_request(ticket, user, pending) -> bool:
    """Whether the page offers `user` to ask for the case's first ownership."""
    return (
        pending is None
        and ticket.status not in workflow.FINAL_STATES
        and services.transfer_may_request(ticket=ticket, actor=user)
    )


def panel_context(request, ticket) -> dict:
    """Context of this concern's panel on the case page (the request form is loaded on
    demand, `transfer_request_form_view`)."""
    user = request.user
    pending = ownership_selectors.transfer_pending(ticket=ticket)
    may_manage_queue = services.queue_may_manage(unit=ticket.unit, actor=user)
    return {
        "ownership_pending": pending,
        "ownership_may_request": _may_request(ticket, user, pending),
        "ownership_awaiting": list(
            ownership_selectors.transfer_list_awaiting(user=user)
        ),
        "ownership_owner_inactive": not ticket.first_owner.is_active,
        "ownership_queue": (
            ownership_selectors.queue_get(unit=ticket.unit)
            if may_manage_queue
            else None
        ),
    }


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def transfer_request_form_view(request, number: str):
    """The form to ask a colleague to become the first owner, for a case the user may
    see and only while the page offers it (404 otherwise): the fragment for htmx, else
    the form as a page of its own (where the button leads without JavaScript)."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    pending = ownership_selectors.transfer_pending(ticket=ticket)
    if not _may_request(ticket, request.user, pending):
        raise Http404
    partial = "tickets/_ownership_panel.html#transfer-form"
    return action_form_response(
        request,
        ticket,
        partial,
        _("Ask to take over"),
        {
            "ownership_form": TransferRequestForm(),
        },
    )


def _error_text(exc: Exception) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


@staff_required
@require_POST
def transfer_request_view(request, number: str):
    """Ask a colleague to become the case's first owner."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    form = TransferRequestForm(request.POST)
    if not form.is_valid():
        form_errors_message(request, form)
        return redirect(ticket)
    try:
        services.transfer_request(
            ticket=ticket, actor=request.user, **form.cleaned_data
        )
    except (PermissionDenied, DomainError, ValidationError) as exc:
        messages.error(request, _error_text(exc) or _("You may not do this."))
    else:
        messages.success(request, _("Transfer requested: it waits for the answer."))
    return redirect(ticket)


@staff_required
@require_POST
def transfer_decide_view(request, pk: int):
    """Accept or reject (with a reason) a transfer addressed to me, or withdraw mine."""
    transfer = ownership_selectors.transfer_get(user=request.user, pk=pk)
    form = TransferDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose accept, reject or withdraw."))
        return redirect(transfer.ticket)
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    try:
        if decision == "accept":
            services.transfer_accept(transfer=transfer, actor=request.user)
            done = _("You are now the first owner of this case.")
        elif decision == "reject":
            services.transfer_reject(
                transfer=transfer, actor=request.user, reason=reason
            )
            done = _("Transfer rejected; the first owner stays.")
        else:
            services.transfer_cancel(transfer=transfer, actor=request.user)
            done = _("Transfer withdrawn.")
    except (PermissionDenied, DomainError, ValidationError) as exc:
        messages.error(request, _error_text(exc) or _("You may not do this."))
    else:
        messages.success(request, done)
    return redirect(transfer.ticket)


@staff_required
def queue_list_view(request):
    """The units whose queue I may set, with their mode."""
    units = ownership_selectors.queue_list_manageable(user=request.user)
    return render(request, "tickets/unit_queue_list.html", {"units": units})


@staff_required
def queue_edit_view(request, unit_id: int):
    """Set how a unit's queue hands out cases (supervisors of the unit and managers)."""
    try:
        unit = Unit.objects.active().get(pk=unit_id)
    except Unit.DoesNotExist:
        raise Http404 from None
    if not services.queue_may_manage(unit=unit, actor=request.user):
        raise Http404
    queue = ownership_selectors.queue_get(unit=unit)
    form = QueueModeForm(request.POST or None, initial={"mode": queue.mode})
    if request.method == "POST" and form.is_valid():
        try:
            services.queue_set_mode(
                unit=unit, actor=request.user, mode=form.cleaned_data["mode"]
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Queue of %(unit)s saved.") % {"unit": unit})
            return redirect("tickets:queue-edit", unit_id=unit.pk)
    return render(
        request,
        "tickets/unit_queue_form.html",
        {"unit": unit, "queue": queue, "form": form},
    )
