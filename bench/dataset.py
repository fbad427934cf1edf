"""The benchmark data set: SCALE cases with a realistic mix, written with bulk inserts.

`build(scale=...)` expects the demo data (`manage.py demo_data`: units, people, standards,
product models, questionnaires) and adds, over about two years before now:

- staff: generated agents, technicians and follow-up agents beside the demo's (so that the
  demo logins own a realistic share of the work, not all of it);
- customers (SCALE / 5) with one or two phones, and 1-2 owned products each with a serial;
- SCALE cases: ~85 % closed, ~10 % open (a few % of those overdue on their resolve clock,
  with the SLA warning, breach and escalation already recorded, so that a sweep of the
  data as built has nothing to do), ~3 % waiting for or past their follow-up, ~2 %
  cancelled or duplicate;
- 3-6 case events per case, handovers for about one case in six (pending ones for some open
  cases), a follow-up for every case resolved or closed, notifications.

The denormalised fields the services fill are filled the same way: number, status, every
`*_due_at`/`*_warn_at` (from the pinned standard's SLA matrix and the unit's calendar: one
real computation per priority, area and on-site need, shifted to each case's start), the
`*_at` of met clocks, the entitlement snapshot, `search_name`, the phones' national form,
the products' validity. A column the builder does not know gets its model default, and a
required column without one stops the build with its name.

Rows are written by COPY on PostgreSQL and by executemany on SQLite, in chunks, each chunk
its own transaction (bounded memory at any SCALE). Ids are assigned here, so rows of one
chunk can point at each other; the sequences are moved past them at the end.
"""

from __future__ import annotations

import io
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from aftersales import services as org_services
from aftersales.models import Notification, Unit, User
from aftersales.roles import Role
from customers.models import Customer, CustomerPhone, OwnedProduct, ProductModel
from feedback.followups.services.common import policy_for
from feedback.models import FollowUp, Questionnaire
from standards import calendar as business_calendar
from standards import selectors as standard_selectors
from standards import sla
from tickets.models import Handover, Ticket, TicketEvent
from tickets.models.cases import CLOCK_DONE_FIELDS
from tickets.workflow import OPEN_STATES, TicketStatus

S = TicketStatus
DEFAULT_SCALE = 2_000
CHUNK_CASES = 10_000  # cases per transaction (with their events, follow-ups, …)
FLUSH_ROWS = 20_000  # rows per COPY / executemany
YEARS = 2

# Share of the cases in each state (the remainder is closed).
OPEN_SHARE = 0.10
OVERDUE_SHARE_OF_OPEN = 0.04
AWAITING_FOLLOW_UP_SHARE = 0.025
RESOLVED_SHARE = 0.005
CANCELLED_SHARE = 0.015
DUPLICATE_SHARE = 0.005
HANDOVER_SHARE = 0.10  # of the cases without an on-site visit (60 % of those with one)

OPEN_MIX = [
    (S.NEW, 0.12),
    (S.ACKNOWLEDGED, 0.18),
    (S.IN_PROGRESS, 0.48),
    (S.WAITING_PARTS, 0.10),
    (S.WAITING_CUSTOMER, 0.06),
    (S.REOPENED, 0.06),
]
TYPE_MIX = [
    ("repair", 0.40),
    ("consultation", 0.20),
    ("complaint", 0.14),
    ("installation", 0.10),
    ("return", 0.05),
    ("exchange", 0.05),
    ("suggestion", 0.06),
]
SOURCE_MIX = [
    ("hotline", 0.60),
    ("counter", 0.15),
    ("portal", 0.12),
    ("email", 0.06),
    ("dealer", 0.05),
    ("regulator", 0.02),
]
PRIORITY_MIX = [("P1", 0.05), ("P2", 0.25), ("P3", 0.70)]
TITLES = {
    "repair": ["Does not cool", "Noisy compressor", "No power", "Leaks water",
               "Display flickers", "Error code E4", "Door seal broken"],
    "consultation": ["How to descale", "Warranty question", "Spare part price",
                     "Where to find the manual"],
    "complaint": ["Technician late", "Rude hotline", "Repair took too long",
                  "Wrong part delivered"],
    "installation": ["Install new unit", "Wall mount", "Move to new flat"],
    "return": ["Return within 7 days", "Not as described"],
    "exchange": ["Exchange after two repairs", "Dead on arrival"],
    "suggestion": ["Longer hotline hours", "App feature request"],
}  # fmt: skip
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂兰华红梅建国志文斌浩宇婷玉凤鹏辉鑫雪晨"
CITIES = ["Shanghai", "Suzhou", "Hangzhou", "Nanjing", "Wuxi", "Ningbo", "Jiaxing"]
CAUSES = ["component_failure", "wear", "installation", "transport", "misuse", "none"]
LIABILITIES = ["producer_defect", "none", "installer", "carrier", "customer_misuse"]


def _pick(rng: random.Random, mix: list[tuple[Any, float]]) -> Any:
    """A value drawn from [(value, weight), …]."""
    x = rng.random() * sum(weight for _value, weight in mix)
    for value, weight in mix:
        x -= weight
        if x <= 0:
            return value
    return mix[-1][0]


def customer_name(index: int) -> str:
    """A deterministic Chinese name for the customer of `index` (names repeat, as they do)."""
    surname = SURNAMES[index % len(SURNAMES)]
    given = GIVEN[(index // len(SURNAMES)) % len(GIVEN)]
    second = GIVEN[(index // (len(SURNAMES) * len(GIVEN))) % len(GIVEN)]
    return surname + given + (second if index % 3 else "")


def customer_phone(index: int) -> str:
    """The national mobile number of the customer of `index` (unique per index)."""
    return f"13{(index * 7919 + 1) % 10**9:09d}"


# --- Writing rows ---------------------------------------------------------------------------


def _copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, datetime | date):
        return value.isoformat()
    elif not isinstance(value, str):
        return str(value)
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


_CALENDAR = business_calendar.Calendar()


def _business_hours(start: datetime, end: datetime) -> Decimal:
    """Business hours of the company calendar, as the case services store them."""
    hours = business_calendar.business_hours_between(_CALENDAR, start, end)
    return Decimal(str(round(hours, 2)))


@dataclass
class Table:
    """Rows of one model, buffered and written in bulk; missing columns get their default."""

    model: type[models.Model]
    rows: list[dict[str, Any]] = field(default_factory=list)
    written: int = 0

    def __post_init__(self) -> None:
        self.fields = list(self.model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        self.defaults: dict[str, Callable[[dict], Any]] = {}
        for f in self.fields:
            if f.has_default():
                self.defaults[f.attname] = lambda row, f=f: f.get_default()
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = lambda row: row.get("created_at")
            elif f.null:
                self.defaults[f.attname] = lambda row: None
            elif f.blank and isinstance(f, models.CharField | models.TextField):
                self.defaults[f.attname] = lambda row: ""

    def add(self, **row: Any) -> None:
        self.rows.append(row)

    def _values(self, row: dict[str, Any]) -> list[Any]:
        values = []
        for f in self.fields:
            if f.attname in row:
                values.append(row[f.attname])
            elif f.attname in self.defaults:
                values.append(self.defaults[f.attname](row))
            else:
                raise ValueError(
                    f"bench dataset: {self.model._meta.label}.{f.attname} is required "
                    "and has no default; teach bench/dataset.py to fill it"
                )
        return values

    def flush(self) -> None:
        if not self.rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                buffer = io.StringIO()
                for row in self.rows:
                    buffer.write(
                        "\t".join(_copy_text(v) for v in self._values(row)) + "\n"
                    )
                buffer.seek(0)
                cursor.cursor.copy_expert(
                    f"COPY {table} ({columns}) FROM STDIN", buffer
                )  # the psycopg2 cursor under Django's wrapper
            else:
                prepared = [
                    [
                        f.get_db_prep_save(v, connection)
                        for f, v in zip(self.fields, self._values(row), strict=True)
                    ]
                    for row in self.rows
                ]
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608  # names from the model
                    prepared,
                )
        self.written += len(self.rows)
        self.rows = []


class Sink:
    """The tables of the data set, flushed parents first."""

    ORDER = (
        Customer,
        CustomerPhone,
        OwnedProduct,
        Ticket,
        Handover,
        TicketEvent,
        FollowUp,
        Notification,
    )

    def __init__(self) -> None:
        self.tables = {model: Table(model) for model in self.ORDER}
        self.next_ids = {
            model: (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1
            for model in self.ORDER
        }

    def new_id(self, model: type[models.Model]) -> int:
        pk = self.next_ids[model]
        self.next_ids[model] = pk + 1
        return pk

    def add(self, model: type[models.Model], **row: Any) -> int:
        row.setdefault("id", self.new_id(model))
        table = self.tables[model]
        table.add(**row)
        return row["id"]

    def pending(self) -> int:
        return max(len(t.rows) for t in self.tables.values())

    def flush(self) -> None:
        for model in self.ORDER:
            self.tables[model].flush()

    def counts(self) -> dict[str, int]:
        return {m._meta.label: t.written for m, t in self.tables.items()}

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.ORDER))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --- The cast: staff, standards, clocks -----------------------------------------------------


@dataclass
class Cast:
    """Who and what the generated cases refer to (read once from the demo data)."""

    agents: list[User]  # take cases (first owners), by home unit
    technicians: list[User]
    followup_agents: list[User]
    home_unit: dict[int, Unit]
    workshop: Unit
    followup_team: Unit
    supervisors: list[User]
    models_: list[ProductModel]
    legal_rule_set: dict[str, str]
    questionnaire_id: int | None
    policy: dict[str, Any]
    versions: dict[tuple[str, str, int], Any]
    clock_deltas: dict[tuple, dict[str, timedelta | None]]
    entitlement: dict[str, dict]


def staff_counts(scale: int) -> dict[str, int]:
    """Generated staff for a data set of `scale` cases (about one agent per 20,000 cases a
    year's worth, as a service department staffs)."""
    return {
        "sh-hotline": max(2, scale // 25_000),
        "sh-counter": max(1, scale // 100_000),
        "sh-workshop": max(2, scale // 50_000),
        "sh-followup": max(1, scale // 100_000),
    }


def _staff(scale: int) -> None:
    """Create (idempotently) the generated staff members; they never sign in."""
    roles = {
        "sh-hotline": Role.AGENT,
        "sh-counter": Role.AGENT,
        "sh-workshop": Role.TECHNICIAN,
        "sh-followup": Role.FOLLOWUP_AGENT,
    }
    for code, count in staff_counts(scale).items():
        unit = Unit.objects.get(code=code)
        group = Group.objects.get(name=roles[code])
        for n in range(1, count + 1):
            username = f"bench-{code.removeprefix('sh-')}-{n:03d}"
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": "Bench", "last_name": f"{code} {n}"},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                user.groups.add(group)
                org_services.membership_set(user=user, unit=unit)


def _members(code: str, role: str) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, memberships__unit__code=code, groups__name=role
        )
        .distinct()
        .order_by("pk")
    )


def _cast(now: datetime) -> Cast:
    agents = _members("sh-hotline", Role.AGENT) + _members("sh-counter", Role.AGENT)
    home_unit = {}
    for user in agents + _members("sh-workshop", Role.TECHNICIAN):
        home_unit[user.pk] = user.units.order_by("path").first()
    product_models = list(ProductModel.objects.order_by("pk"))
    if not agents or not product_models:
        raise RuntimeError(
            "bench dataset: load the demo data first (manage.py demo_data)"
        )
    legal = dict(
        OwnedProduct.objects.exclude(legal_rule_set="")
        .values_list("model__category", "legal_rule_set")
        .distinct()
    )
    questionnaire = Questionnaire.objects.filter(status="active").order_by("pk").first()
    # One real clock computation per (priority, area, on-site need, unit), started on a
    # weekday morning, shifted to each case's start.
    reference = timezone.localtime(now).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    reference -= timedelta(days=reference.weekday() + 7)  # a Monday
    versions: dict[tuple[str, str, int], Any] = {}
    deltas: dict[tuple, dict[str, timedelta | None]] = {}
    units = {u.pk: u for u in home_unit.values()}
    for unit in units.values():
        calendar = standard_selectors.calendar_for_unit(unit=unit)
        for category in {m.category for m in product_models} | {""}:
            for source, _w in SOURCE_MIX:
                versions[(category, source, unit.pk)] = (
                    standard_selectors.service_standard_resolve(
                        category=category, channel=source, unit=unit
                    )
                )
        version = versions[("", "hotline", unit.pk)]
        for priority, _w in PRIORITY_MIX:
            for region in ("urban", "rural"):
                for onsite in (True, False):
                    times = (
                        sla.clock_times(
                            version.parameters,
                            priority=priority,
                            start=reference,
                            calendar=calendar,
                            region=region,
                            needs_onsite=onsite,
                        )
                        if version is not None
                        else sla.no_clock_times()
                    )
                    deltas[(unit.pk, priority, region, onsite)] = {
                        name: (value - reference if value else None)
                        for name, value in times.items()
                    }
    entitlement = {}
    for ticket_type, snapshot in Ticket.objects.exclude(entitlement={}).values_list(
        "type", "entitlement"
    ):
        entitlement.setdefault(ticket_type, snapshot)
    _window, policy = policy_for(versions[("", "hotline", home_unit[agents[0].pk].pk)])
    return Cast(
        agents=agents,
        technicians=_members("sh-workshop", Role.TECHNICIAN),
        followup_agents=_members("sh-followup", Role.FOLLOWUP_AGENT),
        home_unit=home_unit,
        workshop=Unit.objects.get(code="sh-workshop"),
        followup_team=Unit.objects.get(code="sh-followup"),
        supervisors=list(User.objects.filter(groups__name=Role.SUPERVISOR)),
        models_=product_models,
        legal_rule_set=legal,
        questionnaire_id=questionnaire.pk if questionnaire else None,
        policy=policy,
        versions=versions,
        clock_deltas=deltas,
        entitlement=entitlement,
    )


# --- Customers and products -----------------------------------------------------------------


@dataclass
class Archive:
    """What the cases need of the generated archive: each customer's id, area and products."""

    customers: list[tuple[int, str]] = field(default_factory=list)  # (id, region)
    products: dict[int, list[tuple[int, str]]] = field(default_factory=dict)


def _archive(sink: Sink, cast: Cast, count: int, now: datetime, rng) -> Archive:
    archive = Archive()
    branch = Unit.objects.get(code="sh")
    first_index = Customer.objects.count()
    for n in range(count):
        index = first_index + n
        name = customer_name(index)
        created = now - timedelta(days=YEARS * 365 + 30 + rng.random() * 365)
        region = "rural" if rng.random() < 0.2 else "urban"
        customer_id = sink.add(
            Customer,
            kind="person" if rng.random() < 0.95 else "organisation",
            name=name,
            search_name=name.casefold().strip(),
            email=f"c{index}@example.net" if rng.random() < 0.4 else "",
            segment=_pick(rng, [("new", 0.3), ("regular", 0.6), ("key", 0.1)]),
            city=rng.choice(CITIES),
            address=f"{rng.randint(1, 999)} {rng.choice(CITIES)} Road",
            region=region,
            unit_id=branch.pk if rng.random() < 0.8 else None,
            consent_service=rng.random() < 0.97,
            consent_service_at=created,
            consent_marketing=rng.random() < 0.3,
            created_at=created,
            updated_at=created,
            last_activity_at=created,
        )
        archive.customers.append((customer_id, region))
        national = customer_phone(index)
        sink.add(
            CustomerPhone,
            customer_id=customer_id,
            number=f"+86{national}",
            national=national,
            is_primary=True,
        )
        if rng.random() < 0.2:
            fixed = f"021{(index * 104729 + 7) % 10**8:08d}"
            sink.add(
                CustomerPhone,
                customer_id=customer_id,
                number=f"+86{fixed}",
                national=fixed,
                kind="fixed",
            )
        owned = []
        for _p in range(1 if rng.random() < 0.7 else 2):
            model = rng.choice(cast.models_)
            sold = (created + timedelta(days=rng.randint(0, 300))).date()
            delivered = sold + timedelta(days=rng.randint(0, 5))
            installed = delivered if model.category == "air_conditioner" else None
            start = installed or delivered
            product_id = sink.new_id(OwnedProduct)
            price = Decimal(rng.randrange(800, 12_000))
            sink.add(
                OwnedProduct,
                id=product_id,
                customer_id=customer_id,
                model_id=model.pk,
                serial=f"SN{model.pk:03d}{product_id:09d}",
                sale_date=sold,
                delivery_date=delivered,
                installation_date=installed,
                invoice_number=f"INV{product_id:010d}",
                invoice_price=price,
                price_paid=price,
                is_distance_sale=rng.random() < 0.3,
                legal_rule_set=cast.legal_rule_set.get(model.category, ""),
                validity_start=start,
                validity_end=start + timedelta(days=365),
                main_validity_end=start + timedelta(days=3 * 365),
                created_at=created,
            )
            owned.append((product_id, model.category))
        archive.products[customer_id] = owned
        if sink.pending() >= FLUSH_ROWS:
            sink.flush()
    sink.flush()
    return archive


# --- Cases ----------------------------------------------------------------------------------


def case_states(scale: int, rng: random.Random) -> list[str]:
    """The state of every case, as tags: open states, "overdue:<state>", the others."""
    n_open = round(scale * OPEN_SHARE)
    n_overdue = max(1, round(n_open * OVERDUE_SHARE_OF_OPEN)) if n_open else 0
    states = [f"overdue:{_pick(rng, OPEN_MIX[1:3])}" for _ in range(n_overdue)]
    states += [_pick(rng, OPEN_MIX) for _ in range(n_open - n_overdue)]
    states += [S.AWAITING_FOLLOW_UP] * round(scale * AWAITING_FOLLOW_UP_SHARE)
    states += [S.RESOLVED] * round(scale * RESOLVED_SHARE)
    states += [S.CANCELLED] * round(scale * CANCELLED_SHARE)
    states += [S.DUPLICATE] * round(scale * DUPLICATE_SHARE)
    states += [S.CLOSED] * (scale - len(states))
    return states[:scale]


@dataclass
class _Case:
    """One case being generated (the row and the facts its children need)."""

    row: dict[str, Any]
    events: list[tuple[str, datetime, int | None, dict, str | None]]


class CaseWriter:
    """Generates one case with its events, handovers, follow-up and notifications."""

    def __init__(self, sink: Sink, cast: Cast, archive: Archive, now: datetime, rng):
        self.sink, self.cast, self.archive, self.now, self.rng = (
            sink,
            cast,
            archive,
            now,
            rng,
        )
        self.followup_turn = 0

    def _start(
        self, state: str, resolve: timedelta, acknowledge: timedelta
    ) -> datetime:
        """When a case in `state` was opened: open cases recently enough that no clock
        has reached its warning point unseen (the sweep of the data as built finds
        nothing), overdue ones past twice their resolve time."""
        rng, now = self.rng, self.now
        if state.startswith("overdue:"):
            # Past twice its resolve time: warning, breach and escalation are recorded.
            return now - resolve * rng.uniform(2.2, 4.0)
        if state == S.NEW:
            return now - acknowledge * rng.uniform(0.05, 0.7)
        if state in {S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED}:
            return now - resolve * rng.uniform(0.02, 0.7)
        if state in {S.WAITING_PARTS, S.WAITING_CUSTOMER}:
            return now - resolve * rng.uniform(0.1, 0.7)
        if state in {S.AWAITING_FOLLOW_UP, S.RESOLVED}:
            return now - timedelta(days=rng.uniform(1, 6))
        # Closed, cancelled, duplicate: over the years, more in the recent one (growth).
        age = (rng.random() ** 1.3) * (YEARS * 365 - 10) + 8
        return now - timedelta(days=age)

    def plan(self, state: str) -> tuple:
        """The choices that place a case in time (drawn first, so that cases can be
        written in the order they were opened and ids grow with time, as they do)."""
        rng, cast = self.rng, self.cast
        customer_id, region = rng.choice(self.archive.customers)
        products = self.archive.products.get(customer_id, [])
        product = rng.choice(products) if products and rng.random() < 0.8 else None
        ticket_type = _pick(rng, TYPE_MIX)
        priority = _pick(rng, PRIORITY_MIX)
        owner = rng.randrange(len(cast.agents))
        unit = cast.home_unit[cast.agents[owner].pk]
        onsite = ticket_type in {"repair", "installation"}
        deltas = cast.clock_deltas[(unit.pk, priority, region, onsite)]
        resolve = deltas.get("resolve_due_at") or timedelta(hours=72)
        acknowledge = deltas.get("acknowledge_due_at") or timedelta(hours=1)
        created = self._start(state, resolve, acknowledge)
        return (
            created,
            state,
            customer_id,
            region,
            product,
            ticket_type,
            priority,
            owner,
        )

    def write(self, plan: tuple) -> int:
        rng, cast, sink, now = self.rng, self.cast, self.sink, self.now
        created, state, customer_id, region, product, ticket_type, priority, owner = (
            plan
        )
        owner = cast.agents[owner]
        category = product[1] if product else ""
        source = _pick(rng, SOURCE_MIX)
        unit = cast.home_unit[owner.pk]
        version = cast.versions.get((category, source, unit.pk)) or cast.versions.get(
            ("", source, unit.pk)
        )
        onsite = ticket_type in {"repair", "installation"}
        deltas = cast.clock_deltas[(unit.pk, priority, region, onsite)]
        has_sla = version is not None and ticket_type not in {"suggestion"}
        resolve = deltas.get("resolve_due_at") or timedelta(hours=72)
        overdue = state.startswith("overdue:")
        status = state.removeprefix("overdue:")
        ticket_id = sink.new_id(Ticket)
        row: dict[str, Any] = {
            "id": ticket_id,
            "number": f"T{timezone.localtime(created):%Y%m%d}-{ticket_id:05d}",
            "type": ticket_type,
            "source": source,
            "customer_id": customer_id,
            "product_id": product[0] if product else None,
            "title": rng.choice(TITLES[ticket_type]),
            "description": "Generated for the benchmark.",
            "fault_code": f"E{rng.randint(1, 40)}" if ticket_type == "repair" else "",
            "priority": priority,
            "status": status,
            "first_owner_id": owner.pk,
            "handler_id": owner.pk,
            "unit_id": unit.pk,
            "standard_version_id": version.pk if version else None,
            "has_sla": has_sla,
            "entitlement": cast.entitlement.get(ticket_type, {}),
            "created_at": created,
            "updated_at": created,
        }
        for name, delta in deltas.items():
            row[name] = created + delta if (has_sla and delta is not None) else None
        events: list[tuple[str, datetime, int | None, dict, str | None]] = [
            ("opened", created, owner.pk, {"priority": priority}, None)
        ]
        moment = created

        def later(hours: float) -> datetime:
            nonlocal moment
            moment = min(moment + timedelta(hours=hours), now)
            return moment

        def status_event(target: str, at: datetime, actor: int | None) -> None:
            events.append(("status_changed", at, actor, {"to": target}, None))

        if status != S.NEW:
            row["acknowledged_at"] = later(rng.uniform(0.05, 0.8))
            status_event(S.ACKNOWLEDGED, moment, owner.pk)
            row["first_contact_at"] = later(rng.uniform(0.1, 2))
        handover_to = None
        pending_handover = False
        if status not in {S.NEW, S.ACKNOWLEDGED, S.CANCELLED, S.DUPLICATE}:
            if rng.random() < (0.6 if onsite else HANDOVER_SHARE):
                handover_to = rng.choice(cast.technicians)
            if status == S.IN_PROGRESS and rng.random() < 0.2 and not overdue:
                pending_handover = True
        if status in {S.ACKNOWLEDGED} and rng.random() < 0.25:
            pending_handover = True
        if handover_to is not None and not pending_handover:
            asked = later(rng.uniform(0.2, 3))
            decided = later(rng.uniform(0.2, 4))
            handover_id = sink.add(
                Handover,
                ticket_id=ticket_id,
                from_user_id=owner.pk,
                from_unit_id=unit.pk,
                to_user_id=handover_to.pk,
                to_unit_id=cast.workshop.pk,
                reason="Needs a technician.",
                commitment="diagnose in 48 h",
                commitment_hours=Decimal("48.00"),
                status="accepted",
                requested_at=asked,
                accept_due_at=asked + timedelta(hours=4),
                decided_at=decided,
                decided_by_id=handover_to.pk,
                commitment_due_at=decided + timedelta(hours=48),
            )
            events.append(
                ("handover_accepted", decided, handover_to.pk, {"handover": handover_id}, None)
            )  # fmt: skip
            row["handler_id"] = handover_to.pk
            row["unit_id"] = cast.workshop.pk
        if status not in {S.NEW, S.ACKNOWLEDGED, S.CANCELLED, S.DUPLICATE}:
            if onsite and row.get("onsite_due_at"):
                row["onsite_at"] = later(rng.uniform(1, 12))
            status_event(S.IN_PROGRESS, later(0.1), row["handler_id"])
        if status in {S.WAITING_PARTS, S.WAITING_CUSTOMER}:
            row["paused_at"] = later(rng.uniform(0.5, 10))
            status_event(status, moment, row["handler_id"])
        if pending_handover:
            asked = later(rng.uniform(0.1, 1))
            target = rng.choice(cast.technicians)
            handover_id = sink.add(
                Handover,
                ticket_id=ticket_id,
                from_user_id=row["handler_id"],
                from_unit_id=row["unit_id"],
                to_user_id=target.pk if rng.random() < 0.5 else None,
                to_unit_id=cast.workshop.pk,
                reason="Needs a technician.",
                commitment="diagnose in 48 h",
                commitment_hours=Decimal("48.00"),
                status="requested",
                requested_at=asked,
                accept_due_at=asked + timedelta(hours=4),
            )
            events.append(
                ("handover_requested", asked, row["handler_id"], {"handover": handover_id}, None)
            )  # fmt: skip
        if overdue:
            self._escalations(row, events)
        if status in {S.RESOLVED, S.AWAITING_FOLLOW_UP, S.CLOSED}:
            resolve_due = row.get("resolve_due_at") or created + resolve
            lateness = (
                rng.uniform(0.2, 1.0) if rng.random() < 0.93 else rng.uniform(1, 1.6)
            )
            resolved = created + (resolve_due - created) * lateness
            row["resolved_at"] = max(resolved, later(0.1))
            moment = row["resolved_at"]
            row["cause_code"] = rng.choice(CAUSES)
            row["liability"] = rng.choice(LIABILITIES)
            row["resolution"] = "Fixed and tested with the customer."
            row["customer_informed_at"] = moment
            status_event(S.RESOLVED, moment, row["handler_id"])
        # The business hours the services store when a clock stops (the KPIs read them).
        if row.get("acknowledged_at"):
            row["first_response_hours"] = _business_hours(
                created, row["acknowledged_at"]
            )
        if row.get("resolved_at"):
            row["resolution_hours"] = _business_hours(created, row["resolved_at"])
        if status == S.CLOSED:
            self._follow_up(row, events, completed=True)
            row["closed_at"] = later(rng.uniform(0.5, 48))
            status_event(S.CLOSED, moment, None)
        elif status == S.AWAITING_FOLLOW_UP:
            self._follow_up(row, events, completed=False)
        elif status in {S.CANCELLED, S.DUPLICATE}:
            status_event(status, later(rng.uniform(0.2, 24)), owner.pk)
        elif status == S.REOPENED:
            row["reopen_count"] = 1
            status_event(S.REOPENED, later(rng.uniform(1, 24)), None)
        # Pad to at least three events (comments), keep at most six.
        while len(events) < 3:
            events.insert(
                1, ("comment", created + timedelta(minutes=5 * len(events)), owner.pk,
                    {"text": "Called the customer."}, None),
            )  # fmt: skip
        if len(events) > 6:
            keyed = [e for e in events if e[4]]
            plain = [e for e in events if not e[4]]
            events = sorted(plain[: 6 - len(keyed)] + keyed, key=lambda e: e[1])
        if status in OPEN_STATES:
            self._meet_passed_clocks(row)
        row["updated_at"] = max(e[1] for e in events)
        sink.add(Ticket, **row)
        for event_type, at, actor, data, key in events:
            sink.add(
                TicketEvent,
                ticket_id=ticket_id,
                type=event_type,
                actor_id=actor,
                at=at,
                data=data,
                public=event_type in {"opened", "status_changed"},
                key=key,
            )
        if rng.random() < 0.5 or overdue:
            self._notify(row, overdue)
        return ticket_id

    def _meet_passed_clocks(self, row: dict[str, Any]) -> None:
        """A running case's clocks other than an escalated resolve clock whose warning
        point has passed were met before it (as most are)."""
        for clock, done in CLOCK_DONE_FIELDS.items():
            if clock == "resolve" or row.get(done):
                continue
            warn = row.get(f"{clock}_warn_at")
            if warn is not None and warn <= self.now:
                row[done] = max(row["created_at"], warn - timedelta(minutes=1))

    def _escalations(self, row: dict[str, Any], events: list) -> None:
        """An overdue case: the resolve clock's warning, breach and manager steps were
        taken (as the sweep records them), and the escalation level is 2."""
        ticket_id, due, warn = row["id"], row["resolve_due_at"], row["resolve_warn_at"]
        if due is None:
            row["resolve_due_at"] = due = self.now - timedelta(hours=1)
            row["resolve_warn_at"] = warn = due - timedelta(hours=1)
        started = row["created_at"]
        for step, event_type, at in (
            ("warning", "sla_warning", warn),
            ("breach", "sla_breached", due),
            ("manager", "escalated", started + 2 * (due - started)),
        ):
            events.append(
                (event_type, min(at, self.now), None, {"clock": "resolve", "step": step},
                 f"sla:{ticket_id}:resolve:{step}")
            )  # fmt: skip
        row["escalation_level"] = 2
        row["resolve_steps_done"] = True  # its last step is recorded

    def _follow_up(self, row: dict[str, Any], events: list, *, completed: bool) -> None:
        rng, cast = self.rng, self.cast
        resolved = row["resolved_at"]
        opens, closes = resolved + timedelta(hours=24), resolved + timedelta(hours=72)
        workers = {row["first_owner_id"], row["handler_id"]}
        agents = [a for a in cast.followup_agents if a.pk not in workers]
        agent = agents[self.followup_turn % len(agents)] if agents else None
        self.followup_turn += 1
        fields: dict[str, Any] = {
            "ticket_id": row["id"],
            "customer_id": row["customer_id"],
            "kind": "after_service",
            "round": 1,
            "questionnaire_id": cast.questionnaire_id,
            "unit_id": cast.followup_team.pk,
            "assigned_to_id": agent.pk if agent else None,
            "opens_at": opens,
            "closes_at": closes,
            "due_at": closes,
            "policy": cast.policy,
            "next_channel": "phone",
            "created_at": resolved,
            "updated_at": resolved,
        }
        if completed:
            done = resolved + timedelta(hours=rng.uniform(20, 70))
            satisfied = rng.random() < 0.9
            if rng.random() < 0.05:
                fields.update(status="unreachable", ended_at=done, attempts_count=3,
                              supervisor_note="Three calls unanswered.",
                              supervisor_note_by_id=cast.supervisors[0].pk
                              if cast.supervisors else None)  # fmt: skip
            else:
                fields.update(
                    status="completed",
                    result="satisfied" if satisfied else "dissatisfied",
                    score=rng.randint(4, 5) if satisfied else rng.randint(1, 3),
                    resolved=satisfied,
                    timeliness="on_time" if done >= opens else "early",
                    completed_via="phone",
                    completed_at=done,
                    completed_by_id=agent.pk if agent else None,
                )
            row["follow_up_completed_at"] = done
            events.append(("follow_up", done, agent.pk if agent else None,
                           {"result": fields.get("result", "unreachable")}, None))  # fmt: skip
        else:
            fields.update(
                status="due" if opens <= self.now else "scheduled",
                next_attempt_at=max(opens, self.now),
            )
        self.sink.add(FollowUp, **fields)

    def _notify(self, row: dict[str, Any], overdue: bool) -> None:
        at = row["updated_at"]
        self.sink.add(
            Notification,
            recipient_id=row["handler_id"],
            kind="sla_breached" if overdue else "handover_accepted",
            title=f"{row['number']}: {row['title']}",
            url=f"/tickets/{row['number']}/",
            key=f"bench:{row['id']}",
            created_at=at,
            read_at=None if overdue or self.rng.random() < 0.2 else at,
        )


# --- Build ----------------------------------------------------------------------------------


@dataclass
class BuildResult:
    scale: int
    seconds: float
    rows: dict[str, int]


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def build(
    *, scale: int = DEFAULT_SCALE, seed: int = 11, progress=None, fast: bool = False
) -> BuildResult:
    """Add the data set of `scale` cases to the current database (which holds the demo
    data). `fast` (PostgreSQL superuser only) skips the foreign-key triggers while
    loading, for a data set consistent by construction."""
    started = time.monotonic()
    say = progress or (lambda message: None)
    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        _staff(scale)
        cast = _cast(now)
    sink = Sink()
    if fast and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    try:
        with transaction.atomic():
            archive = _archive(sink, cast, max(10, scale // 5), now, rng)
        say(
            f"customers: {len(archive.customers):,} in {time.monotonic() - started:.1f} s"
        )
        writer = CaseWriter(sink, cast, archive, now, rng)
        plans = sorted(
            (writer.plan(state) for state in case_states(scale, rng)),
            key=lambda plan: plan[0],
        )
        done = 0
        for chunk in _chunks(plans, CHUNK_CASES):
            with transaction.atomic():
                for plan in chunk:
                    writer.write(plan)
                    if sink.pending() >= FLUSH_ROWS:
                        sink.flush()
                sink.flush()
            done += len(chunk)
            elapsed = time.monotonic() - started
            say(f"cases: {done:,}/{scale:,} in {elapsed:.1f} s")
        sink.reset_sequences()
    finally:
        if fast and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
    with connection.cursor() as cursor:
        # Fresh planner statistics; on PostgreSQL also the visibility map that autovacuum
        # keeps on a live database after a bulk load (index-only and bitmap scans skip the
        # heap for all-visible pages), so the data set is measured as it would run (not
        # inside a transaction, where VACUUM cannot run: the tests' tiny data sets).
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        cursor.execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")
    return BuildResult(
        scale=scale, seconds=time.monotonic() - started, rows=sink.counts()
    )
