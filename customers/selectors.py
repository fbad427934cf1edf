"""Reads of the customer archive, always scoped by `Customer.objects.visible_to(user)`:
search, archive pages, duplicates, the timeline, parties, models, products, imports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from aftersales import permissions
from aftersales.models import User
from customers import phones as phone_numbers
from customers.models import (
    ArchiveAccess,
    ConsentChange,
    Contact,
    Customer,
    CustomerPhone,
    ImportJob,
    OwnedProduct,
    Party,
    ProductModel,
)
from standards.parameters import ContactChannel


def _search_ids(q: str) -> QuerySet:
    """The ids of the customers matching `q`: a name (prefix or part), a phone in any
    format (exact E.164, or the start of the national number), an e-mail, a serial number
    or an invoice number. One UNION of index lookups, one per kind, never an OR across
    joined tables (which reads every customer)."""
    text = q.strip()
    customers = Customer.objects.order_by()
    branches = [
        customers.filter(search_name__startswith=text.casefold()).values("pk"),
        customers.name_contains(text).values("pk"),
    ]
    phones = CustomerPhone.objects.order_by()
    try:
        e164, _national = phone_numbers.normalise(text)
    except phone_numbers.InvalidPhone:
        e164 = None
    if e164:
        branches.append(phones.filter(number=e164).values("customer_id"))
    digits = phone_numbers.digits_of(text)
    if (
        len(digits) >= 4
        and len(digits) >= len(text.replace(" ", "").replace("-", "")) - 1
    ):
        # The national number is stored without country code and trunk 0 (021… → 21…).
        national = digits.lstrip("0")
        if text.startswith(("+", "00")):
            national = national.removeprefix("86")
        branches.append(
            phones.filter(national__startswith=national).values("customer_id")
        )
    if "@" in text:
        branches.append(customers.filter(email__iexact=text).values("pk"))
    products = OwnedProduct.objects.order_by()
    branches += [
        products.filter(serial__iexact=text).values("customer_id"),
        products.filter(invoice_number__iexact=text).values("customer_id"),
    ]
    first, *others = branches
    return first.union(*others)


def customer_list(
    *, user: User, q: str = "", filters: dict[str, Any] | None = None
) -> QuerySet:
    """Active archives `user` may see, matching `q`, with phones and product counts loaded
    (a constant number of queries)."""
    customers = Customer.objects.visible_to(user).active()
    if q.strip():
        customers = customers.filter(pk__in=_search_ids(q))
    for name, value in (filters or {}).items():
        if value not in (None, ""):
            customers = customers.filter(**{name: value})
    return (
        customers.select_related("unit")
        .prefetch_related(
            Prefetch(
                "phones", queryset=CustomerPhone.objects.order_by("-is_primary", "pk")
            ),
            "tags",
        )
        # A correlated count per row of the page, not a join and GROUP BY of the scope.
        .annotate(
            product_count=Coalesce(
                Subquery(
                    OwnedProduct.objects.filter(customer=OuterRef("pk"))
                    .order_by()
                    .values("customer")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            )
        )
        .order_by("search_name", "pk")
    )


def customer_get(*, user: User, pk: int) -> Customer:
    """One archive `user` may see (404 otherwise), with phones, tags and unit."""
    return get_object_or_404(
        Customer.objects.visible_to(user)
        .select_related("unit", "merged_into", "user")
        .prefetch_related("phones", "tags"),
        pk=pk,
    )


def customer_for_case(*, user: User, pk: int) -> Customer:
    """The archive a new case is opened for: one `user` may see (404 otherwise), without
    the phones and tags the archive page shows."""
    return get_object_or_404(Customer.objects.visible_to(user), pk=pk)


def customer_for_user(*, user: User) -> Customer | None:
    """The archive of a portal customer, if any."""
    return Customer.objects.filter(user=user).first() if user.is_authenticated else None


def products_of(*, customer: Customer) -> QuerySet[OwnedProduct]:
    """A customer's products with model, producer and seller (for the archive page)."""
    return customer.products.select_related("model__producer", "seller").order_by(
        "-sale_date"
    )


def product_list(
    *, user: User, filters: dict[str, Any] | None = None
) -> QuerySet[OwnedProduct]:
    """Owned products of archives `user` may see."""
    products = OwnedProduct.objects.filter(
        customer__in=Customer.objects.visible_to(user)
    )
    for name, value in (filters or {}).items():
        if value not in (None, ""):
            products = products.filter(**{name: value})
    return products.select_related(
        "model__producer", "seller", "carrier", "installer", "customer"
    )


def product_get(*, user: User, pk: int) -> OwnedProduct:
    """One owned product `user` may see (404 otherwise)."""
    return get_object_or_404(
        product_list(user=user).prefetch_related("validity_events"), pk=pk
    )


def contact_list(*, user: User, customer: Customer | None = None) -> QuerySet[Contact]:
    """Contacts of archives `user` may see (and contacts with no customer), newest first."""
    contacts = Contact.objects.filter(
        Q(customer__in=Customer.objects.visible_to(user)) | Q(customer__isnull=True)
    )
    if customer is not None:
        contacts = contacts.filter(customer=customer)
    return contacts.select_related("customer", "received_by")


def contacts_without_disposition(*, before: datetime) -> QuerySet[Contact]:
    """Contacts still without a disposition at `before` (omissions, domain §8)."""
    return Contact.objects.filter(disposition="", at__lt=before)


def duplicate_groups(*, user: User) -> list[dict[str, Any]]:
    """Groups of active archives sharing a phone number or an e-mail (3 queries)."""
    visible = Customer.objects.visible_to(user).active()
    shared_numbers = (
        CustomerPhone.objects.filter(customer__in=visible)
        .values("number")
        .annotate(n=Count("customer", distinct=True))
        .filter(n__gt=1)
        .values_list("number", flat=True)
    )
    shared_emails = (
        visible.exclude(email="")
        .values("email")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("email", flat=True)
    )
    customers = list(
        visible.filter(
            Q(phones__number__in=shared_numbers) | Q(email__in=shared_emails)
        )
        .distinct()
        .prefetch_related("phones")
        .order_by("pk")
    )
    groups: dict[str, list[Customer]] = {}
    for customer in customers:
        keys = {p.number for p in customer.phones.all()} | (
            {customer.email} if customer.email else set()
        )
        for key in keys:
            groups.setdefault(key, []).append(customer)
    return [
        {"key": key, "customers": members}
        for key, members in sorted(groups.items())
        if len(members) > 1
    ]


# --- Timeline ---------------------------------------------------------------------------------

TimelineProvider = Callable[[Customer], list[dict[str, Any]]]
TIMELINE_PROVIDERS: list[TimelineProvider] = []


def register_timeline_provider(provider: TimelineProvider) -> TimelineProvider:
    """Let an upper layer (tickets, follow-ups, campaigns) add its entries to the archive
    timeline without the archive importing it. Each entry: {"at", "kind", "kind_label",
    "title", "detail", "status", "url", "by"}."""
    TIMELINE_PROVIDERS.append(provider)
    return provider


def _archive_entries(customer: Customer) -> list[dict[str, Any]]:
    entries = [
        {
            "at": contact.at,
            "kind": "contact",
            "kind_label": _("Contact"),
            "title": f"{contact.get_direction_display()} · {contact.get_channel_display()}",
            "detail": contact.summary,
            "status": contact.get_disposition_display() or "",
            "url": "",
            "by": contact.received_by.name if contact.received_by else "",
        }
        for contact in customer.contacts.select_related("received_by")
    ]
    entries += [
        {
            "at": change.at,
            "kind": "consent",
            "kind_label": _("Consent"),
            "title": f"{change.get_kind_display()}: {'✓' if change.granted else '✗'}",
            "detail": change.source,
            "status": "",
            "url": "",
            "by": change.recorded_by.name if change.recorded_by else "",
        }
        for change in ConsentChange.objects.filter(customer=customer).select_related(
            "recorded_by"
        )
    ]
    entries += [
        {
            "at": datetime.combine(
                product.sale_date, datetime.min.time(), tzinfo=product.created_at.tzinfo
            ),
            "kind": "product",
            "kind_label": _("Product"),
            "title": str(product),
            "detail": product.model.name,
            "status": "",
            "url": product.get_absolute_url(),
            "by": "",
        }
        for product in customer.products.select_related("model")
    ]
    return entries


def customer_timeline(*, customer: Customer, limit: int = 200) -> list[dict[str, Any]]:
    """Every contact, consent change, product and (through providers) case, visit,
    follow-up and campaign of a customer, newest first."""
    entries = _archive_entries(customer)
    for provider in TIMELINE_PROVIDERS:
        entries += provider(customer)
    return sorted(entries, key=lambda e: e["at"], reverse=True)[:limit]


# --- Parties, models, access log, imports -----------------------------------------------------


def party_list(*, kind: str = "") -> QuerySet[Party]:
    """Parties, optionally of one kind."""
    parties = Party.objects.annotate(model_count=Count("product_models"))
    return parties.filter(kind=kind) if kind else parties


def product_model_list(*, category: str = "") -> QuerySet[ProductModel]:
    """Product models with their producer."""
    models_ = ProductModel.objects.select_related("producer").annotate(
        unit_count=Count("units")
    )
    return models_.filter(category=category) if category else models_


def archive_access_list(*, customer: Customer) -> QuerySet[ArchiveAccess]:
    """Who viewed or exported an archive (managers' view)."""
    return customer.accesses.select_related("user")


def archive_access_by_user(*, user: User) -> QuerySet[ArchiveAccess]:
    """What one person looked at, newest first (managers' view)."""
    return ArchiveAccess.objects.filter(user=user).select_related("customer")


def import_job_list(*, user: User) -> QuerySet[ImportJob]:
    """Imports: everyone's for managers, one's own for other staff."""
    jobs = ImportJob.objects.select_related("created_by")
    if permissions.can_manage_archives(user):
        return jobs
    return jobs.filter(created_by=user)


def import_job_get(*, user: User, pk: int) -> ImportJob:
    """One import the user may see (404 otherwise)."""
    return get_object_or_404(import_job_list(user=user), pk=pk)


def customer_address(*, customer: Customer, channel: str) -> str:
    """The customer's address on `channel` ("email": their e-mail; "sms": their primary
    mobile, else their first), "" when they have none."""
    if channel == ContactChannel.EMAIL:
        return customer.email
    return (
        customer.phones.filter(kind=CustomerPhone.Kind.MOBILE)
        .order_by("-is_primary", "pk")
        .values_list("number", flat=True)
        .first()
        or ""
    )


def message_route(*, customer: Customer) -> tuple[str, str] | None:
    """Where a message to the customer goes: `("email", address)` or `("sms", mobile)`,
    the customer's preferred channel first (SMS for a phone preference), then the other;
    None when they cannot be written to (no address, or an anonymised archive)."""
    order = [ContactChannel.EMAIL, ContactChannel.SMS]
    if customer.preferred_channel != ContactChannel.EMAIL:
        order.reverse()
    for channel in order:
        if address := customer_address(customer=customer, channel=channel):
            return str(channel), address
    return None
