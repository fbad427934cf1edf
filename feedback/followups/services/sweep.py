"""The hourly follow-up sweep (domain §9)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef

from aftersales.services import job_run
from feedback.followups.services.common import (
    AUTOMATED_CHANNELS,
    REDRIVE_AFTER,
    S,
    alert_supervisors,
    followup_in_quiet_hours,
    next_attempt_fields,
    outside_quiet_hours,
)
from feedback.followups.services.links import followup_send_link
from feedback.followups.services.scheduling import followup_schedule_for_tickets
from feedback.models import FollowUp, FollowUpAttempt
from tickets.models import Ticket
from tickets.workflow import TicketStatus

# --- Sweep -------------------------------------------------------------------------------


def _automated_attempt(followup: FollowUp, *, now: datetime) -> int:
    """Send the answer link over the task's next automated channel (SMS or e-mail) and
    count it as an attempt; once per attempt number (compare-and-set on the count)."""
    count = followup.attempts_count + 1
    fields: dict[str, Any] = {"attempts_count": count, "status": S.IN_PROGRESS}
    fields.update(next_attempt_fields(followup, attempts=count, now=now))
    with transaction.atomic():
        if not FollowUp.objects.filter(
            pk=followup.pk,
            attempts_count=followup.attempts_count,
            status__in=[S.DUE, S.IN_PROGRESS],
        ).update(**fields):
            return 0
        channel = followup.next_channel
        note = ""
        try:
            with transaction.atomic():
                followup_send_link(
                    followup=followup, actor=None, channel=channel, now=now
                )
        except ValidationError as exc:
            note = "; ".join(exc.messages)
        FollowUpAttempt.objects.create(
            followup=followup,
            at=now,
            channel=channel,
            outcome=FollowUpAttempt.Outcome.NO_ANSWER,
            note=note,
        )
    return 1


def followup_sweep(*, now: datetime) -> int:
    """Hourly (domain §9): scheduled tasks whose window opened become due; an automated
    channel's turn (SMS, e-mail) sends the answer link and counts as an attempt, outside
    quiet hours; tasks whose attempts are used up become unreachable one retry interval
    after the last (the customer may still answer the last link) and alert the
    supervisors; open tasks of cases that stopped waiting are cancelled; resolved cases
    waiting without a task of their round (a lost broker message) get one. Set-based on
    indexed columns; running it twice changes nothing more."""
    with job_run("followup_sweep") as run:
        run.items += FollowUp.objects.filter(
            status=S.SCHEDULED, opens_at__lte=now
        ).update(status=S.DUE)

        used_up = FollowUp.objects.filter(
            status__in=[S.DUE, S.IN_PROGRESS],
            next_attempt_at__lte=now,
            attempts_count__gte=F("max_attempts"),
        ).select_related("ticket__unit", "unit")
        for followup in used_up:
            if FollowUp.objects.filter(pk=followup.pk, status=followup.status).update(
                status=S.UNREACHABLE, ended_at=now, next_attempt_at=None
            ):
                alert_supervisors(followup, reason="unreachable")
                run.items += 1

        automated = FollowUp.objects.filter(
            status__in=[S.DUE, S.IN_PROGRESS],
            next_attempt_at__lte=now,
            next_channel__in=AUTOMATED_CHANNELS,
            attempts_count__lt=F("max_attempts"),
        ).select_related("customer", "ticket")
        for followup in automated:
            if followup_in_quiet_hours(followup, now=now):
                FollowUp.objects.filter(pk=followup.pk).update(
                    next_attempt_at=outside_quiet_hours(followup, now)
                )
                continue
            run.items += _automated_attempt(followup, now=now)

        run.items += (
            FollowUp.objects.filter(
                status__in=FollowUp.OPEN_STATUSES, ticket__isnull=False
            )
            .exclude(ticket__status=TicketStatus.AWAITING_FOLLOW_UP)
            .update(status=S.CANCELLED, ended_at=now, next_attempt_at=None)
        )

        waiting = (
            Ticket.objects.filter(
                status=TicketStatus.AWAITING_FOLLOW_UP,
                resolved_at__lte=now - REDRIVE_AFTER,
            )
            .exclude(
                Exists(
                    FollowUp.objects.filter(
                        ticket=OuterRef("pk"), round=OuterRef("reopen_count") + 1
                    )
                )
            )
            .values_list("pk", flat=True)
        )
        run.items += followup_schedule_for_tickets(
            ticket_ids=list(waiting[:500]), now=now
        )
    return run.items
