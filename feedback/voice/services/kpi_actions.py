"""Improvement actions opened by a KPI breach (domain §8, scenario A19): one per KPI, unit
and period, owned by the unit's supervisor (else a quality manager), verified when a later
period's value is back within the standard's limit, or closed by a quality manager with a
note. The sweep that measures and calls these lives with the KPIs (dashboards.services)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales import permissions
from aftersales.exceptions import InvalidTransition, StaleObject
from aftersales.models import Unit, User
from aftersales.roles import Role
from aftersales.services import notify
from feedback.models import ImprovementAction

OPEN = (ImprovementAction.Status.OPEN, ImprovementAction.Status.DONE)


def kpi_action_owner(*, unit: Unit) -> User | None:
    """Who answers a unit's breach: a supervisor of the unit, else a quality manager."""
    supervisor = (
        permissions.supervisors_of(unit_ids=[unit.pk])
        .filter(is_active=True)
        .order_by("pk")
        .first()
    )
    if supervisor is not None:
        return supervisor
    return (
        User.objects.filter(is_active=True, groups__name=Role.QUALITY_MANAGER)
        .order_by("pk")
        .first()
    )


def improvement_action_open_for_kpi(
    *,
    kpi_key: str,
    label: str,
    unit: Unit,
    period_start: date,
    period_end: date,
    value: float,
    ceiling: float,
    due_on: date,
    description: str,
) -> ImprovementAction | None:
    """Open the action answering `kpi_key` breached for `unit` in the period, once (a
    second call for the same KPI, unit and period returns None); its owner is told."""
    owner = kpi_action_owner(unit=unit)
    if owner is None:
        return None
    try:
        with transaction.atomic():
            action = ImprovementAction.objects.create(
                unit=unit,
                owner=owner,
                kpi_key=kpi_key,
                period_start=period_start,
                period_end=period_end,
                kpi_value=value,
                kpi_ceiling=ceiling,
                description=description,
                due_on=due_on,
            )
    except IntegrityError:
        return None
    notify(
        recipient=owner,
        kind="kpi_breach",
        key=f"kpi-breach:{action.pk}",
        title=_("%(kpi)s over the limit for %(unit)s in %(period)s"),
        title_params={
            "kpi": label,
            "unit": unit.name,
            "period": f"{period_start:%Y-%m}",
        },
        body=description,
        url=action.get_absolute_url(),
        email=True,
    )
    return action


def improvement_action_remeasured(
    *, action: ImprovementAction, period_start: date, note: str, now: datetime
) -> bool:
    """A later period's value is back within the limit: the action is verified (an open
    or done action; compare-and-set, so a second call does nothing). An action verified
    without a done step is done now: it is no longer open work (the improvement KPIs
    read `done_at`)."""
    return bool(
        ImprovementAction.objects.filter(pk=action.pk, status__in=OPEN).update(
            status=ImprovementAction.Status.VERIFIED,
            remeasured_period=period_start,
            verified_at=now,
            done_at=Coalesce(F("done_at"), Value(now)),
            close_note=note,
        )
    )


@transaction.atomic
def improvement_action_close(
    *, action: ImprovementAction, actor: User, note: str
) -> ImprovementAction:
    """A quality manager closes an open or done KPI action with a note (e.g. the breach
    had a cause outside the unit); it is no longer open work (`done_at`, as when
    verified). A quality notice's action stays open until its fault rate is re-measured
    (scenario A23)."""
    if not permissions.can_review_quality(actor):
        raise PermissionDenied(_("Only quality managers close improvement actions."))
    if not note.strip():
        raise ValidationError({"note": [_("Say why the action is closed.")]})
    if not action.kpi_key:
        raise InvalidTransition(
            _("A quality notice's action is verified by re-measuring the fault rate.")
        )
    if action.status not in OPEN:
        raise InvalidTransition(_("Only an open or done action can be closed."))
    now = timezone.now()
    if not ImprovementAction.objects.filter(pk=action.pk, status__in=OPEN).update(
        status=ImprovementAction.Status.CLOSED,
        close_note=note.strip(),
        done_at=Coalesce(F("done_at"), Value(now)),
        verified_at=now,
        verified_by=actor,
    ):
        raise StaleObject
    action.refresh_from_db()
    return action
