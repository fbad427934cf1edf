"""Quality notices (质量信息反馈单, domain §7): every month, per product model with cases, the
top fault codes, the case count, the compensation paid and example cases go to the design,
production and purchasing units. Each unit acknowledges its notice and answers with
improvement actions, which stay open until the fault rate, re-measured in the month after
the action was done, has dropped.

Fault rate (per 100) = cases of the model (of the action's fault code, or all) opened in a
calendar month × 100 ÷ owned products of the model sold by the end of that month."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales import permissions
from aftersales.exceptions import InvalidTransition, StaleObject
from aftersales.models import Unit, User
from aftersales.services import job_run, notify
from customers.models import OwnedProduct, ProductModel
from feedback.models import ImprovementAction, QualityNotice, QualityNoticeRecipient
from feedback.voice.services.common import (
    is_member,
    local_midnight,
    next_month,
    previous_month,
    require_staff,
    unit_people,
)
from tickets.models import Compensation, Ticket

__all__ = [
    "NOTICE_UNIT_KINDS",
    "TOP_FAULTS",
    "EXAMPLES",
    "fault_rate",
    "improvement_action_create",
    "improvement_action_mark_done",
    "improvement_action_verify",
    "quality_notice_acknowledge",
    "quality_notice_generate",
]

NOTICE_UNIT_KINDS = (Unit.Kind.DESIGN, Unit.Kind.PRODUCTION, Unit.Kind.PURCHASING)
TOP_FAULTS = 5  # fault codes listed on a notice
EXAMPLES = 5  # example case numbers on a notice
RATE_PLACES = Decimal("0.0001")


def _month_cases(period_start: date):
    """Cases with a product opened in the month starting `period_start` (local time)."""
    return Ticket.objects.filter(
        product__isnull=False,
        created_at__gte=local_midnight(period_start),
        created_at__lt=local_midnight(next_month(period_start)),
    )


def _owned_counts(period_start: date, model_ids) -> dict[int, int]:
    """Owned products per model sold by the end of the month (one GROUP BY)."""
    month_end = next_month(period_start)
    return dict(
        OwnedProduct.objects.filter(
            model_id__in=list(model_ids), sale_date__lt=month_end
        )
        .values("model_id")
        .annotate(n=Count("pk"))
        .values_list("model_id", "n")
    )


def fault_rate(
    *, product_model: ProductModel, period_start: date, fault_code: str = ""
) -> Decimal | None:
    """Cases of the model (with `fault_code`, or all) opened in the month per 100 owned
    products of the model sold by the month's end; None when none was sold."""
    owned = _owned_counts(period_start, [product_model.pk]).get(product_model.pk, 0)
    if not owned:
        return None
    cases = _month_cases(period_start).filter(product__model=product_model)
    if fault_code:
        cases = cases.filter(fault_code=fault_code)
    return (Decimal(cases.count() * 100) / owned).quantize(RATE_PLACES)


def quality_notice_generate(*, now: datetime) -> int:
    """On the 1st of a month: one notice per product model with cases opened in the
    previous calendar month (top fault codes with counts, total cases, compensation paid
    on those cases, up to five example numbers), addressed to every active design,
    production and purchasing unit, whose people are told. Set-based (a handful of GROUP
    BY queries for the month), idempotent (one notice per model and month; a second run
    adds nothing). Returns the number of notices issued by this run."""
    with job_run("quality_notices") as run:
        period = previous_month(timezone.localdate(now))
        run.detail = f"{period:%Y-%m}"
        cases = _month_cases(period)
        totals = dict(
            cases.values("product__model")
            .annotate(n=Count("pk"))
            .values_list("product__model", "n")
        )
        if not totals:
            return 0
        done = set(
            QualityNotice.objects.filter(period_start=period).values_list(
                "product_model_id", flat=True
            )
        )
        model_ids = [model_id for model_id in totals if model_id not in done]
        if not model_ids:
            return 0
        cases = cases.filter(product__model__in=model_ids)
        faults: dict[int, list[dict]] = defaultdict(list)
        for model_id, code, n in (
            cases.exclude(fault_code="")
            .values("product__model", "fault_code")
            .annotate(n=Count("pk"))
            .order_by("product__model", "-n", "fault_code")
            .values_list("product__model", "fault_code", "n")
        ):
            if len(faults[model_id]) < TOP_FAULTS:
                faults[model_id].append({"code": code, "count": n})
        costs = dict(
            Compensation.objects.filter(ticket__in=cases.values("pk"))
            .values("ticket__product__model")
            .annotate(total=Sum("amount"))
            .values_list("ticket__product__model", "total")
        )
        examples: dict[int, list[str]] = defaultdict(list)
        ranked = cases.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("product__model")],
                order_by=[F("created_at").asc(), F("pk").asc()],
            )
        )
        for model_id, number in (
            ranked.filter(rank__lte=EXAMPLES)
            .order_by("product__model", "rank")
            .values_list("product__model", "number")
        ):
            examples[model_id].append(number)
        owned = _owned_counts(period, model_ids)
        units = list(Unit.objects.active().filter(kind__in=NOTICE_UNIT_KINDS))
        issued: list[QualityNotice] = []
        for model_id in model_ids:
            try:
                with transaction.atomic():
                    notice = QualityNotice.objects.create(
                        product_model_id=model_id,
                        period_start=period,
                        total_cases=totals[model_id],
                        top_faults=faults.get(model_id, []),
                        compensation_cost=costs.get(model_id) or Decimal("0.00"),
                        example_numbers=examples.get(model_id, []),
                        owned_products=owned.get(model_id, 0),
                        generated_at=now,
                    )
                    QualityNoticeRecipient.objects.bulk_create(
                        [
                            QualityNoticeRecipient(notice=notice, unit=unit)
                            for unit in units
                        ]
                    )
            except IntegrityError:  # a concurrent run issued it first
                continue
            issued.append(notice)
        run.items = len(issued)
        if issued:
            _announce(period, units)
    return run.items


def _announce(period: date, units: list[Unit]) -> None:
    """Tell the supervisors (or members) of the addressed units once per month."""
    url = reverse("feedback:quality-notice-list") + f"?period_start={period:%Y-%m-%d}"
    people = unit_people([unit.pk for unit in units])
    told: set[int] = set()
    for unit in units:
        for person in people.get(unit.pk, []):
            if person.pk in told:
                continue
            told.add(person.pk)
            notify(
                recipient=person,
                kind="quality_notice",
                key=f"quality-notices:{period:%Y-%m}:{person.pk}",
                title=_("Quality notices for %(month)s: please acknowledge"),
                title_params={"month": f"{period:%Y-%m}"},
                url=url,
                email=True,
            )


@transaction.atomic
def quality_notice_acknowledge(
    *, recipient: QualityNoticeRecipient, actor: User
) -> QualityNoticeRecipient:
    """A member of the addressed unit confirms the unit has read the notice (once)."""
    if not is_member(actor, recipient.unit_id):
        raise PermissionDenied(
            _("Only a member of %(unit)s acknowledges this notice.")
            % {"unit": recipient.unit.name}
        )
    if recipient.acknowledged_at is not None:
        raise InvalidTransition(_("This notice is already acknowledged."))
    if not QualityNoticeRecipient.objects.filter(
        pk=recipient.pk, acknowledged_at__isnull=True
    ).update(acknowledged_at=timezone.now(), acknowledged_by=actor):
        raise StaleObject
    recipient.refresh_from_db()
    return recipient


def _may_act_for(actor: User, unit_id: int) -> bool:
    return permissions.can_review_quality(actor) or is_member(actor, unit_id)


@transaction.atomic
def improvement_action_create(
    *,
    notice: QualityNotice,
    unit: Unit,
    actor: User,
    description: str,
    due_on: date,
    owner: User | None = None,
    fault_code: str = "",
) -> ImprovementAction:
    """An addressed unit answers its notice with an action, owner and due date (members
    of the unit, or quality managers for it). The baseline is the notice month's fault
    rate of the model (for `fault_code`, or all faults)."""
    require_staff(actor)
    if not notice.recipients.filter(unit=unit).exists():
        raise ValidationError(
            {"unit": [_("This notice is not addressed to the unit.")]}
        )
    if not _may_act_for(actor, unit.pk):
        raise PermissionDenied(_("Only the unit's members answer its notice."))
    owner = owner or actor
    if not is_member(owner, unit.pk):
        raise ValidationError({"owner": [_("The owner must be a member of the unit.")]})
    if not description.strip():
        raise ValidationError({"description": [_("Describe the action.")]})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": [_("The due date is in the past.")]})
    action = ImprovementAction(
        notice=notice,
        unit=unit,
        owner=owner,
        fault_code=fault_code.strip(),
        description=description.strip(),
        due_on=due_on,
        baseline_rate=fault_rate(
            product_model=notice.product_model,
            period_start=notice.period_start,
            fault_code=fault_code.strip(),
        ),
        created_by=actor,
    )
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def improvement_action_mark_done(
    *, action: ImprovementAction, actor: User
) -> ImprovementAction:
    """`open → done`: the unit says the change is in place (its owner, a member, or a
    quality manager). Verification follows after the month after this one."""
    if not (action.owner_id == actor.pk or _may_act_for(actor, action.unit_id)):
        raise PermissionDenied(_("Only the unit's members report its actions done."))
    if action.status != ImprovementAction.Status.OPEN:
        raise InvalidTransition(_("Only an open action can be reported done."))
    if not ImprovementAction.objects.filter(
        pk=action.pk, status=ImprovementAction.Status.OPEN
    ).update(status=ImprovementAction.Status.DONE, done_at=timezone.now()):
        raise StaleObject
    action.refresh_from_db()
    return action


@transaction.atomic
def improvement_action_verify(
    *, action: ImprovementAction, actor: User, now: datetime | None = None
) -> ImprovementAction:
    """Quality re-measures a done action's fault rate in the calendar month after the one
    it was done in (possible once that month is over): lower than the baseline → verified;
    otherwise it is open again with the new measurement and its owner is told."""
    if not permissions.can_review_quality(actor):
        raise PermissionDenied(_("Only quality managers verify improvement actions."))
    if action.status != ImprovementAction.Status.DONE:
        raise InvalidTransition(_("Only a done action can be verified."))
    if action.notice_id is None:
        raise InvalidTransition(
            _("A KPI's action is verified when the KPI is back within its limit.")
        )
    now = now or timezone.now()
    measured = next_month(timezone.localdate(action.done_at))
    if timezone.localdate(now) < next_month(measured):
        raise ValidationError(
            {
                "__all__": [
                    _("The fault rate of %(month)s can be measured from %(day)s.")
                    % {
                        "month": f"{measured:%Y-%m}",
                        "day": f"{next_month(measured):%Y-%m-%d}",
                    }
                ]
            }
        )
    rate = fault_rate(
        product_model=action.notice.product_model,
        period_start=measured,
        fault_code=action.fault_code,
    )
    if rate is None or action.baseline_rate is None:
        raise ValidationError(
            {"__all__": [_("No products of this model in the field: no fault rate.")]}
        )
    dropped = rate < action.baseline_rate
    fields = {"remeasured_rate": rate, "remeasured_period": measured}
    if dropped:
        fields.update(
            status=ImprovementAction.Status.VERIFIED, verified_at=now, verified_by=actor
        )
    else:
        fields.update(
            status=ImprovementAction.Status.OPEN, done_at=None, reminded_on=None
        )
    if not ImprovementAction.objects.filter(
        pk=action.pk, status=ImprovementAction.Status.DONE
    ).update(**fields):
        raise StaleObject
    action.refresh_from_db()
    if not dropped:
        notify(
            recipient=action.owner,
            kind="improvement_not_verified",
            key=f"improvement-reopened:{action.pk}:{measured:%Y-%m}",
            title=_("Fault rate did not drop: improvement action reopened"),
            body=_("%(month)s: %(rate)s per 100 (baseline %(baseline)s)."),
            body_params={
                "month": f"{measured:%Y-%m}",
                "rate": rate,
                "baseline": action.baseline_rate,
            },
            url=action.get_absolute_url(),
        )
    return action
