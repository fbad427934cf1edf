"""Staff pages of the tickets app: the repairs panel of the case page — repairs, field
visits with the conduct checklist, offers against the entitlement — and its POST views
(each calls one service and redirects back to the case with a message)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from aftersales.exceptions import DomainError
from aftersales.forms import apply_validation_errors, form_errors_message
from aftersales.views import staff_required
from tickets import entitlement, workflow
from tickets.action_forms import action_form_response
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
    "offer_make_form_view",
    "offer_make_view",
    "panel_context",
    "repair_finish_form_view",
    "repair_finish_view",
    "repair_record_form_view",
    "repair_record_view",
    "visit_complete_form_view",
    "visit_complete_view",
    "visit_schedule_form_view",
    "visit_schedule_view",
]


# An action form as a page of its own, where the case page's buttons lead without
# JavaScript (with htmx they load the form's fragment into the page).
PANEL = "tickets/_repairs_panel.html"


def panel_context(request, ticket) -> dict:
    """Context of this concern's panel on the case page. Its forms are loaded on demand
    (the `*_form_view`s below), so none is built here."""
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
    visits = [
        {
            "visit": visit,
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
    return {
        "repairs_work_open": workflow.is_open(ticket.status),
        "repair_rows": rows,
        "open_repair": next((r for r in repairs if r.ended_on is None), None),
        "visit_rows": visits,
        "offer_rows": offers,
        "offer_pending": any(o["offer"].status == Offer.Status.PENDING for o in offers),
    }


def _case_open_or_404(ticket) -> None:
    """The panel offers new work only while the case is open."""
    if not workflow.is_open(ticket.status):
        raise Http404


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def repair_record_form_view(request, number: str):
    """The form to record a repair (while the case is open)."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    _case_open_or_404(ticket)
    form = RepairRecordForm(
        auto_id="repair_%s", initial={"started_on": timezone.localdate()}
    )
    return action_form_response(
        request,
        ticket,
        f"{PANEL}#repair-form",
        _("Record a repair"),
        {"repair_form": form},
    )


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def repair_finish_form_view(request, pk: int):
    """The form to finish a repair that is still open."""
    repair = selectors_repairs.repair_get(user=request.user, pk=pk)
    if repair.ended_on is not None:
        raise Http404
    form = RepairFinishForm(
        auto_id="finish_%s", initial={"ended_on": timezone.localdate()}
    )
    return action_form_response(
        request,
        repair.ticket,
        f"{PANEL}#repair-finish-form",
        _("Finish repair"),
        {"open_repair": repair, "repair_finish_form": form},
    )


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def visit_schedule_form_view(request, number: str):
    """The form to book a technician's visit (while the case is open)."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    _case_open_or_404(ticket)
    return action_form_response(
        request,
        ticket,
        f"{PANEL}#visit-form",
        _("Book a visit"),
        {"visit_schedule_form": VisitScheduleForm(auto_id="visit_%s")},
    )


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def visit_complete_form_view(request, pk: int):
    """The form to record a booked visit, with the pinned standard's conduct checklist
    (while the case is open and the visit is not recorded yet)."""
    visit = selectors_repairs.visit_get(user=request.user, pk=pk)
    if visit.arrived_at is not None:
        raise Http404
    _case_open_or_404(visit.ticket)
    checklist = selectors_repairs.conduct_checklist(ticket=visit.ticket)
    form = VisitCompleteForm(checklist=checklist, auto_id=f"visit{visit.pk}_%s")
    return action_form_response(
        request,
        visit.ticket,
        f"{PANEL}#visit-complete-form",
        _("Record the visit"),
        {"visit": visit, "complete_form": form, "conduct_checklist": checklist},
    )


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def offer_make_form_view(request, number: str):
    """The form to offer a remedy, the options owed marked (while the case is open and
    no offer awaits approval)."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    _case_open_or_404(ticket)
    offers = selectors_repairs.offer_list(ticket=ticket)
    if any(offer.status == Offer.Status.PENDING for offer in offers):
        raise Http404
    owed = (ticket.entitlement or {}).get("options", [])
    return action_form_response(
        request,
        ticket,
        f"{PANEL}#offer-form",
        _("Make an offer"),
        {"offer_form": OfferForm(auto_id="offer_%s", owed=owed)},
    )


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
