"""Staff pages of the tickets app: the repairs panel of the case page — repairs, field
visits with the conduct checklist, offers against the entitlement — and its POST views
(each calls one service and redirects back to the case with a message)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.exceptions import DomainError
from aftersales.forms import apply_validation_errors, form_errors_message
from aftersales.views import staff_required
from tickets import entitlement, workflow
from tickets.cases import selectors
from tickets.models import Offer
from tickets.repairs import selectors as selectors_repairs
from tickets.repairs import services
from tickets.repairs.forms import (
    OfferDecideForm,
    OfferForm,
    RepairFinishForm,
    RepairRecordForm,
    VisitCompleteForm,
    VisitScheduleForm,
)

__all__ = [
    "offer_decide_view",
    "offer_make_view",
    "panel_context",
    "repair_finish_view",
    "repair_record_view",
    "visit_complete_view",
    "visit_schedule_view",
]


def panel_context(request, ticket) -> dict:
    """Context of this concern's panel on the case page."""
    today = timezone.localdate()
    repairs = list(selectors_repairs.repair_list(ticket=ticket))
    rows = [
        {
            "repair": repair,
            "days": selectors_repairs.repair_days(
                started_on=repair.started_on, ended_on=repair.ended_on, as_of=today
            ),
        }
        for repair in repairs
    ]
    open_repair = next((r for r in repairs if r.ended_on is None), None)
    checklist = selectors_repairs.conduct_checklist(ticket=ticket)
    visits = [
        {
            "visit": visit,
            "complete_form": VisitCompleteForm(
                checklist=checklist, auto_id=f"visit{visit.pk}_%s"
            )
            if visit.arrived_at is None
            else None,
            "missed": [item for item, done in visit.checklist.items() if not done],
        }
        for visit in selectors_repairs.visit_list(ticket=ticket)
    ]
    offers = []
    for offer in selectors_repairs.offer_list(ticket=ticket):
        offer.ticket = ticket  # for the decider check, without another query
        offers.append(
            {
                "offer": offer,
                "label": entitlement.OPTION_LABELS.get(offer.option, offer.option),
                "may_decide": offer.status == Offer.Status.PENDING
                and selectors_repairs.offer_may_decide(user=request.user, offer=offer),
            }
        )
    owed = (ticket.entitlement or {}).get("options", [])
    return {
        "repairs_work_open": workflow.is_open(ticket.status),
        "repair_rows": rows,
        "open_repair": open_repair,
        "repair_form": RepairRecordForm(
            auto_id="repair_%s", initial={"started_on": today}
        ),
        "repair_finish_form": RepairFinishForm(
            auto_id="finish_%s", initial={"ended_on": today}
        ),
        "visit_rows": visits,
        "conduct_checklist": checklist,
        "visit_schedule_form": VisitScheduleForm(auto_id="visit_%s"),
        "offer_rows": offers,
        "offer_form": OfferForm(auto_id="offer_%s", owed=owed),
        "offer_pending": any(o["offer"].status == Offer.Status.PENDING for o in offers),
    }


def _run(request, form, call, success: str) -> bool:
    """Validate the form, call the service, and turn its refusals into messages."""
    if not form.is_valid():
        form_errors_message(request, form)
        return False
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        apply_validation_errors(form, exc)
        form_errors_message(request, form)
        return False
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("You may not do this."))
        return False
    messages.success(request, success)
    return True


@staff_required
@require_POST
def repair_record_view(request, number: str):
    """Record a repair of the case's product."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    form = RepairRecordForm(request.POST)
    _run(
        request,
        form,
        lambda data: services.repair_record(ticket=ticket, actor=request.user, **data),
        _("Repair recorded."),
    )
    return redirect(ticket)


@staff_required
@require_POST
def repair_finish_view(request, pk: int):
    """Finish the open repair as fixed or failed."""
    repair = selectors_repairs.repair_get(user=request.user, pk=pk)
    form = RepairFinishForm(request.POST)
    _run(
        request,
        form,
        lambda data: services.repair_finish(repair=repair, actor=request.user, **data),
        _("Repair finished."),
    )
    return redirect(repair.ticket)


@staff_required
@require_POST
def visit_schedule_view(request, number: str):
    """Book a technician's visit."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    form = VisitScheduleForm(request.POST)
    _run(
        request,
        form,
        lambda data: services.visit_schedule(ticket=ticket, actor=request.user, **data),
        _("Visit booked."),
    )
    return redirect(ticket)


@staff_required
@require_POST
def visit_complete_view(request, pk: int):
    """Record the visit: arrival, diagnosis, parts, fees, conduct checklist."""
    visit = selectors_repairs.visit_get(user=request.user, pk=pk)
    form = VisitCompleteForm(
        request.POST, checklist=selectors_repairs.conduct_checklist(ticket=visit.ticket)
    )
    _run(
        request,
        form,
        lambda data: services.visit_complete(visit=visit, actor=request.user, **data),
        _("Visit recorded."),
    )
    return redirect(visit.ticket)


@staff_required
@require_POST
def offer_make_view(request, number: str):
    """Offer the customer a remedy (below the entitlement: a supervisor approves)."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    form = OfferForm(request.POST, owed=(ticket.entitlement or {}).get("options", []))

    def make(data):
        offer = services.offer_make(ticket=ticket, actor=request.user, **data)
        if offer.status == Offer.Status.PENDING:
            messages.info(
                request, _("The offer is below the entitlement: it awaits approval.")
            )

    _run(request, form, make, _("Offer recorded."))
    return redirect(ticket)


@staff_required
@require_POST
def offer_decide_view(request, pk: int):
    """Approve or reject a pending offer below the entitlement."""
    offer = selectors_repairs.offer_get(user=request.user, pk=pk)
    form = OfferDecideForm(request.POST)
    _run(
        request,
        form,
        lambda data: services.offer_decide(
            offer=offer,
            actor=request.user,
            approve=data["decision"] == "approve",
            note=data["note"],
        ),
        _("Decision recorded."),
    )
    return redirect(offer.ticket)
