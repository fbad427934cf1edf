"""Staff pages of the tickets app: the queue and the case page (first version: read and
act through the lifecycle buttons; the intake form and handover forms come next)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.exceptions import DomainError
from aftersales.views import staff_required

from . import selectors, services, workflow


@staff_required
def ticket_list(request):
    """My cases, my units, awaiting my acceptance, overdue, or all I may see."""
    view = request.GET.get("view", "mine")
    q = request.GET.get("q", "")
    tickets = selectors.ticket_list(
        user=request.user, view=view, q=q, now=timezone.now()
    )
    page = Paginator(tickets.order_by("-created_at", "-pk"), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request, "tickets/ticket_list.html", {"page": page, "view": view, "q": q}
    )


@staff_required
def ticket_detail(request, number: str):
    """The case: status, owners, pinned standard, clocks, timeline, allowed actions."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    return render(
        request,
        "tickets/ticket_detail.html",
        {
            "ticket": ticket,
            "events": selectors.ticket_events(ticket=ticket),
            "actions": workflow.allowed_actions(
                ticket.status, roles=set(request.user.role_names)
            ),
            "handovers": selectors.pending_handovers(ticket=ticket),
            "now": timezone.now(),
        },
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
