"""Reads of the tickets app, always starting from `Ticket.objects.visible_to(user)`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from aftersales.models import Unit, User
from aftersales.permissions import unit_scope
from customers.models import Customer
from standards import selectors as standard_selectors
from standards import sla
from tickets import workflow
from tickets.models import CLOCK_DONE_FIELDS, Handover, Ticket, TicketEvent


def _done_field(clock: str) -> str:
    return CLOCK_DONE_FIELDS[clock]


def overdue_condition(now: datetime) -> Q:
    """Cases with a clock past due and not yet met."""
    condition = Q()
    for clock in sla.CLOCKS:
        condition |= Q(
            **{f"{clock}_due_at__lt": now, f"{_done_field(clock)}__isnull": True}
        )
    return condition


# A search term that can only be the start of a case number (tickets.cases.services
# numbers cases "T<yyyymmdd>-<id>").
CASE_NUMBER_START = re.compile(r"^[Tt]\d")
# Case numbers hold only ASCII letters, digits and dashes (imported ones too).
CASE_NUMBER_PART = re.compile(r"^[A-Za-z0-9-]+$")

# At most this many customers whose name starts with the search term widen a queue search
# (a name typed that short matches more than anyone reads; the number and title still match).
SEARCH_CUSTOMERS_MAX = 200

# The columns a queue row shows (number, title, labels, badges and the next clock, which
# needs each clock's due, warning and done times): a queue page reads these, not the
# description and the other fifty columns of each case and its four related rows.
QUEUE_ROW_FIELDS = (
    "number", "title", "type", "source", "status", "priority", "safety_incident",
    "escalation_level", "created_at", "paused_at", "closed_at",
    *(f"{clock}_{part}" for clock in sla.CLOCKS for part in ("due_at", "warn_at")),
    *CLOCK_DONE_FIELDS.values(),
    "customer__name",
    *(f"{user}__{field}" for user in ("first_owner", "handler")
      for field in ("username", "first_name", "last_name")),
    "unit__name",
)  # fmt: skip


def ticket_list(
    *, user: User, view: str = "", q: str = "", now: datetime | None = None
) -> QuerySet[Ticket]:
    """The staff queue: `view` is mine (first owner or handler), units, awaiting (handovers
    waiting for me or my units), today (a clock due by the end of today), overdue, or all
    visible; `q` finds number, title or customer. Customer, owner, handler and unit are
    loaded (a constant number of queries). No view joins a to-many relation: handovers are
    an `id IN (subquery)` semi-join, units an id list, so no row repeats and no DISTINCT
    is needed (the count stays an index count at any size)."""
    mine = Q(first_owner=user) | Q(handler=user)
    if view == "mine" and user.is_staff_member:
        # A member of staff sees every case they own or handle (visible_to), so their
        # own cases need no other test: two indexed columns, counted from the indexes.
        tickets = Ticket.objects.filter(mine)
    elif view == "mine":
        tickets = Ticket.objects.visible_to(user).filter(mine)
    else:
        tickets = Ticket.objects.visible_to(user)
    if view == "units":
        units = Unit.objects.subtree_of(user.units.all()).values_list("pk", flat=True)
        tickets = tickets.filter(unit_id__in=list(units))
    elif view == "awaiting":
        scope = unit_scope(user)
        waiting = Handover.objects.filter(status=Handover.Status.REQUESTED).filter(
            Q(to_user=user) | Q(to_unit_id__in=scope.member_ids)
        )
        tickets = tickets.filter(pk__in=waiting.values("ticket_id"))
    elif view == "today" and now is not None:
        # Open cases with a clock due before the end of today (local time), not yet met.
        end_of_day = timezone.localtime(now).replace(
            hour=23, minute=59, second=59, microsecond=999999
        )
        tickets = tickets.filter(status__in=workflow.OPEN_STATES).filter(
            overdue_condition(end_of_day)
        )
    elif view == "overdue" and now is not None:
        tickets = tickets.filter(status__in=workflow.OPEN_STATES).filter(
            overdue_condition(now)
        )
    if q.strip():
        tickets = tickets.filter(ticket_search_condition(q))
    return tickets.select_related("customer", "first_owner", "handler", "unit")


def needs_me_now(*, user: User, now: datetime) -> list[dict]:
    """What waits for the person now, counted as the queue's tabs count it: handovers
    awaiting my (or my units') acceptance, cases overdue and cases due today (three
    counts)."""
    return [
        {"view": view, "label": label,
         "count": ticket_list(user=user, view=view, now=now).count()}
        for view, label in (
            ("awaiting", gettext_lazy("Awaiting my acceptance")),
            ("overdue", gettext_lazy("Overdue")),
            ("today", gettext_lazy("Due today")),
        )
    ]  # fmt: skip


def ticket_search_condition(q: str) -> Q:
    """Number or title containing `q`, or a customer whose name starts with it. The
    customers are looked up first (an indexed prefix match, at most
    SEARCH_CUSTOMERS_MAX), so the case query is an OR of indexed tests (trigram indexes
    serve the contains-matches on PostgreSQL) rather than a join."""
    term = q.strip()
    customer_ids = list(
        Customer.objects.filter(search_name__startswith=term.casefold())
        .order_by()
        .values_list("pk", flat=True)[:SEARCH_CUSTOMERS_MAX]
    )
    condition = Q(title__icontains=term)
    if CASE_NUMBER_START.match(term):
        # Case numbers are "T<date>-<id>" and only begin with the letter, so containing
        # such a term is beginning with it: a prefix match on the number's own index (the
        # trigram index would intersect the trigrams every number shares, "T20", "202").
        condition |= Q(number__startswith=term.upper())
    elif CASE_NUMBER_PART.match(term):
        condition |= Q(number__icontains=term)
    # Any other term (a name, Chinese text) is in no case number: not searched there.
    if customer_ids:
        condition |= Q(customer_id__in=customer_ids)
    return condition


def ticket_clocks(*, ticket: Ticket, now: datetime) -> list[dict]:
    """Every clock of the case for the case page and the API: due time, when it was met,
    its state (standards.sla.clock_state) and the time left, in business hours when the
    pinned standard counts business hours (otherwise wall-clock hours)."""
    parameters = ticket.standard_version.parameters if ticket.standard_version else {}
    business = sla.counts_business_hours(parameters)
    calendar = (
        standard_selectors.calendar_for_unit(unit=ticket.unit) if business else None
    )
    clocks = []
    for clock in sla.CLOCKS:
        due = getattr(ticket, f"{clock}_due_at")
        done = getattr(ticket, _done_field(clock))
        state = ticket_clock_state(
            ticket=ticket, clock=clock, now=now, calendar=calendar
        )
        left = state.hours_left
        clocks.append(
            {
                "key": clock,
                "due": due,
                "done": done,
                "state": state.state,
                "hours_left": round(left, 1) if left is not None else None,
                "hours_over": round(state.hours_over, 1)
                if state.hours_over is not None
                else None,
                "business_hours": business,
            }
        )
    return clocks


def ticket_clock_state(
    *, ticket: Ticket, clock: str, now: datetime, calendar=None
) -> sla.ClockState:
    """One clock of the case as standards.sla.clock_state sees it (the case page, the
    queue badge and the API share this)."""
    return sla.clock_state(
        due=getattr(ticket, f"{clock}_due_at"),
        warn=getattr(ticket, f"{clock}_warn_at"),
        done=getattr(ticket, _done_field(clock)),
        is_open=ticket.status in workflow.OPEN_STATES,
        ended_at=ticket.resolved_at or ticket.closed_at,
        paused_at=ticket.paused_at,
        now=now,
        calendar=calendar,
    )


def ticket_get(*, user: User, number: str) -> Ticket:
    """One case by number (or id) that `user` may see; 404 otherwise."""
    lookup = Q(number=number) | (Q(pk=int(number)) if number.isdigit() else Q())
    return get_object_or_404(
        Ticket.objects.visible_to(user)
        .select_related(
            "customer", "product__model", "first_owner", "handler", "unit",
            "standard_version__document", "linked_to",
        )
        .filter(lookup)
    )  # fmt: skip


def linked_cases(*, ticket: Ticket) -> list[Ticket]:
    """Cases that arose from this one (e.g. a complaint about its service), by number."""
    return list(ticket.linked_cases.only("number").order_by("pk"))


def ticket_events(
    *, ticket: Ticket, public_only: bool = False
) -> QuerySet[TicketEvent]:
    """The case timeline, oldest first."""
    events = ticket.events.select_related("actor")
    return events.filter(public=True) if public_only else events


def pending_handovers(*, ticket: Ticket) -> QuerySet[Handover]:
    """Handovers of the case waiting for acceptance."""
    return ticket.handovers.filter(status=Handover.Status.REQUESTED).select_related(
        "to_unit", "to_user", "from_user"
    )


# --- The customer's tracking link (shown on the case page, opened on the portal) ----------

TRACKING_SALT = "aftersales.portal.tracking"
TRACKING_DAYS_DEFAULT = 90


class TrackingLinkExpired(Exception):  # noqa: N818  # the domain's word for the case
    """A genuine tracking link whose validity period has passed."""


def tracking_days() -> int:
    """How long a tracking link stays valid (settings.AFTERSALES_PORTAL_TRACKING_DAYS)."""
    return int(
        getattr(settings, "AFTERSALES_PORTAL_TRACKING_DAYS", TRACKING_DAYS_DEFAULT)
    )


def tracking_token(*, ticket: Ticket) -> str:
    """An unguessable, expiring token for the case: its id, HMAC-signed with the secret key
    and a salt, with the time it was issued (checked against `tracking_days()`)."""
    return signing.dumps({"t": ticket.pk}, salt=TRACKING_SALT)


def portal_tracking_url(*, ticket: Ticket, site_url: str = "") -> str:
    """The customer's tracking link of a case (a fresh token), e.g. for staff to copy;
    absolute when `site_url` ("https://host") is given."""
    path = reverse("portal:tracking", args=[tracking_token(ticket=ticket)])
    return f"{site_url.rstrip('/')}{path}"


def tracking_link(*, ticket: Ticket) -> str:
    """The tracking link for a message to the customer: absolute on the site's address
    (settings.AFTERSALES_BASE_URL)."""
    return portal_tracking_url(ticket=ticket, site_url=settings.AFTERSALES_BASE_URL)


def ticket_get_by_token(*, token: str) -> Ticket:
    """The case a tracking token names. A tampered or unknown token is a 404; a genuine
    but expired one raises TrackingLinkExpired."""
    try:
        payload = signing.loads(
            token, salt=TRACKING_SALT, max_age=timedelta(days=tracking_days())
        )
    except signing.SignatureExpired as exc:
        raise TrackingLinkExpired from exc
    except signing.BadSignature as exc:
        raise Http404 from exc
    ticket_id = payload.get("t") if isinstance(payload, dict) else None
    if not isinstance(ticket_id, int):
        raise Http404
    return get_object_or_404(
        Ticket.objects.select_related("product__model", "customer"), pk=ticket_id
    )
