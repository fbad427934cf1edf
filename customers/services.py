"""Writes of the customer archive: customers, phones and consent, parties and product
models, owned products and their validity, the contact log, merging duplicates, privacy
(export, anonymise, retention) and the archive access log."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales import permissions
from aftersales.models import User
from aftersales.services import job_run
from customers import phones as phone_numbers
from customers import validity
from customers.models import (
    ArchiveAccess,
    ConsentChange,
    Contact,
    Customer,
    CustomerPhone,
    OwnedProduct,
    Party,
    ProductModel,
    Tag,
    ValidityEvent,
    scope_roots,
)
from standards import selectors as standard_selectors

CUSTOMER_FIELDS = {
    "kind", "name", "email", "segment", "preferred_channel", "quiet_hours_start",
    "quiet_hours_end", "city", "address", "region", "unit", "external_id",
}  # fmt: skip
PRODUCT_FIELDS = {
    "model", "serial", "seller", "carrier", "installer", "sale_date", "delivery_date",
    "installation_date", "invoice_number", "invoice_price", "price_paid",
    "is_distance_sale", "external_id",
}  # fmt: skip


def _require_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise PermissionDenied(_("Only staff change the customer archive."))


def _touch(customer_id: int, at: datetime | None = None) -> None:
    """Record activity on an archive (drives the retention period); it only moves forward,
    so a back-dated contact never makes an active archive look stale."""
    at = at or timezone.now()
    Customer.objects.filter(pk=customer_id).filter(
        models.Q(last_activity_at__isnull=True) | models.Q(last_activity_at__lt=at)
    ).update(last_activity_at=at)


# --- Customers --------------------------------------------------------------------------------


def _set_phones(customer: Customer, raw_numbers: list[str]) -> None:
    """Replace the customer's phones with the given ones (validated, de-duplicated; the first
    is primary). ValidationError {"phones": [...]} names each invalid number."""
    normalised, errors = [], []
    for raw in raw_numbers:
        if not (raw or "").strip():
            continue
        try:
            e164, national = phone_numbers.normalise(raw)
        except phone_numbers.InvalidPhone as exc:
            errors.append(str(exc))
            continue
        if e164 not in [n[0] for n in normalised]:
            normalised.append((e164, national))
    if errors:
        raise ValidationError({"phones": errors})
    customer.phones.all().delete()
    CustomerPhone.objects.bulk_create(
        CustomerPhone(
            customer=customer,
            number=e164,
            national=national,
            kind=phone_numbers.kind_of(e164),
            is_primary=index == 0,
        )
        for index, (e164, national) in enumerate(normalised)
    )


def _set_tags(customer: Customer, names: list[str]) -> None:
    tags = []
    for name in {n.strip() for n in names if n and n.strip()}:
        tag, _created = Tag.objects.get_or_create(name=name[:50])
        tags.append(tag)
    customer.tags.set(tags)


def _check_unit_scope(actor: User | None, unit) -> None:
    """Staff may serve customers from their own branch (or company-wide) only."""
    if actor is None or unit is None or permissions.sees_company_wide(actor):
        return
    roots = scope_roots(list(actor.units.values_list("path", flat=True)))
    if not any(
        unit.path.startswith(root) or root.startswith(unit.path) for root in roots
    ):
        raise ValidationError({"unit": [_("This unit is outside your branch.")]})


def _record_consent(
    customer: Customer, kind: str, granted: bool, *, actor: User | None, source: str, at
) -> None:
    field = f"consent_{kind}"
    setattr(customer, field, granted)
    setattr(customer, f"{field}_at", at)
    ConsentChange.objects.create(
        customer=customer,
        kind=kind,
        granted=granted,
        at=at,
        recorded_by=actor,
        source=source,
    )


@transaction.atomic
def customer_create(
    *,
    actor: User | None,
    name: str,
    phones: list[str] | None = None,
    tags: list[str] | None = None,
    consent_service: bool = True,
    consent_marketing: bool = False,
    source: str = "staff",
    **fields: Any,
) -> Customer:
    """Open a customer archive: validated fields and phones, consent recorded with its time."""
    if actor is not None:
        _require_staff(actor)
    if unknown := set(fields) - CUSTOMER_FIELDS:
        raise ValidationError({name_: [_("Unknown field.")] for name_ in unknown})
    _check_unit_scope(actor, fields.get("unit"))
    now = timezone.now()
    customer = Customer(name=name, last_activity_at=now, **fields)
    customer.full_clean(exclude=["search_name"])
    customer.save()
    _set_phones(customer, phones or [])
    _set_tags(customer, tags or [])
    _record_consent(
        customer, "service", consent_service, actor=actor, source=source, at=now
    )
    _record_consent(
        customer, "marketing", consent_marketing, actor=actor, source=source, at=now
    )
    customer.save(
        update_fields=[
            "consent_service", "consent_service_at", "consent_marketing", "consent_marketing_at"
        ]
    )  # fmt: skip
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    actor: User,
    phones: list[str] | None = None,
    tags: list[str] | None = None,
    consent_service: bool | None = None,
    consent_marketing: bool | None = None,
    source: str = "staff",
    **fields: Any,
) -> Customer:
    """Change an archive's fields, phones, tags and consent (each consent change logged)."""
    _require_staff(actor)
    if customer.is_anonymised:
        raise ValidationError({"name": [_("An anonymised archive cannot be changed.")]})
    if unknown := set(fields) - CUSTOMER_FIELDS:
        raise ValidationError({name_: [_("Unknown field.")] for name_ in unknown})
    if "unit" in fields and fields["unit"] != customer.unit:
        _check_unit_scope(actor, fields["unit"])
    for name_, value in fields.items():
        setattr(customer, name_, value)
    now = timezone.now()
    for kind, granted in (
        ("service", consent_service),
        ("marketing", consent_marketing),
    ):
        if granted is not None and granted != getattr(customer, f"consent_{kind}"):
            _record_consent(customer, kind, granted, actor=actor, source=source, at=now)
    customer.last_activity_at = now
    customer.full_clean(exclude=["search_name"])
    customer.save()
    if phones is not None:
        _set_phones(customer, phones)
    if tags is not None:
        _set_tags(customer, tags)
    return customer


# --- Parties and product models ---------------------------------------------------------------


@transaction.atomic
def party_save(*, actor: User, party: Party | None = None, **fields: Any) -> Party:
    """Create or change a party (producer, supplier, seller, carrier, installer…)."""
    _require_staff(actor)
    party = party or Party()
    for name_, value in fields.items():
        setattr(party, name_, value)
    party.full_clean()
    party.save()
    return party


@transaction.atomic
def product_model_save(
    *, actor: User, product_model: ProductModel | None = None, **fields: Any
) -> ProductModel:
    """Create or change a product model (producer, category, components, maintenance)."""
    _require_staff(actor)
    product_model = product_model or ProductModel()
    for name_, value in fields.items():
        setattr(product_model, name_, value)
    product_model.full_clean()
    product_model.save()
    return product_model


# --- Owned products and validity --------------------------------------------------------------


def validity_rules(category: str) -> dict[str, Any]:
    """The rule set code, start basis and periods that govern a product category: household
    vehicles follow their own rule set; other goods the legal rule set (and start basis) of
    the service standard in force for the category."""
    legal_sets = standard_selectors.legal_rule_sets_for_validation()
    standard = standard_selectors.service_standard_resolve(category=category)
    entitlement = (standard.parameters.get("entitlement", {}) if standard else {}) or {}
    code = (
        "cn-vehicles-2021"
        if category == "vehicle"
        else entitlement.get("legal_rule_set", "")
    )
    legal = legal_sets.get(code) or {"parameters": {}}
    periods = legal["parameters"].get("category_periods", {}).get(category, {})
    basis = entitlement.get("validity_start_basis") or legal["parameters"].get(
        "validity_start_basis", "installation_else_delivery"
    )
    if category == "vehicle":
        basis = legal["parameters"].get("validity_start_basis", "delivery")
    return {
        "code": code,
        "basis": basis,
        "whole_unit_months": periods.get("whole_unit_months"),
        "components": periods.get("components", {}),
    }


def _apply_validity(product: OwnedProduct, rules: dict[str, Any] | None = None) -> None:
    """Compute and set (not save) the product's validity fields."""
    rules = rules or validity_rules(product.model.category)
    main = set(product.model.main_components or [])
    components = {
        name: months
        for name, months in rules["components"].items()
        if not main or name in main
    }
    result = validity.compute(
        basis=rules["basis"],
        sale_date=product.sale_date,
        delivery_date=product.delivery_date,
        installation_date=product.installation_date,
        whole_unit_months=rules["whole_unit_months"],
        component_months=components,
        events=[
            validity.Event(kind=e.kind, on=e.on, days=e.days)
            # a fresh query: a prefetched list would miss an event just added
            for e in ValidityEvent.objects.filter(product=product)
        ]
        if product.pk
        else [],
    )
    product.legal_rule_set = rules["code"]
    product.validity_start = result.start
    product.validity_end = result.whole_unit_end
    product.main_validity_end = result.main_components_end
    product.component_validity = {
        k: v.isoformat() for k, v in result.components.items()
    }


def _check_dates(product: OwnedProduct) -> None:
    errors = {}
    if product.delivery_date and product.delivery_date < product.sale_date:
        errors["delivery_date"] = [_("Delivery cannot be before the sale.")]
    if product.installation_date and product.installation_date < (
        product.delivery_date or product.sale_date
    ):
        errors["installation_date"] = [_("Installation cannot be before delivery.")]
    if product.sale_date > timezone.localdate():
        errors["sale_date"] = [_("The sale date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def product_register(
    *, actor: User | None, customer: Customer, **fields: Any
) -> OwnedProduct:
    """Register a product a customer owns; its validity is computed, never typed in."""
    if actor is not None:
        _require_staff(actor)
    if unknown := set(fields) - PRODUCT_FIELDS:
        raise ValidationError({name_: [_("Unknown field.")] for name_ in unknown})
    product = OwnedProduct(customer=customer, **fields)
    product.full_clean(exclude=["legal_rule_set", "component_validity"])
    _check_dates(product)
    _apply_validity(product)
    product.save()
    _touch(customer.pk)
    return product


@transaction.atomic
def product_update(
    *, actor: User, product: OwnedProduct, **fields: Any
) -> OwnedProduct:
    """Change an owned product's data; validity is recomputed."""
    _require_staff(actor)
    if unknown := set(fields) - PRODUCT_FIELDS:
        raise ValidationError({name_: [_("Unknown field.")] for name_ in unknown})
    for name_, value in fields.items():
        setattr(product, name_, value)
    product.full_clean(exclude=["legal_rule_set", "component_validity"])
    _check_dates(product)
    _apply_validity(product)
    product.save()
    return product


@transaction.atomic
def validity_event_add(
    *,
    product: OwnedProduct,
    kind: str,
    on: date,
    days: int = 0,
    note: str = "",
    reference: str = "",
) -> ValidityEvent:
    """Record repair days, parts-wait days (extensions) or an exchange (restart) and
    recompute the product's validity. Tickets call this when a repair closes."""
    event = ValidityEvent(
        product=product, kind=kind, on=on, days=days, note=note, reference=reference
    )
    event.full_clean()
    event.save()
    _apply_validity(product)
    product.save(
        update_fields=[
            "legal_rule_set", "validity_start", "validity_end", "main_validity_end",
            "component_validity",
        ]
    )  # fmt: skip
    return event


# --- Contact log ------------------------------------------------------------------------------


@transaction.atomic
def contact_log(
    *,
    actor: User | None,
    customer: Customer | None,
    channel: str,
    summary: str,
    disposition: str = "",
    direction: str = Contact.Direction.INBOUND,
    at: datetime | None = None,
    reference: str = "",
) -> Contact:
    """Record one contact (every inbound contact, even when answered on the spot)."""
    contact = Contact(
        customer=customer,
        channel=channel,
        summary=summary,
        disposition=disposition,
        direction=direction,
        at=at or timezone.now(),
        received_by=actor,
        reference=reference,
    )
    contact.full_clean()
    contact.save()
    if customer is not None:
        _touch(customer.pk, contact.at)
    return contact


@transaction.atomic
def contact_set_disposition(
    *, contact: Contact, actor: User, disposition: str, reference: str = ""
) -> Contact:
    """Give a contact its disposition (answered, case created, linked, handed over)."""
    _require_staff(actor)
    if disposition not in Contact.Disposition.values:
        raise ValidationError({"disposition": [_("Choose a disposition.")]})
    contact.disposition = disposition
    contact.reference = reference or contact.reference
    contact.save(update_fields=["disposition", "reference"])
    return contact


# --- Access log, merge, privacy ---------------------------------------------------------------


def archive_access_log(*, customer: Customer, user: User, action: str = "view") -> None:
    """Record that `user` viewed (or exported…) the archive (PIPL access log)."""
    ArchiveAccess.objects.create(customer=customer, user=user, action=action)


def archive_access_log_list(*, user: User, query: str, count: int, where: str) -> None:
    """Record that `user` was shown `count` archives by a list (`query` empty) or a
    search (PIPL access log: who, what and how many; `where` names the page or API)."""
    query = " ".join(query.split())
    ArchiveAccess.objects.create(
        user=user,
        action=ArchiveAccess.Action.SEARCH if query else ArchiveAccess.Action.LIST,
        what=f"{where} {query}".strip()[:300],
        count=count,
    )


def _repoint_relations(duplicate: Customer, survivor: Customer) -> None:
    """Move every row that points at `duplicate` (contacts, products, tickets… of any app)
    to `survivor`, one set-based UPDATE per relation."""
    for relation in Customer._meta.related_objects:
        if relation.one_to_many and relation.related_model is not CustomerPhone:
            if relation.related_model is Customer:  # merged_from
                continue
            relation.related_model._base_manager.filter(
                **{relation.field.name: duplicate}
            ).update(**{relation.field.name: survivor})


@transaction.atomic
def customer_merge(*, survivor: Customer, duplicate: Customer, actor: User) -> Customer:
    """Merge a duplicate archive into `survivor`, keeping every link and the history: all
    rows are moved over, phones and tags are united, the duplicate stays as a tombstone that
    points at the survivor."""
    _require_staff(actor)
    if survivor.pk == duplicate.pk:
        raise ValidationError(
            {"duplicate": [_("An archive cannot be merged into itself.")]}
        )
    # Compare-and-set first: of two merges racing on one duplicate, exactly one proceeds.
    if survivor.merged_into_id or not Customer.objects.filter(
        pk=duplicate.pk, merged_into__isnull=True
    ).exclude(
        pk__in=Customer.objects.filter(pk=survivor.pk, merged_into__isnull=False)
    ).update(merged_into=survivor):
        raise ValidationError({"duplicate": [_("This archive was already merged.")]})
    numbers = set(survivor.phones.values_list("number", flat=True))
    for phone in duplicate.phones.all():
        if phone.number not in numbers:
            CustomerPhone.objects.filter(pk=phone.pk).update(
                customer=survivor, is_primary=False
            )
    survivor.tags.add(*duplicate.tags.all())
    if duplicate.user_id and not survivor.user_id:
        user_id = duplicate.user_id
        Customer.objects.filter(pk=duplicate.pk).update(user=None)
        Customer.objects.filter(pk=survivor.pk).update(user_id=user_id)
    _repoint_relations(duplicate, survivor)
    for field in ("email", "city", "address"):
        if not getattr(survivor, field) and getattr(duplicate, field):
            Customer.objects.filter(pk=survivor.pk).update(
                **{field: getattr(duplicate, field)}
            )
    archive_access_log(customer=survivor, user=actor, action=ArchiveAccess.Action.MERGE)
    survivor.refresh_from_db()
    return survivor


def customer_export_data(*, customer: Customer, actor: User) -> dict[str, Any]:
    """All personal data of a customer as one JSON-ready dictionary (PIPL), logged."""
    archive_access_log(
        customer=customer, user=actor, action=ArchiveAccess.Action.EXPORT
    )

    def row(obj: models.Model, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
        data = {}
        for field in obj._meta.concrete_fields:
            if field.name in exclude:
                continue
            value = field.value_from_object(obj)
            if isinstance(value, date | datetime):
                value = value.isoformat()
            elif hasattr(value, "name") and isinstance(field, models.FileField):
                value = value.name
            elif value is not None and not isinstance(
                value, str | int | float | bool | list | dict
            ):
                value = str(value)
            data[field.name] = value
        return data

    return {
        "exported_at": timezone.now().isoformat(),
        "customer": {
            **row(customer, exclude=("search_name",)),
            "tags": list(customer.tags.values_list("name", flat=True)),
        },
        "phones": [row(p, exclude=("customer",)) for p in customer.phones.all()],
        "consent_changes": [
            row(c, exclude=("customer",)) for c in customer.consent_changes.all()
        ],
        "products": [row(p, exclude=("customer",)) for p in customer.products.all()],
        "contacts": [row(c, exclude=("customer",)) for c in customer.contacts.all()],
        "archive_accesses": [
            row(a, exclude=("customer",)) for a in customer.accesses.all()
        ],
    }


# Upper layers (e.g. tickets with their attachments) register callables that yield
# (path inside the export, bytes) of a customer's files, for the ZIP export.
ATTACHMENT_PROVIDERS: list = []


def customer_attachments(*, customer: Customer) -> list[tuple[str, bytes]]:
    """Every file that belongs to the customer's archive, from the registered providers."""
    files: list[tuple[str, bytes]] = []
    for provider in ATTACHMENT_PROVIDERS:
        files.extend(provider(customer))
    return files


ANONYMOUS_TEXT = "[removed]"


def _anonymise_rows(customers: models.QuerySet[Customer], now: datetime) -> int:
    """Remove personal data of the given archives, keeping cases and statistics: set-based."""
    ids = list(
        customers.filter(anonymised_at__isnull=True).values_list("pk", flat=True)
    )
    if not ids:
        return 0
    CustomerPhone.objects.filter(customer_id__in=ids).delete()
    Contact.objects.filter(customer_id__in=ids).update(summary=ANONYMOUS_TEXT)
    Customer.objects.filter(pk__in=ids).update(
        name=ANONYMOUS_TEXT,
        search_name=ANONYMOUS_TEXT,
        email="",
        address="",
        user=None,
        consent_marketing=False,
        consent_marketing_at=now,
        anonymised_at=now,
    )
    Customer.tags.through.objects.filter(customer_id__in=ids).delete()
    return len(ids)


@transaction.atomic
def customer_anonymise(*, customer: Customer, actor: User) -> Customer:
    """Anonymise an archive on the customer's request (managers): name, phones, e-mail,
    address and contact summaries go; products, cases and statistics stay."""
    if not permissions.can_manage_archives(actor):
        raise PermissionDenied(
            _("Only managers and administrators anonymise customer archives.")
        )
    if customer.is_anonymised:
        raise ValidationError({"customer": [_("This archive is already anonymised.")]})
    # The tombstones merged into this archive hold the same person's data.
    _anonymise_rows(
        Customer.objects.filter(
            models.Q(pk=customer.pk) | models.Q(merged_into=customer)
        ),
        timezone.now(),
    )
    archive_access_log(
        customer=customer, user=actor, action=ArchiveAccess.Action.ANONYMISE
    )
    customer.refresh_from_db()
    return customer


def retention_sweep(*, now: datetime) -> int:
    """Monthly: anonymise archives with no activity for the retention period
    (settings.AFTERSALES_RETENTION_DAYS). Set-based and idempotent; records a job run."""
    with job_run("archive_retention") as run:
        cutoff = now - timedelta(days=settings.AFTERSALES_RETENTION_DAYS)
        stale = Customer.objects.filter(
            anonymised_at__isnull=True, last_activity_at__lt=cutoff
        )
        with transaction.atomic():
            run.items = _anonymise_rows(stale, now)
    return run.items
