"""Writes of the care programmes: create and change programmes, preview and run them, and
the daily sweep that runs every programme due today.

A run writes one `CareTouch` per audience row in bulk (sent, call scheduled, or skipped
with its reason) and one outbox message per new message; unique keys (the touch's
programme + customer + product + period, the outbox key "care-touch:<id>") make every run
idempotent: running twice sends nothing twice. Care calls also become follow-up tasks of
kind "care" on the follow-up worklist (once per touch, by `FollowUp.source_key`)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales import permissions
from aftersales.exceptions import InvalidTransition
from aftersales.models import OutboxMessage, User
from aftersales.placeholders import placeholder_error
from aftersales.services import OUTBOX_DELIVER_TASK, enqueue_on_commit, job_run
from customers.models import Customer
from feedback.care import audience
from feedback.followups import services as followup_services
from feedback.models import CareProgramme, CareRun, CareTouch

logger = logging.getLogger(__name__)

PROGRAMME_FIELDS = {
    "name", "kind", "description", "active", "segments", "product_models", "category",
    "serial_from", "serial_to", "days_before", "validity_basis",
    "maintenance_interval_months", "period_months", "starts_on", "ends_on", "channels",
    "language", "subject_en", "body_en", "subject_zh", "body_zh", "frequency_cap_days",
    "owner",
}  # fmt: skip
# Information programmes are capped unless told otherwise: one message in 30 days.
DEFAULT_INFORMATION_CAP_DAYS = 30
# A care call becomes a follow-up task due within this many days.
CARE_CALL_WINDOW_DAYS = 14
OUTBOX_KEY_PREFIX = "care-touch:"


def _require_care_role(actor: User) -> None:
    if not permissions.can_manage_care(actor):
        raise PermissionDenied(
            _("Only quality managers, managers and supervisors manage care programmes.")
        )


# --- Programmes -------------------------------------------------------------------------------


def _validate(programme: CareProgramme, product_models: list | None) -> None:
    """Field rules beyond the model's: kind-specific audience, channels, templates."""
    errors: dict[str, list] = {}
    kind = programme.kind
    models_given = (
        product_models
        if product_models is not None
        else (list(programme.product_models.all()) if programme.pk else [])
    )
    if kind == CareProgramme.Kind.RECALL and not models_given:
        errors["product_models"] = [
            _("A recall names the product model(s) it recalls.")
        ]
    if (
        programme.serial_from
        and programme.serial_to
        and programme.serial_from > programme.serial_to
    ):
        errors["serial_to"] = [_("The range ends before it starts.")]
    if (programme.serial_from or programme.serial_to) and not models_given:
        errors["serial_from"] = [_("A serial range needs the product model(s).")]
    segments = programme.segments or []
    if not isinstance(segments, list) or set(segments) - set(Customer.Segment.values):
        errors["segments"] = [_("Choose segments from the list.")]
    channels = programme.channels or []
    if not isinstance(channels, list) or not channels:
        errors["channels"] = [_("Choose at least one channel.")]
    elif set(channels) - set(CareProgramme.Channel.values) or len(set(channels)) != len(
        channels
    ):
        errors["channels"] = [_("Choose channels from the list, each once.")]
    reminder = (CareProgramme.Kind.WARRANTY_EXPIRY, CareProgramme.Kind.MAINTENANCE_DUE)
    if kind in reminder and not programme.days_before:
        errors["days_before"] = [_("Remind at least one day ahead.")]
    if kind == CareProgramme.Kind.CARE_CALL and not programme.period_months:
        errors["period_months"] = [_("Give the period of the care calls in months.")]
    if (
        programme.starts_on
        and programme.ends_on
        and programme.ends_on < programme.starts_on
    ):
        errors["ends_on"] = [_("The programme ends before it starts.")]
    messages_needed = (
        set(channels) & {"sms", "email"} if isinstance(channels, list) else set()
    )
    if messages_needed and not (programme.body_en.strip() or programme.body_zh.strip()):
        errors["body_zh"] = [_("Write the message in at least one language.")]
    for name in ("subject_en", "body_en", "subject_zh", "body_zh"):
        # plain names in braces only (aftersales.placeholders): no format spec, index or
        # attribute can make a message fail or grow when it is written
        if error := placeholder_error(getattr(programme, name), audience.PLACEHOLDERS):
            errors[name] = [error]
    if errors:
        raise ValidationError(errors)


def _save(programme: CareProgramme, product_models: list | None) -> CareProgramme:
    if programme.kind == CareProgramme.Kind.RECALL:
        programme.frequency_cap_days = None  # a safety recall is never capped
    elif (
        programme.kind == CareProgramme.Kind.INFORMATION
        and not programme.frequency_cap_days
    ):
        programme.frequency_cap_days = DEFAULT_INFORMATION_CAP_DAYS
    _validate(programme, product_models)
    programme.full_clean(exclude=["product_models"])
    programme.save()
    if product_models is not None:
        programme.product_models.set(product_models)
    return programme


@transaction.atomic
def care_programme_create(*, actor: User, **fields: Any) -> CareProgramme:
    """Create a programme (quality managers, managers, supervisors). Information
    programmes always have a frequency cap (30 days unless given); recalls never."""
    _require_care_role(actor)
    if unknown := set(fields) - PROGRAMME_FIELDS:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    product_models = list(fields.pop("product_models", None) or [])
    programme = CareProgramme(created_by=actor, **fields)
    if programme.owner_id is None:
        programme.owner = actor
    return _save(programme, product_models)


@transaction.atomic
def care_programme_update(
    *, actor: User, programme: CareProgramme, **fields: Any
) -> CareProgramme:
    """Change a programme. Its kind is fixed once it has run (its contacts are keyed by
    it)."""
    _require_care_role(actor)
    if unknown := set(fields) - PROGRAMME_FIELDS:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    if (
        "kind" in fields
        and fields["kind"] != programme.kind
        and programme.runs.exists()
    ):
        raise ValidationError(
            {"kind": [_("The kind of a programme that has run cannot change.")]}
        )
    product_models = fields.pop("product_models", None)
    for name, value in fields.items():
        setattr(programme, name, value)
    return _save(
        programme, list(product_models) if product_models is not None else None
    )


# --- Preview and run --------------------------------------------------------------------------


def care_preview(
    programme: CareProgramme, *, today: date | None = None
) -> dict[str, Any]:
    """What a run today would do, without writing anything: {"audience", "will_send",
    "will_skip": {reason: n}, "channels": {channel: n}}. A run on the same data gives the
    same numbers."""
    today = today or timezone.localdate()
    return audience.evaluate(programme, today=today).summary()


def _outbox_enqueue_bulk(messages: list[OutboxMessage]) -> None:
    """`aftersales.services.outbox_enqueue` for many messages in one statement: each row
    once per key (a conflicting key is left alone), delivered after commit (the outbox
    sweep re-drives anything lost)."""
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True, batch_size=500)


@transaction.atomic
def care_run(
    *,
    actor: User | None = None,
    programme: CareProgramme,
    today: date | None = None,
    now: datetime | None = None,
    trigger: str = CareRun.Trigger.MANUAL,
) -> CareRun:
    """Run a programme now ("send now", or the daily sweep with no actor): every audience
    row gets a touch (sent, call scheduled, or skipped with its reason, each reason logged
    once), every new message goes to the outbox, care calls become follow-up tasks.
    Set-based (a constant number of queries whatever the audience; only care calls cost
    a few queries each, for their assignment) and idempotent: a second run sends
    nothing already sent."""
    if actor is not None:
        _require_care_role(actor)
    if not programme.active:
        raise InvalidTransition(_("This programme is not active."))
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    run = CareRun.objects.create(
        programme=programme, today=today, trigger=trigger, actor=actor, started_at=now
    )
    evaluation = audience.evaluate(programme, today=today)
    by_key = {d.touch_key: d for d in evaluation.decisions}
    CareTouch.objects.bulk_create(
        (
            CareTouch(
                programme=programme,
                run=run,
                customer_id=d.customer_id,
                product_id=d.product_id,
                period_key=d.period_key,
                touch_key=d.touch_key,
                channel=d.channel,
                status=d.status,
                skip_reason=d.reason,
                at=now,
            )
            for d in evaluation.decisions
            if d.reason != CareTouch.SkipReason.ALREADY_SENT
        ),
        ignore_conflicts=True,
        batch_size=500,
    )
    # The rows this run inserted (a concurrent run's rows stay that run's).
    new = list(
        CareTouch.objects.filter(run=run)
        .exclude(status=CareTouch.Status.SKIPPED)
        .values_list("pk", "touch_key", "status")
    )
    messages = []
    for pk, key, status in new:
        if status != CareTouch.Status.SENT:
            continue
        decision = by_key[key]
        subject, body = audience.render(programme, decision)
        messages.append(
            OutboxMessage(
                channel=decision.channel,
                to=decision.address,
                subject=subject if decision.channel == "email" else "",
                body=body,
                key=f"{OUTBOX_KEY_PREFIX}{pk}",
            )
        )
    _outbox_enqueue_bulk(messages)
    CareTouch.objects.filter(run=run, status=CareTouch.Status.SENT).update(
        outbox_message=Subquery(
            OutboxMessage.objects.filter(
                key=Concat(
                    Value(OUTBOX_KEY_PREFIX),
                    Cast(OuterRef("pk"), output_field=CharField()),
                    output_field=CharField(),
                )
            ).values("pk")[:1]
        )
    )
    _deliver_after_commit(run)
    calls = [by_key[key] for _pk, key, status in new if status != "sent"]
    _schedule_calls(programme, calls, now=now)
    # Counts: what this run wrote; a row a concurrent run took first is "already sent".
    sent = sum(1 for _pk, _key, status in new if status == CareTouch.Status.SENT)
    skip_counts = evaluation.skip_counts
    lost = evaluation.audience - sum(skip_counts.values()) - len(new)
    if lost:
        skip_counts[CareTouch.SkipReason.ALREADY_SENT] = (
            skip_counts.get(CareTouch.SkipReason.ALREADY_SENT, 0) + lost
        )
    run.finished_at = timezone.now()
    run.audience, run.sent, run.calls = evaluation.audience, sent, len(new) - sent
    run.skipped, run.skip_counts = sum(skip_counts.values()), skip_counts
    CareProgramme.objects.filter(pk=programme.pk).update(last_run_at=now)
    if (
        trigger == CareRun.Trigger.SWEEP
        and not new
        and not CareTouch.objects.filter(run=run).exists()
    ):
        # A daily run that wrote nothing new leaves no row (the job run records the
        # sweep), so the programme's history shows the runs that did something.
        run.delete()
        return run
    run.save(
        update_fields=[
            "finished_at", "audience", "sent", "calls", "skipped", "skip_counts"
        ]
    )  # fmt: skip
    return run


def _deliver_after_commit(run: CareRun) -> None:
    """Deliver this run's new messages after commit (one task per message, like
    `outbox_enqueue`)."""
    for message_id in CareTouch.objects.filter(
        run=run, outbox_message__isnull=False, outbox_message__sent_at__isnull=True
    ).values_list("outbox_message_id", flat=True):
        enqueue_on_commit(OUTBOX_DELIVER_TASK, message_id)


def _schedule_calls(
    programme: CareProgramme, calls: list[audience.Decision], *, now
) -> None:
    """Each scheduled care call becomes a follow-up task of kind "care" through the
    follow-up service (assigned round-robin in the follow-up team nearest the customer,
    quiet hours respected), once per touch (`source_key` "care:<programme>:<touch key>"),
    due within CARE_CALL_WINDOW_DAYS. Assignment is per task, so this part costs a few
    queries per call; messages stay set-based."""
    if not calls:
        return
    customers = Customer.objects.select_related("unit").in_bulk(
        {decision.customer_id for decision in calls}
    )
    for decision in calls:
        followup_services.followup_create_care(
            customer=customers[decision.customer_id],
            opens_at=now,
            closes_at=now + timedelta(days=CARE_CALL_WINDOW_DAYS),
            source_key=f"care:{programme.pk}:{decision.touch_key}",
            note=str(programme.name),
            now=now,
            safety=programme.kind == CareProgramme.Kind.RECALL,
        )


# --- The daily sweep --------------------------------------------------------------------------


def care_programmes_due(*, today: date):
    """Active programmes within their dates that run today: reminders and recalls every
    day (a recall also reaches owners registered later), care calls once per period,
    information programmes once, on their start date (otherwise they are sent by hand)."""
    active = CareProgramme.objects.filter(active=True).filter(
        Q(starts_on__isnull=True) | Q(starts_on__lte=today),
        Q(ends_on__isnull=True) | Q(ends_on__gte=today),
    )
    daily = Q(
        kind__in=[
            CareProgramme.Kind.WARRANTY_EXPIRY,
            CareProgramme.Kind.MAINTENANCE_DUE,
            CareProgramme.Kind.RECALL,
        ]
    )
    scheduled_information = Q(
        kind=CareProgramme.Kind.INFORMATION,
        starts_on__isnull=False,
        last_run_at__isnull=True,
    )
    candidates = list(
        active.filter(
            daily | scheduled_information | Q(kind=CareProgramme.Kind.CARE_CALL)
        ).prefetch_related("product_models")
    )
    due = []
    for programme in candidates:
        if programme.kind == CareProgramme.Kind.CARE_CALL and programme.last_run_at:
            period = timezone.make_aware(
                datetime.combine(audience.period_start(programme, today), time.min)
            )
            if programme.last_run_at >= period:
                continue
        due.append(programme)
    return due


def care_sweep(*, now: datetime) -> int:
    """Daily: run every programme due today (see `care_programmes_due`). Idempotent
    (running twice sends nothing more) and recorded as a job run; returns the number of
    messages sent and calls scheduled. A failing programme is logged and counted as an
    error; the others still run."""
    today = timezone.localdate(now)
    with job_run("care_programmes") as job:
        for programme in care_programmes_due(today=today):
            try:
                run = care_run(
                    programme=programme,
                    today=today,
                    now=now,
                    trigger=CareRun.Trigger.SWEEP,
                )
            except Exception as exc:  # one broken programme must not stop the others
                job.errors += 1
                logger.warning("Care programme %s failed: %s", programme.pk, exc)
                continue
            job.items += run.sent + run.calls
    return job.items
