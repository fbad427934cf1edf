"""Who a care programme reaches, and what happens to each of them (pure reads, no writes).

`care_audience` builds one set-based queryset (customers, or owned products for reminders
and recalls) with everything the decision needs annotated (phones, e-mail, consent, the
frequency cap, the portal language). `evaluate` turns its rows into decisions: send (and
on which channel), schedule a call, or skip with a reason. Preview and run share it, so
the preview's numbers are the run's numbers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Length
from django.utils import timezone

from aftersales.placeholders import fill
from customers.models import Customer, CustomerPhone, OwnedProduct, ValidityEvent
from feedback.models import CareProgramme, CareTouch

Kind = CareProgramme.Kind
Channel = CareProgramme.Channel
Reason = CareTouch.SkipReason

# Placeholders a message template may use.
PLACEHOLDERS = (
    "customer",
    "programme",
    "model",
    "model_name",
    "serial",
    "validity_end",
    "due_date",
)
# Maintenance reminders look this many years back for the anchor date.
MAINTENANCE_HORIZON_MONTHS = 240
# Kinds that need the customer's consent to service contact (recalls need none; the
# information programmes need marketing consent).
SERVICE_KINDS = {Kind.CARE_CALL, Kind.WARRANTY_EXPIRY, Kind.MAINTENANCE_DUE}
# A customer who prefers SMS or e-mail (archive) gets that channel first when the
# programme offers it; otherwise the programme's order decides (a preference for the
# phone, the archive's default, does not turn every message into a call).
PREFERRED = {"sms": Channel.SMS, "email": Channel.EMAIL}


def period_start(programme: CareProgramme, today: date) -> date:
    """First day of the care-call period that contains `today` (periods of
    `period_months`, counted from January of year 0)."""
    months = max(programme.period_months or 1, 1)
    index = (today.year * 12 + today.month - 1) // months * months
    return date(index // 12, index % 12 + 1, 1)


def _customer_prefix(programme: CareProgramme) -> str:
    return "customer__" if programme.is_product_level else ""


def _product_filter(programme: CareProgramme, prefix: str = "") -> Q:
    """Product criteria (models, category, serial range) on OwnedProduct (with `prefix`)."""
    condition = Q()
    model_ids = [m.pk for m in programme.product_models.all()]
    if model_ids:
        condition &= Q(**{f"{prefix}model_id__in": model_ids})
    if programme.category:
        condition &= Q(**{f"{prefix}model__category": programme.category})
    if programme.serial_from:
        condition &= Q(**{f"{prefix}serial__gte": programme.serial_from})
    if programme.serial_to:
        condition &= Q(**{f"{prefix}serial__lte": programme.serial_to})
    return condition


def _serial_width(programme: CareProgramme) -> int | None:
    """Serials compare as text: with bounds of one width, only serials of that width
    are in the range (SN15 is not between SN1000 and SN2000)."""
    low, high = programme.serial_from, programme.serial_to
    if low and high and len(low) == len(high):
        return len(low)
    return None


def _maintenance_intervals(programme: CareProgramme, products: QuerySet) -> list[int]:
    if programme.maintenance_interval_months:
        return [programme.maintenance_interval_months]
    return sorted(
        {
            n
            for n in products.order_by()
            .values_list("model__maintenance_interval_months", flat=True)
            .distinct()
            if n
        }
    )


def _maintenance_window(
    programme: CareProgramme, products: QuerySet, today: date
) -> QuerySet:
    """Products whose next maintenance (every N months from the last repair, else the
    installation, delivery or sale) falls within `days_before` days: a coarse date-range
    filter in SQL (one range per interval multiple), exact due dates in Python."""
    last_repair = (
        ValidityEvent.objects.filter(
            product=OuterRef("pk"), kind=ValidityEvent.Kind.REPAIR_DAYS
        )
        .order_by("-on")
        .values("on")[:1]
    )
    products = products.annotate(
        care_anchor=Coalesce(
            Subquery(last_repair),
            "installation_date",
            "delivery_date",
            "sale_date",
        ),
    )
    if programme.maintenance_interval_months:
        products = products.annotate(
            care_interval=Value(programme.maintenance_interval_months)
        )
    else:
        products = products.filter(
            model__maintenance_interval_months__isnull=False
        ).annotate(care_interval=F("model__maintenance_interval_months"))
    end = today + timedelta(days=programme.days_before)
    condition = Q(pk__in=[])
    for months in _maintenance_intervals(programme, products):
        for multiple in range(months, MAINTENANCE_HORIZON_MONTHS + 1, months):
            window = Q(
                care_anchor__gte=today - relativedelta(months=multiple) - timedelta(3),
                care_anchor__lte=end - relativedelta(months=multiple) + timedelta(3),
            )
            if not programme.maintenance_interval_months:
                window &= Q(model__maintenance_interval_months=months)
            condition |= window
    return products.filter(condition)


def care_audience(programme: CareProgramme, *, today: date) -> QuerySet:
    """Everyone the programme addresses today, before consent, caps and contact data
    (those decide send or skip): owned products for reminders and recalls, customers for
    care calls and information. Merged archives are never addressed; anonymised ones are
    (and skipped with their reason). One query, set-based; the rows carry what the
    decision needs. For maintenance reminders the date filter is coarse (month
    arithmetic is not portable SQL): `evaluate` keeps the rows due within the window."""
    if programme.is_product_level:
        rows = OwnedProduct.objects.filter(customer__merged_into__isnull=True).filter(
            _product_filter(programme)
        )
        if width := _serial_width(programme):
            rows = rows.alias(serial_length=Length("serial")).filter(
                serial_length=width
            )
        if programme.kind == Kind.WARRANTY_EXPIRY:
            basis = programme.validity_basis
            rows = rows.filter(
                **{
                    f"{basis}__gte": today,
                    f"{basis}__lte": today + timedelta(days=programme.days_before),
                }
            )
        elif programme.kind == Kind.MAINTENANCE_DUE:
            rows = _maintenance_window(programme, rows, today)
    else:
        rows = Customer.objects.active()
        product_condition = _product_filter(programme)
        if product_condition:
            owners = OwnedProduct.objects.filter(product_condition)
            if width := _serial_width(programme):
                owners = owners.alias(serial_length=Length("serial")).filter(
                    serial_length=width
                )
            rows = rows.filter(pk__in=owners.values("customer_id"))
    prefix = _customer_prefix(programme)
    customer_ref = OuterRef("customer_id") if prefix else OuterRef("pk")
    if programme.segments:
        rows = rows.filter(**{f"{prefix}segment__in": programme.segments})
    phones = CustomerPhone.objects.filter(customer=customer_ref).order_by(
        "-is_primary", "pk"
    )
    rows = rows.annotate(
        care_mobile=Subquery(
            phones.filter(kind=CustomerPhone.Kind.MOBILE).values("number")[:1]
        ),
        care_phone=Subquery(phones.values("number")[:1]),
    )
    if cap := cap_days(programme):
        # At most one message in any `cap` consecutive days.
        since = timezone.make_aware(
            datetime.combine(today - timedelta(days=cap - 1), time.min)
        )
        rows = rows.annotate(
            care_capped=Exists(
                CareTouch.objects.filter(
                    customer=customer_ref,
                    status=CareTouch.Status.SENT,
                    programme__kind=programme.kind,
                    at__gte=since,
                )
            )
        )
    else:
        rows = rows.annotate(care_capped=Value(False))
    return rows.order_by("customer_id", "pk") if prefix else rows.order_by("pk")


def cap_days(programme: CareProgramme) -> int | None:
    """The programme's frequency cap in days (never for recalls)."""
    if programme.kind == Kind.RECALL:
        return None
    return programme.frequency_cap_days or None


def _values(programme: CareProgramme, rows: QuerySet) -> list[dict[str, Any]]:
    """The columns the decision needs, one dict per row."""
    prefix = _customer_prefix(programme)
    columns = {
        "customer_id": F("customer_id") if prefix else F("pk"),
        "customer_name": F(f"{prefix}name"),
        "email": F(f"{prefix}email"),
        "anonymised_at": F(f"{prefix}anonymised_at"),
        "consent_service": F(f"{prefix}consent_service"),
        "consent_marketing": F(f"{prefix}consent_marketing"),
        "preferred_channel": F(f"{prefix}preferred_channel"),
        "user_language": F(f"{prefix}user__language"),
    }
    if programme.is_product_level:
        columns |= {
            "product_id": F("pk"),
            "serial_number": F("serial"),
            "model_code": F("model__code"),
            "model_name": F("model__name"),
            "validity": F(programme.validity_basis),
        }
        if programme.kind == Kind.MAINTENANCE_DUE:
            columns |= {"anchor": F("care_anchor"), "interval": F("care_interval")}
    return list(
        rows.values(
            "care_mobile",
            "care_phone",
            "care_capped",
            **{f"c_{name}": expr for name, expr in columns.items()},
        )
    )


@dataclass
class Decision:
    """What a run does with one audience row."""

    customer_id: int
    product_id: int | None
    period_key: str
    status: str  # sent | call_scheduled | skipped
    reason: str = ""
    channel: str = ""
    address: str = ""
    language: str = ""
    context: dict[str, str] = field(default_factory=dict)

    @property
    def touch_key(self) -> str:
        return f"{self.customer_id}-{self.product_id or 0}-{self.period_key}"


@dataclass
class Evaluation:
    """The decisions of a run (or a preview) and their counts."""

    decisions: list[Decision]

    @property
    def audience(self) -> int:
        return len(self.decisions)

    @property
    def skip_counts(self) -> dict[str, int]:
        counts = Counter(d.reason for d in self.decisions if d.status == "skipped")
        return {reason: counts[reason] for reason in Reason.values if counts[reason]}

    @property
    def channel_counts(self) -> dict[str, int]:
        counts = Counter(d.channel for d in self.decisions if d.status != "skipped")
        return {
            channel: counts[channel] for channel in Channel.values if counts[channel]
        }

    def summary(self) -> dict[str, Any]:
        skipped = self.skip_counts
        return {
            "audience": self.audience,
            "will_send": self.audience - sum(skipped.values()),
            "will_skip": skipped,
            "channels": self.channel_counts,
        }


def _next_due(anchor: date, interval: int, today: date) -> date:
    """The first maintenance date (anchor + k·interval months, k ≥ 1) on or after today."""
    multiple = interval
    while anchor + relativedelta(months=multiple) < today:
        multiple += interval
    return anchor + relativedelta(months=multiple)


def _pick_channel(programme: CareProgramme, row: dict[str, Any]) -> tuple[str, str]:
    """The first channel (the customer's preferred one first) the customer can be reached
    on, with the address; ("", "") when none."""
    order = list(programme.channels)
    preferred = PREFERRED.get(row["c_preferred_channel"])
    if preferred in order:
        order.remove(preferred)
        order.insert(0, preferred)
    for channel in order:
        if channel == Channel.SMS and row["care_mobile"]:
            return channel, row["care_mobile"]
        if channel == Channel.EMAIL and row["c_email"]:
            return channel, row["c_email"]
        if channel == Channel.CALL and row["care_phone"]:
            return channel, row["care_phone"]
    return "", ""


def evaluate(
    programme: CareProgramme, *, today: date, done_keys: set[str] | None = None
) -> Evaluation:
    """Decide for every audience row: send, schedule a call, or skip with the reason.
    Order of the checks: already reached in this period, anonymised, consent (recalls
    need none), frequency cap (also within this run), contact data."""
    rows = _values(programme, care_audience(programme, today=today))
    if done_keys is None:
        done_keys = reached_keys(programme, today=today)
    end = today + timedelta(days=programme.days_before)
    capped_now: set[int] = set()
    cap = cap_days(programme)
    decisions = []
    for row in rows:
        period, due = _period(programme, row, today)
        if programme.kind == Kind.MAINTENANCE_DUE and not (today <= due <= end):
            continue  # outside the exact window (the SQL filter is coarse)
        decision = Decision(
            customer_id=row["c_customer_id"],
            product_id=row.get("c_product_id"),
            period_key=period,
            status=CareTouch.Status.SKIPPED,
        )
        decision.reason = _skip_reason(programme, row, decision, done_keys, capped_now)
        if not decision.reason:
            channel, address = _pick_channel(programme, row)
            if not channel:
                decision.reason = Reason.NO_CONTACT
            else:
                decision.status = (
                    CareTouch.Status.CALL_SCHEDULED
                    if channel == Channel.CALL
                    else CareTouch.Status.SENT
                )
                decision.channel, decision.address = channel, address
                decision.language = row["c_user_language"] or programme.language
                decision.context = _context(programme, row, due)
                if cap:
                    capped_now.add(decision.customer_id)
        decisions.append(decision)
    return Evaluation(decisions)


def _period(
    programme: CareProgramme, row: dict[str, Any], today: date
) -> tuple[str, date | None]:
    """The period key of a row (what the programme reaches once) and the due date."""
    if programme.kind == Kind.WARRANTY_EXPIRY:
        return row["c_validity"].isoformat(), row["c_validity"]
    if programme.kind == Kind.MAINTENANCE_DUE:
        due = _next_due(row["c_anchor"], row["c_interval"], today)
        return due.isoformat(), due
    if programme.kind == Kind.CARE_CALL:
        return period_start(programme, today).strftime("%Y-%m"), None
    return programme.kind, None  # information and recalls: once per programme


def _skip_reason(
    programme: CareProgramme,
    row: dict[str, Any],
    decision: Decision,
    done_keys: set[str],
    capped_now: set[int],
) -> str:
    if decision.touch_key in done_keys:
        return Reason.ALREADY_SENT
    if row["c_anonymised_at"] is not None:
        return Reason.ANONYMISED
    if programme.kind == Kind.INFORMATION and not row["c_consent_marketing"]:
        return Reason.NO_CONSENT
    if programme.kind in SERVICE_KINDS and not row["c_consent_service"]:
        return Reason.OPTED_OUT
    if row["care_capped"] or decision.customer_id in capped_now:
        return Reason.FREQUENCY_CAP
    return ""


def _context(
    programme: CareProgramme, row: dict[str, Any], due: date | None
) -> dict[str, str]:
    validity = row.get("c_validity")
    return {
        "customer": row["c_customer_name"],
        "programme": programme.name,
        "model": row.get("c_model_code") or "",
        "model_name": row.get("c_model_name") or "",
        "serial": row.get("c_serial_number") or "",
        "validity_end": validity.isoformat() if validity else "",
        "due_date": due.isoformat() if due else "",
    }


def reached_keys(programme: CareProgramme, *, today: date) -> set[str]:
    """Touch keys the programme has already sent or scheduled (for care calls: in the
    current period only), from the touches' current customer and product (a merged
    duplicate's touches count for the survivor)."""
    touches = CareTouch.objects.filter(programme=programme).exclude(
        status=CareTouch.Status.SKIPPED
    )
    if programme.kind == Kind.CARE_CALL:
        touches = touches.filter(
            period_key=period_start(programme, today).strftime("%Y-%m")
        )
    return {
        f"{customer_id}-{product_id or 0}-{period}"
        for customer_id, product_id, period in touches.values_list(
            "customer_id", "product_id", "period_key"
        )
    }


def render(programme: CareProgramme, decision: Decision) -> tuple[str, str]:
    """Subject and body of the message in the customer's language (Chinese for zh*,
    else English; the other language when that one is empty)."""
    english = (programme.subject_en, programme.body_en)
    chinese = (programme.subject_zh, programme.body_zh)
    first, second = (
        (chinese, english) if decision.language.startswith("zh") else (english, chinese)
    )
    subject, body = first if first[1].strip() else second
    values = {name: decision.context.get(name, "") for name in PLACEHOLDERS}
    subject = fill(subject, values) if subject else programme.name
    return subject[:200], fill(body, values)
