"""The work units measured over HTTP: who asks for what, and what it must answer.

Every URL is taken from the data set (a case the agent owns, a customer's name, phone and
serial), so that the same list works at any SCALE."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote

from aftersales.models import User
from customers.models import Customer, CustomerPhone, OwnedProduct
from tickets.models import Ticket

QUEUE_TABS = ("mine", "units", "awaiting", "today", "overdue", "all")
QUEUE_SORTS = ("created", "priority", "resolve_due")  # "-created" is the tabs' default


@dataclass(frozen=True)
class Unit:
    """One work unit: `user` signs in by session ("session") or token ("token"); `optional`
    units that answer 404 are reported as skipped (not built yet)."""

    name: str
    path: str
    user: str | None = None
    auth: str = "session"
    method: str = "GET"
    body: str | None = None
    expect: int = 200
    optional: bool = False
    group: str = ""


def probes() -> dict[str, str]:
    """Values the URLs need, read from the data set."""
    agent = User.objects.get(username="agent")
    case = (
        Ticket.objects.filter(first_owner=agent, status="closed")
        .order_by("-pk")
        .values_list("number", flat=True)
        .first()
    ) or Ticket.objects.order_by("-pk").values_list("number", flat=True).first()
    customer = (
        Customer.objects.filter(products__isnull=False, unit__code="sh")
        .order_by("-pk")
        .first()
    )
    phone = CustomerPhone.objects.filter(customer=customer).order_by("pk").first()
    product = OwnedProduct.objects.filter(customer=customer).order_by("pk").first()
    return {
        "case": case,
        "case_suffix": case.rsplit("-", 1)[-1],
        "name": customer.name,
        "phone": phone.national if phone else "",
        "serial": product.serial if product else "",
        "customer_id": str(customer.pk),
        "product_id": str(product.pk) if product else "",
    }


def work_units(p: dict[str, str]) -> list[Unit]:
    """Every work unit, the bare view first."""
    units = [Unit("bare Django JSON view", "/bench/bare/", group="baseline")]
    # The floors: what any page or API call costs before its own work (bench/urls.py).
    units += [
        Unit("floor: signed-in page shell", "/bench/shell/", "agent", group="floor"),
        Unit("floor: signed-in API call", "/bench/me/", "agent", "token",
             group="floor"),
    ]  # fmt: skip
    units += [
        Unit(f"queue {tab}", f"/tickets/?view={tab}", "agent", group="queue")
        for tab in QUEUE_TABS
    ]
    units += [
        Unit("queue awaiting (technician)", "/tickets/?view=awaiting", "technician",
             group="queue"),
        Unit("queue all (manager)", "/tickets/?view=all", "manager", group="queue"),
        Unit("queue all (supervisor)", "/tickets/?view=all", "supervisor",
             group="queue"),
        Unit("queue filter status+priority",
             "/tickets/?view=all&status=in_progress&priority=P2", "agent", group="queue"),
    ]  # fmt: skip
    units += [
        Unit(f"queue sort {sort}", f"/tickets/?view=all&sort={sort}", "agent",
             group="queue")
        for sort in QUEUE_SORTS
    ]  # fmt: skip
    units += [
        Unit("queue search number", f"/tickets/?view=all&q={p['case']}", "agent",
             group="queue"),
        Unit("queue search customer name", f"/tickets/?view=all&q={quote(p['name'])}",
             "agent", group="queue"),
        Unit("API tickets page 1", "/api/v1/tickets/", "agent", "token", group="api"),
        Unit("API tickets overdue", "/api/v1/tickets/?overdue=true", "agent", "token",
             group="api"),
        Unit("case page", f"/tickets/{p['case']}/", "agent", group="case"),
        Unit("customer search phone", f"/customers/?q={p['phone']}", "agent",
             group="customers"),
        Unit("customer search name", f"/customers/?q={quote(p['name'])}", "agent",
             group="customers"),
        Unit("customer search serial", f"/customers/?q={p['serial']}", "agent",
             group="customers"),
        Unit("API customers phone", f"/api/v1/customers/?q={p['phone']}", "agent",
             "token", group="customers"),
        Unit("follow-up worklist", "/followups/", "visitor", group="followups"),
        Unit("follow-up worklist all (supervisor)", "/followups/?view=all",
             "supervisor", group="followups"),
        Unit("API follow-ups", "/api/v1/followups/", "visitor", "token",
             group="followups"),
        Unit("manager dashboard", "/dashboard/", "manager", optional=True,
             group="dashboard"),
        Unit("KPI API", "/api/v1/kpis/", "manager", "token", optional=True,
             group="dashboard"),
    ]  # fmt: skip
    body = {
        "type": "repair",
        "source": "hotline",
        "customer": int(p["customer_id"]),
        "title": "Bench: does not cool",
        "description": "Created by the benchmark.",
        "priority": "P3",
    }
    if p["product_id"]:
        body["product"] = int(p["product_id"])
    units.append(
        Unit("API create case", "/api/v1/tickets/", "agent", "token", "POST",
             json.dumps(body), expect=201, group="create")
    )  # fmt: skip
    return units
