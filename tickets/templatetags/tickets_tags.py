"""Template helpers of the tickets pages: status and SLA badges, and the queue's rows. All
are simple tags that build their few elements directly: as includes, inclusion tags or a
template loop they cost a template render per queue row (the rows' loop was three fifths
of a queue page's rendering)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from aftersales.templatetags.choices import display
from tickets.cases import selectors as case_selectors
from tickets.models import Ticket
from tickets.workflow import TicketStatus

register = template.Library()

CLOCK_NAMES = {
    "acknowledge": lambda: _("acknowledge"),
    "first_contact": lambda: _("first contact"),
    "onsite": lambda: _("on site"),
    "resolve": lambda: _("resolve"),
}


def _duration(seconds: float) -> str:
    hours = abs(seconds) / 3600
    if hours < 1:
        return _("%(minutes)d min") % {"minutes": max(1, round(hours * 60))}
    if hours < 48:
        return _("%(hours)d h") % {"hours": round(hours)}
    return _("%(days)d d") % {"days": round(hours / 24)}


@register.simple_tag
def sla_badge(ticket: Ticket, now: datetime) -> str:
    """The next clock of an open case as a badge, in the state standards.sla.clock_state
    gives it (the case page shows the same): red when overdue, amber past its 80 % warning
    point, grey when paused, green otherwise (wall-clock time left)."""
    nxt = ticket.next_due
    if nxt is None:
        return mark_safe('<span class="text-body-secondary">—</span>')  # a constant
    due, clock = nxt
    state = case_selectors.ticket_clock_state(ticket=ticket, clock=clock, now=now)
    seconds = (due - now).total_seconds()
    if state.state == "paused":
        css, text = "text-bg-secondary", _("paused")
    elif state.state == "overdue":
        css = "text-bg-danger"
        text = _("%(clock)s overdue %(time)s") % {
            "clock": CLOCK_NAMES[clock](),
            "time": _duration(seconds),
        }
    else:
        css = "text-bg-warning" if state.state == "warning" else "text-bg-success"
        text = _("%(clock)s in %(time)s") % {
            "clock": CLOCK_NAMES[clock](),
            "time": _duration(seconds),
        }
    return format_html(
        '<span class="badge {}" data-clock="{}" title="{}">{}</span>',
        css,
        clock,
        date_format(timezone.localtime(due), "Y-m-d H:i"),
        text,
    )


@register.simple_tag
def status_badge(status: str, label) -> str:
    """A case status as a coloured badge (the colours are in the stylesheet, per status)."""
    return format_html(
        '<span class="badge ticket-status ticket-{}">{}</span>', status, label
    )


@register.filter
def status_label(value: str) -> str:
    """A case status code as its translated label (timeline entries store codes)."""
    try:
        return TicketStatus(value).label
    except ValueError:
        return value


@register.simple_tag
def queue_rows(tickets, now: datetime) -> str:
    """The queue table's rows (tickets.cases.selectors.QUEUE_ROW_FIELDS are read): number,
    title with safety badge, type and source, customer, status with escalation level,
    priority, first owner, handler and unit, and the next clock's SLA badge."""
    rows = [_queue_row(ticket, now) for ticket in tickets]
    if not rows:
        return format_html(
            '<tr><td colspan="8" class="text-body-secondary">{}</td></tr>',
            _("No cases here."),
        )
    return mark_safe("".join(rows))  # noqa: S308  # each row is built by format_html


def _queue_row(ticket: Ticket, now: datetime) -> str:
    safety = ""
    if ticket.safety_incident:
        safety = format_html(
            ' <span class="badge text-bg-danger">{}</span>', _("safety")
        )
    escalation = ""
    if ticket.escalation_level:
        escalation = format_html(
            ' <span class="badge text-bg-danger" title="{}">L{}</span>',
            _("Escalation level"),
            ticket.escalation_level,
        )
    return format_html(
        '<tr><td class="text-nowrap"><a href="{}">{}</a></td>'
        '<td>{}{}<div class="small text-body-secondary">{} · {}</div></td>'
        '<td>{}</td><td>{}{}</td><td>{}</td><td class="small">{}</td>'
        '<td class="small">{}<div class="text-body-secondary">{}</div></td>'
        '<td class="small text-nowrap" data-testid="sla">{}</td></tr>',
        ticket.get_absolute_url(),
        ticket.number,
        ticket.title,
        safety,
        display(ticket, "type"),
        display(ticket, "source"),
        ticket.customer.name,
        status_badge(ticket.status, display(ticket, "status")),
        escalation,
        ticket.priority,
        ticket.first_owner.name,
        ticket.handler.name if ticket.handler_id else "—",
        ticket.unit.name,
        sla_badge(ticket, now),
    )
