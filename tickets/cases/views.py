"""Staff pages of the tickets app: the queue, the intake form and the case page with its
lifecycle buttons, handovers, informing the customer, resolving and notes."""

from collections.abc import Callable
from typing import NamedTuple

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from aftersales.exceptions import DomainError
from aftersales.forms import form_errors_message
from aftersales.models import User
from aftersales.pagination import BoundedPaginator
from aftersales.views import staff_required
from customers import selectors as archive_selectors
from standards import selectors as standard_selectors
from tickets import entitlement, workflow
from tickets.action_forms import action_form_response
from tickets.attachments import views as attachment_views
from tickets.cases import selectors, services
from tickets.cases import selectors as case_selectors
from tickets.cases.filters import TicketFilterSet
from tickets.cases.forms import (
    CommentForm,
    HandoverForm,
    InformForm,
    ResolveForm,
    TicketForm,
)
from tickets.models import Handover, Ticket
from tickets.ownership import views as ownership_views
from tickets.recourse import views as recourse_views
from tickets.repairs import views as repair_views
from tickets.replies.forms import message_with_reply

QUEUE_SORTS = {
    "-created": ("-created_at", "-pk"),
    "created": ("created_at", "pk"),
    "priority": ("priority", "-created_at", "-pk"),
    "resolve_due": ("resolve_due_at", "-pk"),
}


@staff_required
def ticket_list(request):
    """My cases, my units, awaiting my acceptance, due today, overdue, or all I may see;
    filtered (status, type, priority), sorted and searched. Every choice lives in the URL,
    so a queue can be bookmarked or shared."""
    view = request.GET.get("view", "mine")
    q = request.GET.get("q", "")
    sort = request.GET.get("sort", "-created")
    if sort not in QUEUE_SORTS:
        sort = "-created"
    now = timezone.now()
    tickets = selectors.ticket_list(user=request.user, view=view, q=q, now=now)
    filterset = TicketFilterSet(request.GET, queryset=tickets)
    if filterset.is_valid():
        tickets = filterset.qs
    rows = tickets.only(*selectors.QUEUE_ROW_FIELDS).order_by(*QUEUE_SORTS[sort])
    page = BoundedPaginator(rows, 25).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    return render(
        request,
        "tickets/ticket_list.html",
        {
            "page": page,
            "view": view,
            "q": q,
            "sort": sort,
            "now": now,
            "filter_form": filterset.page_fields(),
            "querystring": keep.urlencode(),
        },
    )


# The panels of other concerns on the case page; each offers `panel_context(request, ticket)`
# (templates/tickets/_<concern>_panel.html).
PANELS = (repair_views, recourse_views, attachment_views, ownership_views)

# An action form as a page of its own, where the case page's buttons lead without
# JavaScript (with htmx they load the form's fragment into the page).


@staff_required
def ticket_detail(request, number: str):
    """The case: status, owners, pinned standard, clocks, timeline, allowed actions.
    The action forms are not rendered here: each is a button that loads its form
    (`ticket_form_view` and the panels' `*_form_view`), so the page builds no widget
    and lists no staff, unit, technician or party."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    panels: dict = {}
    for panel in PANELS:
        panels.update(panel.panel_context(request, ticket))
    now = timezone.now()
    actions = workflow.allowed_actions(
        ticket.status, roles=set(request.user.role_names)
    )
    return render(
        request,
        "tickets/ticket_detail.html",
        {
            **panels,
            "ticket": ticket,
            "events": selectors.ticket_events(ticket=ticket),
            "actions": actions,
            "handovers": selectors.pending_handovers(ticket=ticket),
            "now": now,
            "clocks": selectors.ticket_clocks(ticket=ticket, now=now),
            "linked_cases": selectors.linked_cases(ticket=ticket),
            "tracking_url": case_selectors.portal_tracking_url(
                ticket=ticket, site_url=request.build_absolute_uri("/")
            ),
            "is_open": workflow.is_open(ticket.status),
            "entitlement_options": [
                entitlement.OPTION_LABELS.get(o, o)
                for o in ticket.entitlement.get("options", [])
            ],
            "entitlement_reasons": [
                entitlement.describe(r) for r in ticket.entitlement.get("reasons", [])
            ],
            "entitlement_basis": [
                standard_selectors.citation_text(citation)
                for citation in ticket.entitlement.get("basis", [])
            ],
            "can_resolve": "resolve" in actions,
        },
    )


class CaseForm(NamedTuple):
    """One of the case page's own action forms, loaded on demand."""

    partial: str  # the fragment, in the case page's template
    title: str  # the page's title when opened without JavaScript
    offered: Callable[[Ticket, User], bool]  # whether the page offers it
    context: Callable[[Ticket, User], dict]  # the unbound form


def _while_open(ticket: Ticket, user: User) -> bool:
    return workflow.is_open(ticket.status)


def _to_resolvers(ticket: Ticket, user: User) -> bool:
    return _while_open(ticket, user) and "resolve" in workflow.allowed_actions(
        ticket.status, roles=set(user.role_names)
    )


CASE_FORMS = {
    "handover": CaseForm(
        "tickets/ticket_detail.html#handover-form",
        gettext_lazy("Hand over"),
        _while_open,
        lambda ticket, user: {"handover_form": HandoverForm()},
    ),
    "inform": CaseForm(
        "tickets/ticket_detail.html#inform-form",
        gettext_lazy("Tell the customer"),
        _while_open,
        lambda ticket, user: {"inform_form": InformForm(user=user)},
    ),
    "resolve": CaseForm(
        "tickets/ticket_detail.html#resolve-form",
        gettext_lazy("Resolve"),
        _to_resolvers,
        lambda ticket, user: {
            "resolve_form": ResolveForm(
                initial={"liability": ticket.liability or "none"}
            )
        },
    ),
    "comment": CaseForm(
        "tickets/ticket_detail.html#comment-form",
        gettext_lazy("Add note"),
        lambda ticket, user: True,
        lambda ticket, user: {"comment_form": CommentForm(user=user)},
    ),
}


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def ticket_form_view(request, number: str, form: str):
    """One action form of the case page (hand over, tell the customer, resolve, add a
    note), for a case the user may see (404 otherwise) and only while the page would
    offer it: the fragment for htmx, else a page of its own. It posts to the same
    endpoint the page's form always did."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    case_form = CASE_FORMS[form]
    if not case_form.offered(ticket, request.user):
        raise Http404
    return action_form_response(
        request,
        ticket,
        case_form.partial,
        case_form.title,
        case_form.context(ticket, request.user),
    )


@staff_required
@require_POST
def ticket_action(request, number: str):
    """Fire a lifecycle action from the case page."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    try:
        services.ticket_transition(
            ticket=ticket,
            action=request.POST.get("action", ""),
            actor=request.user,
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(
            request, " ".join(m for ms in exc.message_dict.values() for m in ms)
        )
    else:
        messages.success(request, _("Done."))
    return redirect(ticket)


@staff_required
def ticket_create(request):
    """Log a case in seconds: find the customer (phone, name, serial…), pick the product,
    type and priority, describe the fault. You become its first owner."""
    q = request.GET.get("q", "")
    customer = None
    if request.GET.get("customer"):
        customer = archive_selectors.customer_get(
            user=request.user, pk=int(request.GET["customer"])
        )
    matches = (
        archive_selectors.customer_list(user=request.user, q=q)[:10]
        if q and customer is None
        else []
    )
    form = TicketForm(request.POST or None, customer=customer)
    if request.method == "POST" and customer is not None and form.is_valid():
        try:
            ticket = services.ticket_open(
                actor=request.user, customer=customer, **form.cleaned_data
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(
                request,
                _("Case %(number)s opened; you are its first owner.")
                % {"number": ticket.number},
            )
            return redirect(ticket)
    return render(
        request,
        "tickets/ticket_form.html",
        {"q": q, "matches": matches, "customer": customer, "form": form},
    )


@staff_required
@require_POST
def ticket_handover(request, number: str):
    """Request a handover to a unit or person."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    form = HandoverForm(request.POST)
    if not form.is_valid():
        form_errors_message(request, form)
        return redirect(ticket)
    try:
        services.handover_request(
            ticket=ticket, actor=request.user, **form.cleaned_data
        )
    except (DomainError, ValidationError) as exc:
        messages.error(
            request,
            " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc),
        )
    else:
        messages.success(request, _("Handover requested."))
    return redirect(ticket)


@staff_required
@require_POST
def handover_decide(request, pk: int):
    """Accept or reject (with a reason) a handover addressed to me or my unit."""
    handover = get_object_or_404(
        Handover.objects.select_related("ticket"),
        pk=pk,
        status=Handover.Status.REQUESTED,
    )
    try:
        if request.POST.get("decision") == "accept":
            services.handover_accept(handover=handover, actor=request.user)
            messages.success(request, _("You took over the case."))
        else:
            services.handover_reject(
                handover=handover,
                actor=request.user,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Handover rejected; the coordinator decides."))
    except PermissionDenied:
        messages.error(request, _("This handover is addressed to someone else."))
    except (DomainError, ValidationError) as exc:
        messages.error(
            request,
            " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc),
        )
    return redirect(handover.ticket)


@staff_required
@require_POST
def ticket_inform(request, number: str):
    """Record what the customer was told (and send it, by SMS or e-mail)."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    form = InformForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.ticket_inform_customer(
                ticket=ticket,
                actor=request.user,
                **message_with_reply(
                    form.cleaned_data, message_field="message", ticket=ticket
                ),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            sent = form.cleaned_data["channel"] != "call"
            messages.success(
                request,
                _("Sent to the customer and recorded.")
                if sent
                else _("Recorded: the customer was informed."),
            )
    else:
        form_errors_message(request, form)
    return redirect(ticket)


@staff_required
@require_POST
def ticket_resolve(request, number: str):
    """Resolve with cause, liability and resolution."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        form_errors_message(request, form)
        return redirect(ticket)
    try:
        services.ticket_resolve(ticket=ticket, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(
            request, " ".join(m for ms in exc.message_dict.values() for m in ms)
        )
    else:
        messages.success(request, _("Resolved."))
    return redirect(ticket)


@staff_required
@require_POST
def ticket_comment(request, number: str):
    """Add an internal note or a customer-visible reply."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    form = CommentForm(request.POST, user=request.user)
    if form.is_valid():
        services.ticket_comment(
            ticket=ticket,
            actor=request.user,
            **message_with_reply(
                form.cleaned_data, message_field="body", ticket=ticket
            ),
        )
    else:
        form_errors_message(request, form)
    return redirect(ticket)
