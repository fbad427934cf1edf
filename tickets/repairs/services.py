"""Writes for repairs, field visits, offers against the entitlement, and the daily
legal-clock sweep (domain §4 entitlement rules, §6 "Repairs and visits", "Entitlement
engine").

- Repair records drive the entitlement: after every change the engine runs again and a
  change of the options owed is recorded (ENTITLEMENT_CHANGED) and told to the first owner.
- A field visit's arrival stops the on-site clock; its conduct checklist is the pinned
  standard's, item for item.
- Offering less than the entitlement needs a reason and a supervisor's (or manager's)
  approval, never the offerer's own.
- Any work recorded on an acknowledged (or reopened) case starts it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    CharField,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.exceptions import ActionForbidden, InvalidTransition, StaleObject
from aftersales.models import User
from aftersales.roles import Role
from aftersales.services import job_run, notify
from customers import services as archive_services
from customers.models import ValidityEvent
from standards import selectors as standard_selectors
from standards.models import StandardVersion
from tickets import entitlement, workflow
from tickets.cases import messages
from tickets.cases.services import (
    _require_staff,
    _supervisors,
    ticket_compute_entitlement,
    ticket_transition,
)
from tickets.events import ticket_event_record
from tickets.models import FieldVisit, Offer, Repair, Ticket, TicketEvent
from tickets.repairs.selectors import (
    conduct_checklist,
    offer_may_decide,
    repair_days,
    repair_history_facts,
)
from tickets.workflow import TicketAction, TicketStatus

__all__ = [
    "legal_clock_sweep",
    "offer_decide",
    "offer_make",
    "repair_finish",
    "repair_record",
    "visit_complete",
    "visit_reminder_sweep",
    "visit_schedule",
]

# Work recorded on a case in these states starts it (api.md: "any work on it … moves it
# to in_progress").
_WORK_STARTS_FROM = frozenset({TicketStatus.ACKNOWLEDGED, TicketStatus.REOPENED})
_FINISHED_OUTCOMES = frozenset({Repair.Outcome.FIXED, Repair.Outcome.FAILED})
# The legal-clock sweep warns this many days before a window's last day.
_WINDOW_WARNING_DAYS = 2
# The day limits the sweep watches.
_DAY_LIMITS = (
    "return_window_days",
    "exchange_window_days",
    "repairer_fault_max_repair_days",
    "parts_wait_max_days",
    "cumulative_repair_days_max",
    "single_repair_spare_car_days",
    "no_reason_return_days",
)
# Vehicle limits come from the vehicle law only (as in the engine).
_LEGAL_ONLY = frozenset({"cumulative_repair_days_max", "single_repair_spare_car_days"})
_VEHICLE = "vehicle"

_WINDOW_LABELS = {
    "return": pgettext_lazy("legal window", "return"),
    "exchange": pgettext_lazy("legal window", "exchange"),
    "no_reason_return": pgettext_lazy("legal window", "no-reason return"),
}
_LIMIT_LABELS = {
    "repairer_fault": _("repair delayed by the repairer"),
    "parts_wait": _("waiting for parts"),
    "spare_car": _("single vehicle repair"),
    "cumulative": _("cumulative vehicle repair days"),
}


# --- Shared checks ---------------------------------------------------------------------------


def _require_open(ticket: Ticket) -> None:
    if not workflow.is_open(ticket.status):
        raise InvalidTransition(
            _("The case is %(status)s: no work can be recorded on it.")
            % {"status": TicketStatus(ticket.status).label}
        )


def _is_staff(user: User | None) -> bool:
    return user is not None and user.is_active and user.is_staff_member


def _start_work(ticket: Ticket, actor: User) -> None:
    """An acknowledged or reopened case starts when work is recorded on it."""
    ticket.refresh_from_db(fields=["status"])
    if ticket.status in _WORK_STARTS_FROM:
        ticket_transition(ticket=ticket, action=TicketAction.START, actor=actor)


def _options_text(options: list[str]):
    """The options as a lazy, comma-separated text (rendered in the reader's language)."""
    labels = [entitlement.OPTION_LABELS.get(option, option) for option in options]
    if not labels:
        return "—"
    return format_lazy(", ".join(["{}"] * len(labels)), *labels)


def _recompute(
    ticket: Ticket,
    actor: User | None,
    *,
    key: str | None = None,
    at: datetime | None = None,
    cause: dict[str, Any] | None = None,
) -> bool:
    """Run the entitlement engine again; when the options owed changed, record it (once
    per `key` when given) and tell the first owner. True when they changed."""
    old = list((ticket.entitlement or {}).get("options", []))
    as_of = timezone.localdate(at) if at else None
    new = list(
        ticket_compute_entitlement(ticket=ticket, as_of=as_of).get("options", [])
    )
    if new == old:
        return False
    try:
        with transaction.atomic():
            event = ticket_event_record(
                ticket,
                TicketEvent.Type.ENTITLEMENT_CHANGED,
                actor,
                data={"old_options": old, "new_options": new, **(cause or {})},
                key=key,
                at=at,
            )
    except IntegrityError:
        return False
    notify(
        recipient=ticket.first_owner,
        kind="entitlement_changed",
        key=f"entitlement-changed:{event.pk}",
        title=_("%(number)s: what the customer is owed has changed"),
        title_params={"number": ticket.number},
        body=_("The customer is now owed: %(options)s."),
        body_params={"options": _options_text(new)},
        url=ticket.get_absolute_url(),
    )
    return True


# --- Repairs ---------------------------------------------------------------------------------


def _repair_errors(
    *,
    started_on: date,
    ended_on: date | None,
    parts_wait_days: int,
    outcome: str,
    today: date,
) -> dict[str, list]:
    errors: dict[str, list] = {}
    if started_on > today:
        errors["started_on"] = [_("The repair cannot start in the future.")]
    if ended_on is not None:
        if ended_on < started_on:
            errors["ended_on"] = [_("The repair cannot end before it started.")]
        elif ended_on > today:
            errors["ended_on"] = [_("The repair cannot end in the future.")]
    if outcome not in Repair.Outcome.values:
        errors["outcome"] = [_("Choose in progress, fixed or failed.")]
    elif ended_on is None and outcome != Repair.Outcome.IN_PROGRESS:
        errors.setdefault("ended_on", []).append(
            _("A fixed or failed repair needs its end date.")
        )
    elif ended_on is not None and outcome == Repair.Outcome.IN_PROGRESS:
        errors["outcome"] = [_("A finished repair was either fixed or failed.")]
    if parts_wait_days is None or parts_wait_days < 0:
        errors["parts_wait_days"] = [_("Enter zero or more days.")]
    elif "started_on" not in errors and "ended_on" not in errors:
        days = repair_days(started_on=started_on, ended_on=ended_on, as_of=today)
        if parts_wait_days > days:
            errors["parts_wait_days"] = [
                _("The wait for parts (%(parts)s days) cannot exceed the days in repair "
                  "(%(days)s).") % {"parts": parts_wait_days, "days": days}
            ]  # fmt: skip
    return errors


def _extend_validity(repair: Repair) -> None:
    """A finished repair extends the product's validity by its days in repair and for
    parts (domain §4: repair and parts-wait days extend it)."""
    if repair.product_id is None or repair.ended_on is None:
        return
    # The case's own product instance, so the engine run that follows sees the new end.
    product = (
        repair.ticket.product
        if repair.ticket.product_id == repair.product_id
        else repair.product
    )
    days = repair_days(
        started_on=repair.started_on, ended_on=repair.ended_on, as_of=repair.ended_on
    )
    parts = min(repair.parts_wait_days, days)
    reference = f"repair:{repair.pk}"
    for kind, value in (
        (ValidityEvent.Kind.REPAIR_DAYS, days - parts),
        (ValidityEvent.Kind.PARTS_WAIT_DAYS, parts),
    ):
        if value > 0:
            archive_services.validity_event_add(
                product=product,
                kind=kind,
                on=repair.ended_on,
                days=value,
                note=f"{repair.ticket.number}",
                reference=reference,
            )


@transaction.atomic
def repair_record(
    *,
    ticket: Ticket,
    actor: User,
    started_on: date,
    ended_on: date | None = None,
    parts_wait_days: int = 0,
    fault_code: str = "",
    same_problem: bool = True,
    repairer_fault: bool = False,
    diagnosis: str = "",
    work_done: str = "",
    outcome: str = Repair.Outcome.IN_PROGRESS,
    technician: User | None = None,
) -> Repair:
    """Record a repair of the case's product (open, or already finished).

    Starts an acknowledged case; finished repairs extend the product's validity; the
    entitlement is computed again (two failed repairs, 30- and 90-day limits)."""
    _require_staff(actor)
    _require_open(ticket)
    errors = _repair_errors(
        started_on=started_on,
        ended_on=ended_on,
        parts_wait_days=parts_wait_days,
        outcome=outcome,
        today=timezone.localdate(),
    )
    if technician is not None and not _is_staff(technician):
        errors["technician"] = [_("Choose an active member of staff.")]
    if ticket.product is not None and started_on < ticket.product.sale_date:
        errors.setdefault("started_on", []).append(
            _("The repair cannot start before the product was sold.")
        )
    if errors:
        raise ValidationError(errors)
    if ended_on is None and ticket.repairs.filter(ended_on__isnull=True).exists():
        raise InvalidTransition(
            _("This case already has a repair in progress: finish it first.")
        )
    repair = Repair(
        ticket=ticket,
        product_id=ticket.product_id,
        technician=technician,
        started_on=started_on,
        ended_on=ended_on,
        parts_wait_days=parts_wait_days,
        fault_code=fault_code or ticket.fault_code,
        same_problem=same_problem,
        repairer_fault=repairer_fault,
        diagnosis=diagnosis,
        work_done=work_done,
        outcome=outcome,
        created_by=actor,
    )
    repair.full_clean()
    repair.save()
    ticket_event_record(
        ticket,
        TicketEvent.Type.REPAIR,
        actor,
        data={
            "repair": repair.pk,
            "step": "recorded",
            "started_on": started_on.isoformat(),
            "ended_on": ended_on.isoformat() if ended_on else None,
            "outcome": outcome,
        },
    )
    _extend_validity(repair)
    _start_work(ticket, actor)
    _recompute(ticket, actor, cause={"repair": repair.pk})
    return repair


@transaction.atomic
def repair_finish(
    *,
    repair: Repair,
    actor: User,
    ended_on: date,
    outcome: str,
    work_done: str = "",
    parts_wait_days: int | None = None,
) -> Repair:
    """Finish an open repair as fixed or failed (and, when given, the days it waited for
    parts). The product's validity is extended and the entitlement computed again: the
    second failed repair of the same problem owes an exchange or a return."""
    _require_staff(actor)
    if repair.ended_on is not None:
        raise StaleObject(_("This repair is already finished."))
    parts = repair.parts_wait_days if parts_wait_days is None else parts_wait_days
    errors = _repair_errors(
        started_on=repair.started_on,
        ended_on=ended_on,
        parts_wait_days=parts,
        outcome=outcome,
        today=timezone.localdate(),
    )
    if outcome not in _FINISHED_OUTCOMES:
        errors["outcome"] = [_("A finished repair was either fixed or failed.")]
    if errors:
        raise ValidationError(errors)
    if not Repair.objects.filter(pk=repair.pk, ended_on__isnull=True).update(
        ended_on=ended_on,
        outcome=outcome,
        parts_wait_days=parts,
        work_done=work_done or repair.work_done,
    ):
        raise StaleObject(_("This repair is already finished."))
    repair.refresh_from_db()
    ticket = Ticket.objects.select_related(
        "product__model", "standard_version", "first_owner"
    ).get(pk=repair.ticket_id)
    repair.ticket = ticket
    days = repair_days(started_on=repair.started_on, ended_on=ended_on, as_of=ended_on)
    ticket_event_record(
        ticket,
        TicketEvent.Type.REPAIR,
        actor,
        data={
            "repair": repair.pk,
            "step": "finished",
            "outcome": outcome,
            "ended_on": ended_on.isoformat(),
            "days_in_repair": days,
            "parts_wait_days": parts,
        },
    )
    _extend_validity(repair)
    _recompute(ticket, actor, cause={"repair": repair.pk})
    return repair


# --- Field visits ----------------------------------------------------------------------------


@transaction.atomic
def visit_schedule(
    *,
    ticket: Ticket,
    actor: User,
    technician: User,
    appointment_start: datetime,
    appointment_end: datetime | None = None,
) -> FieldVisit:
    """Book a technician's visit at the customer; the technician is told."""
    _require_staff(actor)
    _require_open(ticket)
    errors: dict[str, list] = {}
    if not _is_staff(technician):
        errors["technician"] = [_("Choose an active member of staff.")]
    if appointment_end is not None and appointment_end <= appointment_start:
        errors["appointment_end"] = [_("The appointment must end after it starts.")]
    if errors:
        raise ValidationError(errors)
    visit = FieldVisit.objects.create(
        ticket=ticket,
        technician=technician,
        appointment_start=appointment_start,
        appointment_end=appointment_end,
        created_by=actor,
    )
    ticket_event_record(
        ticket,
        TicketEvent.Type.VISIT,
        actor,
        data={
            "visit": visit.pk,
            "step": "scheduled",
            "technician": technician.pk,
            "appointment_start": appointment_start.isoformat(),
            "appointment_end": appointment_end.isoformat() if appointment_end else None,
        },
    )
    messages.customer_tell_visit_booked(visit=visit)
    if technician.pk != actor.pk:
        notify(
            recipient=technician,
            kind="visit_scheduled",
            key=f"visit-scheduled:{visit.pk}",
            title=_("Visit for %(number)s on %(when)s"),
            title_params={
                "number": ticket.number,
                "when": timezone.localtime(appointment_start).strftime(
                    "%Y-%m-%d %H:%M"
                ),
            },
            url=ticket.get_absolute_url(),
        )
    return visit


def visit_reminder_sweep(*, now: datetime) -> int:
    """Daily: remind the customer of each visit booked for tomorrow on an earlier day
    (a visit booked today was just told) whose case is open and that has not started;
    once per visit (the outbox key), held past quiet hours. Recorded as a job run;
    returns the number of reminders written."""
    today = timezone.localdate(now)
    tomorrow_starts = timezone.make_aware(
        datetime.combine(today + timedelta(days=1), time.min)
    )
    with job_run("visit_reminder_sweep") as run:
        visits = FieldVisit.objects.filter(
            appointment_start__gte=tomorrow_starts,
            appointment_start__lt=tomorrow_starts + timedelta(days=1),
            created_at__lt=tomorrow_starts - timedelta(days=1),
            arrived_at__isnull=True,
            ticket__status__in=workflow.OPEN_STATES,
        ).select_related("ticket__customer__user", "ticket__standard_version")
        for visit in visits.iterator(chunk_size=200):
            run.items += messages.customer_tell_visit_reminder(visit=visit) is not None
    return run.items


def _checklist_errors(checklist: Any, items: list[str]) -> list:
    if not isinstance(checklist, dict):
        return [_("Answer every item of the conduct checklist.")]
    errors = []
    missing = [item for item in items if item not in checklist]
    unknown = [str(key) for key in checklist if key not in items]
    if missing:
        errors.append(
            _("Missing checklist items: %(items)s.") % {"items": "; ".join(missing)}
        )
    if unknown:
        errors.append(
            _("Not on the standard's checklist: %(items)s.")
            % {"items": "; ".join(unknown)}
        )
    if (
        not missing
        and not unknown
        and not all(isinstance(value, bool) for value in checklist.values())
    ):
        errors.append(_("Each checklist item is done (true) or not (false)."))
    return errors


@transaction.atomic
def visit_complete(
    *,
    visit: FieldVisit,
    actor: User,
    arrived_at: datetime,
    departed_at: datetime | None = None,
    diagnosis: str,
    parts: str,
    fees: Decimal,
    checklist: dict[str, bool],
    customer_confirmed: bool,
) -> FieldVisit:
    """Record what happened at the customer's: arrival (stops the case's on-site clock
    the first time), departure, diagnosis, parts, fees, the conduct checklist of the
    pinned standard (every item answered, no other) and the customer's confirmation.
    Starts an acknowledged case."""
    _require_staff(actor)
    ticket = visit.ticket
    _require_open(ticket)
    if visit.arrived_at is not None:
        raise StaleObject(_("This visit is already recorded."))
    now = timezone.now()
    errors: dict[str, list] = {}
    if arrived_at > now:
        errors["arrived_at"] = [_("The arrival cannot be in the future.")]
    elif arrived_at < ticket.created_at:
        errors["arrived_at"] = [_("The arrival cannot be before the case was opened.")]
    if departed_at is not None:
        if departed_at < arrived_at:
            errors["departed_at"] = [_("The departure cannot be before the arrival.")]
        elif departed_at > now:
            errors["departed_at"] = [_("The departure cannot be in the future.")]
    if not (diagnosis or "").strip():
        errors["diagnosis"] = [_("Record the diagnosis.")]
    if fees is None or fees < 0:
        errors["fees"] = [_("Fees cannot be negative.")]
    items = conduct_checklist(ticket=ticket)
    if checklist_errors := _checklist_errors(checklist, items):
        errors["checklist"] = checklist_errors
    if errors:
        raise ValidationError(errors)
    answers = {item: checklist[item] for item in items}
    if not FieldVisit.objects.filter(pk=visit.pk, arrived_at__isnull=True).update(
        arrived_at=arrived_at,
        departed_at=departed_at,
        diagnosis=diagnosis,
        parts=parts or "",
        fees=fees,
        checklist=answers,
        conduct_items=len(answers),
        conduct_met=sum(1 for done in answers.values() if done),
        customer_confirmed=customer_confirmed,
    ):
        raise StaleObject(_("This visit is already recorded."))
    visit.refresh_from_db()
    # Compare-and-set: only the first arrival stops the on-site clock.
    stamped = bool(
        Ticket.objects.filter(pk=ticket.pk, onsite_at__isnull=True).update(
            onsite_at=arrived_at
        )
    )
    if stamped:
        ticket.onsite_at = arrived_at
    ticket_event_record(
        ticket,
        TicketEvent.Type.VISIT,
        actor,
        data={
            "visit": visit.pk,
            "step": "completed",
            "arrived_at": arrived_at.isoformat(),
            "checklist_missed": [item for item, done in answers.items() if not done],
            "customer_confirmed": customer_confirmed,
            "fees": str(fees),
            "onsite_clock_stopped": stamped,
        },
    )
    _start_work(ticket, actor)
    return visit


# --- Offers against the entitlement ----------------------------------------------------------


def _deciders(ticket: Ticket) -> set[User]:
    managers = set(User.objects.filter(groups__name=Role.MANAGER, is_active=True))
    return _supervisors(ticket.unit_id) | managers


@transaction.atomic
def offer_make(*, ticket: Ticket, actor: User, option: str, reason: str = "") -> Offer:
    """Offer the customer a remedy. Within the entitlement it stands at once; offering less
    than the best option owed needs a reason and waits for a supervisor's or manager's
    approval (domain §6), who are told."""
    _require_staff(actor)
    _require_open(ticket)
    if option not in entitlement.RANK:
        raise ValidationError({"option": [_("Choose one of the remedies.")]})
    below = entitlement.offers_less(ticket.entitlement or {}, option)
    if below and not reason.strip():
        raise ValidationError(
            {"reason": [_("Offering less than the customer is owed needs a reason.")]}
        )
    if ticket.offers.filter(status=Offer.Status.PENDING).exists():
        raise InvalidTransition(
            _("An offer on this case is waiting for approval: wait for the decision.")
        )
    offer = Offer.objects.create(
        ticket=ticket,
        option=option,
        reason=reason.strip(),
        below_entitlement=below,
        status=Offer.Status.PENDING if below else Offer.Status.ACCEPTED,
        offered_by=actor,
        offered_at=timezone.now(),
    )
    ticket_event_record(
        ticket,
        TicketEvent.Type.OFFER,
        actor,
        data={
            "offer": offer.pk,
            "option": option,
            "status": offer.status,
            "below_entitlement": below,
            "note": offer.reason,
        },
    )
    if below:
        for person in _deciders(ticket) - {actor}:
            notify(
                recipient=person,
                kind="offer_pending",
                key=f"offer-pending:{offer.pk}:{person.pk}",
                title=_("%(number)s: approve an offer below the entitlement"),
                title_params={"number": ticket.number},
                body=_("%(name)s offers %(option)s: %(reason)s"),
                body_params={
                    "name": actor.name,
                    "option": entitlement.OPTION_LABELS[option],
                    "reason": offer.reason,
                },
                url=ticket.get_absolute_url(),
            )
    return offer


@transaction.atomic
def offer_decide(*, offer: Offer, actor: User, approve: bool, note: str = "") -> Offer:
    """Approve or reject (with a note) an offer below the entitlement: only a supervisor of
    the case's unit (or a unit above it) or a manager, never the person who made it."""
    _require_staff(actor)
    if offer.offered_by_id == actor.pk:
        raise ActionForbidden(_("Someone else must decide on your own offer."))
    if not offer_may_decide(user=actor, offer=offer):
        raise ActionForbidden(
            _("Only a supervisor of the case's unit or a manager decides this offer.")
        )
    if not approve and not note.strip():
        raise ValidationError({"note": [_("Say why the offer is rejected.")]})
    status = Offer.Status.APPROVED if approve else Offer.Status.REJECTED
    now = timezone.now()
    if not Offer.objects.filter(pk=offer.pk, status=Offer.Status.PENDING).update(
        status=status, decided_by=actor, decided_at=now, decision_note=note.strip()
    ):
        raise StaleObject(_("This offer is not waiting for a decision."))
    offer.refresh_from_db()
    ticket = offer.ticket
    ticket_event_record(
        ticket,
        TicketEvent.Type.OFFER_DECIDED,
        actor,
        data={
            "offer": offer.pk,
            "option": offer.option,
            "approved": approve,
            "note": offer.decision_note,
        },
        at=now,
    )
    notify(
        recipient=offer.offered_by,
        kind="offer_decided",
        key=f"offer-decided:{offer.pk}",
        title=_("%(number)s: your offer was approved")
        if approve
        else _("%(number)s: your offer was rejected"),
        title_params={"number": ticket.number},
        body=offer.decision_note,
        url=ticket.get_absolute_url(),
    )
    return offer


# --- Legal-clock sweep -----------------------------------------------------------------------


def _engine_default(key: str) -> int | None:
    """The engine's own fallback for a day limit when neither the standard nor the law
    names one: its table of legal defaults (`entitlement.DEFAULTS`, which is
    standards.legal_data.LEGAL_DEFAULTS), the vehicle section for the vehicle-only limits,
    else the household one; None for a limit without a fallback (the no-reason return)."""
    section = "vehicle" if key in _LEGAL_ONLY else "household"
    return entitlement.DEFAULTS[section].get(key)


def _terms(ticket: Ticket, legal_sets: dict[str, dict]) -> dict[str, int | None]:
    """The day limits that govern the case, chosen as `ticket_compute_entitlement` and
    the engine choose them: the pinned standard's value when it was written against the
    product's law, else the law's, else the engine's default."""
    parameters = ticket.standard_version.parameters if ticket.standard_version else {}
    standard = (parameters or {}).get("entitlement", {}) or {}
    code = (ticket.product.legal_rule_set if ticket.product else "") or standard.get(
        "legal_rule_set", ""
    )
    if code != standard.get("legal_rule_set"):
        standard = {}
    legal = legal_sets.get(code, {}).get("parameters", {})
    terms: dict[str, int | None] = {}
    for key in _DAY_LIMITS:
        value = None if key in _LEGAL_ONLY else standard.get(key)
        if value is None:
            value = legal.get(key, _engine_default(key))
        terms[key] = int(value) if value is not None else None
    return terms


def _limit_values(legal_sets: dict[str, dict]) -> dict[str, set[int]]:
    """Every value each day limit takes in the laws and in the standards open cases
    pinned (a handful of rows), so the sweep's queries can select the due rows by date."""
    sources = [legal["parameters"] for legal in legal_sets.values()]
    pinned = StandardVersion.objects.filter(
        pk__in=Ticket.objects.filter(status__in=workflow.OPEN_STATES).values(
            "standard_version"
        )
    ).values_list("parameters", flat=True)
    sources += [
        (parameters or {}).get("entitlement", {}) or {} for parameters in pinned
    ]
    values: dict[str, set[int]] = {}
    for key in _DAY_LIMITS:
        found = {int(s[key]) for s in sources if s.get(key) is not None}
        if (default := _engine_default(key)) is not None:
            found.add(default)
        values[key] = found
    return values


def _alert(ticket: Ticket, *, kind: str, key: str, title, title_params: dict) -> None:
    people = {ticket.first_owner} | ({ticket.handler} if ticket.handler_id else set())
    for person in people:
        notify(
            recipient=person,
            kind=kind,
            key=f"{key}:{person.pk}",
            title=title,
            title_params=title_params,
            url=ticket.get_absolute_url(),
            email=True,
        )


_WINDOWS = {
    # window: (the option it guards, its length, the day it counts from)
    "return": (entitlement.RETURN, "return_window_days", "validity"),
    "exchange": (entitlement.EXCHANGE, "exchange_window_days", "validity"),
    "no_reason_return": (
        entitlement.NO_REASON_RETURN,
        "no_reason_return_days",
        "received",
    ),
}


def _closing_windows(
    *, now: datetime, today: date, legal_sets: dict, values: dict
) -> set[int]:
    """Warn the first owner and the handler, once per case and window, when a remedy the
    case is owed (its stored entitlement) rests on a window that closes within two days;
    not once the remedy is agreed (an accepted or approved offer)."""
    touched: set[int] = set()
    open_cases = Ticket.objects.filter(
        status__in=workflow.OPEN_STATES, product__isnull=False
    )
    for window, (option, length_key, basis) in _WINDOWS.items():
        lengths = values[length_key]
        if not lengths:
            continue
        cases = open_cases
        if basis == "received":
            cases = cases.filter(product__is_distance_sale=True).annotate(
                counted_from=Coalesce("product__delivery_date", "product__sale_date")
            )
            field = "counted_from"
        else:
            field = "product__validity_start"
        # The last day is start + length: it falls in [today, today + 2] for these starts.
        due = Q(pk__in=[])
        for length in lengths:
            first = today - timedelta(days=length)
            due |= Q(
                **{
                    f"{field}__range": (
                        first,
                        first + timedelta(days=_WINDOW_WARNING_DAYS),
                    )
                }
            )
        warned = TicketEvent.objects.filter(
            ticket=OuterRef("pk"), key=Concat(
                Value("legal-window:"), Cast(OuterRef("pk"), CharField()),
                Value(f":{window}"),
            ),
        )  # fmt: skip
        agreed = Offer.objects.filter(
            ticket=OuterRef("pk"),
            status__in=[Offer.Status.ACCEPTED, Offer.Status.APPROVED],
        )
        cases = (
            cases.filter(due)
            .exclude(Exists(warned))
            .exclude(Exists(agreed))
            .select_related("product", "standard_version", "first_owner", "handler")
        )
        for ticket in cases:
            length = _terms(ticket, legal_sets)[length_key]
            if length is None or option not in (ticket.entitlement or {}).get(
                "options", []
            ):
                continue
            start = (
                ticket.counted_from
                if basis == "received"
                else ticket.product.validity_start
            )
            last_day = start + timedelta(days=length)
            if not today <= last_day <= today + timedelta(days=_WINDOW_WARNING_DAYS):
                continue
            key = f"legal-window:{ticket.pk}:{window}"
            try:
                with transaction.atomic():
                    ticket_event_record(ticket, TicketEvent.Type.LEGAL_DEADLINE, None,
                            data={"window": window, "option": option,
                                  "last_day": last_day.isoformat()},
                            key=key, at=now)  # fmt: skip
                    _alert(ticket, kind="legal_window", key=key,
                           title=_("%(number)s: the %(window)s window closes on %(date)s"),
                           title_params={"number": ticket.number,
                                         "window": _WINDOW_LABELS[window],
                                         "date": last_day.isoformat()})  # fmt: skip
            except IntegrityError:
                continue
            touched.add(ticket.pk)
    return touched


def _limit_key(rule: str):
    return Concat(
        Value("repair-limit:"),
        Cast(OuterRef("pk"), CharField()),
        Value(f":{rule}"),
    )


def _reached_limits(
    repair: Repair, ticket: Ticket, terms: dict, today: date
) -> list[tuple[str, int, int]]:
    """(rule, limit, days) of every repair limit this open repair has passed."""
    days = repair_days(started_on=repair.started_on, ended_on=None, as_of=today)
    reached = []
    if repair.repairer_fault and days > terms["repairer_fault_max_repair_days"]:
        reached.append(
            ("repairer_fault", terms["repairer_fault_max_repair_days"], days)
        )
    parts = repair.parts_wait_days
    if ticket.status == TicketStatus.WAITING_PARTS:
        parts = max(parts, days)
    if parts > terms["parts_wait_max_days"]:
        reached.append(("parts_wait", terms["parts_wait_max_days"], parts))
    if ticket.product.model.category == _VEHICLE:
        if days > terms["single_repair_spare_car_days"]:
            reached.append(("spare_car", terms["single_repair_spare_car_days"], days))
        cumulative = repair_history_facts(ticket=ticket, as_of=today)[
            "cumulative_repair_days"
        ]
        if cumulative > terms["cumulative_repair_days_max"]:
            reached.append(
                ("cumulative", terms["cumulative_repair_days_max"], cumulative)
            )
    return reached


def _repair_limits(
    *, now: datetime, today: date, legal_sets: dict, values: dict
) -> set[int]:
    """Open repairs of open cases that passed a day limit (repairer's fault, parts wait,
    vehicle single and cumulative repair days): record each limit once, compute the
    entitlement again and record the upgrade once, and tell the first owner and handler.
    The query selects by date only the repairs that can have passed a limit not yet
    recorded."""

    def before(key: str) -> date:
        return today - timedelta(days=min(values[key]))

    earlier = (
        Repair.objects.filter(
            product=OuterRef("product"),
            ended_on__isnull=False,
        )
        .filter(
            Q(product__validity_start__isnull=True)
            | Q(started_on__gte=F("product__validity_start"))
        )
        .order_by()
        .values("product")
        .annotate(
            total=Sum(
                ExpressionWrapper(
                    F("ended_on") - F("started_on"), output_field=DurationField()
                )
            )
        )
        .values("total")
    )
    vehicle = Q(product__model__category=_VEHICLE)
    rules = {
        "repairer_fault": Q(
            repairer_fault=True, started_on__lt=before("repairer_fault_max_repair_days")
        ),
        "parts_wait": Q(
            ticket__status=TicketStatus.WAITING_PARTS,
            started_on__lt=before("parts_wait_max_days"),
        )
        | Q(parts_wait_days__gt=min(values["parts_wait_max_days"])),
        "spare_car": vehicle & Q(started_on__lt=before("single_repair_spare_car_days")),
        "cumulative": vehicle
        & Q(cumulative__gt=timedelta(days=min(values["cumulative_repair_days_max"]))),
    }
    due = Q(pk__in=[])
    for rule, condition in rules.items():
        recorded = TicketEvent.objects.filter(
            ticket=OuterRef("ticket"), key=_limit_key(rule)
        )
        due |= condition & ~Exists(recorded)
    repairs = (
        Repair.objects.filter(
            ended_on__isnull=True,
            product__isnull=False,
            ticket__status__in=workflow.OPEN_STATES,
        )
        .annotate(
            cumulative=ExpressionWrapper(
                Coalesce(
                    Subquery(earlier, output_field=DurationField()),
                    Value(timedelta(0), output_field=DurationField()),
                )
                + ExpressionWrapper(
                    Value(today, output_field=DateField()) - F("started_on"),
                    output_field=DurationField(),
                ),
                output_field=DurationField(),
            )
        )
        .filter(due)
        .select_related(
            "ticket__product__model", "ticket__standard_version",
            "ticket__first_owner", "ticket__handler",
        )
    )  # fmt: skip
    touched: set[int] = set()
    for repair in repairs:
        ticket = repair.ticket
        reached = _reached_limits(repair, ticket, _terms(ticket, legal_sets), today)
        with transaction.atomic():
            recorded = []
            for rule, limit, days in reached:
                key = f"repair-limit:{repair.pk}:{rule}"
                try:
                    with transaction.atomic():
                        ticket_event_record(ticket, TicketEvent.Type.LEGAL_DEADLINE, None,
                                data={"repair": repair.pk, "rule": rule,
                                      "limit_days": limit, "days": days},
                                key=key, at=now)  # fmt: skip
                except IntegrityError:
                    continue
                recorded.append(rule)
                _alert(ticket, kind="repair_limit", key=key,
                       title=_("%(number)s: %(rule)s passed %(limit)s days"),
                       title_params={"number": ticket.number,
                                     "rule": _LIMIT_LABELS[rule], "limit": limit})  # fmt: skip
            if not recorded:
                continue
            touched.add(ticket.pk)
            _recompute(
                ticket,
                None,
                key=f"entitlement-limit:{repair.pk}:{'+'.join(recorded)}",
                at=now,
                cause={"repair": repair.pk, "limits": recorded},
            )
    return touched


def legal_clock_sweep(*, now: datetime) -> int:
    """Daily: (a) warn the first owner and the handler when a 7-day return, 15-day
    exchange or no-reason-return window the case is owed closes within two days, once
    per case and window; (b) for open repairs, record each day limit passed (repairer's
    fault, parts wait, vehicle limits) once, compute the entitlement again, record the
    upgrade and tell them. Set-based (the due rows are selected by date in SQL) and
    idempotent (unique event keys). Returns the number of cases touched."""
    today = timezone.localdate(now)
    with job_run("legal_clock_sweep") as run:
        legal_sets = standard_selectors.legal_rule_sets_for_validation()
        values = _limit_values(legal_sets)
        touched = _closing_windows(
            now=now, today=today, legal_sets=legal_sets, values=values
        )
        touched |= _repair_limits(
            now=now, today=today, legal_sets=legal_sets, values=values
        )
        run.items = len(touched)
    return run.items
