"""Factories and service-driven builders of the customer archive (feedback archive layer).

The factories set rows up directly with minimal valid defaults; use them only where the path
to a state does not matter (lists, query counts, scoping). Archives, products and contacts
that a test is about are made through the archive services with the builders below, and the
validity periods come from an effective service standard made through the standards services.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import factory
from django.utils import timezone

from aftersales.models import Unit, User
from customers import services
from customers.models import (
    Contact,
    Customer,
    CustomerPhone,
    OwnedProduct,
    Party,
    ProductModel,
)
from standards.models import StandardVersion
from tests.aftersales.factories import UserFactory
from tests.standards.factories import document, effective

# The seeded company standard's law: validity runs from installation, else delivery.
LAW_2024 = "cn-consumer-regulation-2024"


class CustomerFactory(factory.django.DjangoModelFactory):
    """A person served company-wide (no unit), without phones."""

    name = factory.Sequence(lambda n: f"Customer {n:03d}")

    class Meta:
        model = Customer


class CustomerPhoneFactory(factory.django.DjangoModelFactory):
    """A mobile number (E.164 and national number kept in step)."""

    customer = factory.SubFactory(CustomerFactory)
    national = factory.Sequence(lambda n: f"139{n:08d}")
    number = factory.LazyAttribute(lambda phone: f"+86{phone.national}")
    kind = CustomerPhone.Kind.MOBILE
    is_primary = True

    class Meta:
        model = CustomerPhone


class PartyFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Producer {n}")
    kind = Party.Kind.PRODUCER

    class Meta:
        model = Party


class ProductModelFactory(factory.django.DjangoModelFactory):
    """An air conditioner model (category keys into the legal validity periods)."""

    producer = factory.SubFactory(PartyFactory)
    code = factory.Sequence(lambda n: f"AC-{n:03d}")
    name = factory.Sequence(lambda n: f"Air conditioner {n}")
    category = "air_conditioner"

    class Meta:
        model = ProductModel


class OwnedProductFactory(factory.django.DjangoModelFactory):
    """A product row as given: no validity computed (only for unrelated behaviour)."""

    customer = factory.SubFactory(CustomerFactory)
    model = factory.SubFactory(ProductModelFactory)
    serial = factory.Sequence(lambda n: f"SN{n:06d}")
    sale_date = date(2025, 5, 20)

    class Meta:
        model = OwnedProduct


class ContactFactory(factory.django.DjangoModelFactory):
    customer = factory.SubFactory(CustomerFactory)
    channel = Contact.Channel.PHONE
    at = factory.LazyFunction(timezone.now)
    summary = factory.Sequence(lambda n: f"Call {n}")
    disposition = Contact.Disposition.ANSWERED

    class Meta:
        model = Contact


# --- Builders that go through the services ------------------------------------------------------


def service_standard_in_force(
    *, owner_unit: Unit, effective_from: date = date(2024, 7, 1)
) -> StandardVersion:
    """The company's service standard (default parameters: the 2024 law, validity from
    installation else delivery), drafted by a quality manager and approved by a manager."""
    quality_manager = UserFactory(roles=["quality_manager"], units=[owner_unit])
    approver = UserFactory(roles=["manager"], units=[owner_unit])
    service_doc = document(actor=approver, owner=quality_manager, owner_unit=owner_unit)
    return effective(
        service_doc,
        author=quality_manager,
        approver=approver,
        effective_from=effective_from,
    )


def customer(*, actor: User, name: str, phones: list[str] | None = None, **fields: Any):
    """An archive opened by `actor` through `customer_create`."""
    return services.customer_create(actor=actor, name=name, phones=phones, **fields)


def producer(*, actor: User, name: str = "ACME Appliances") -> Party:
    return services.party_save(actor=actor, name=name, kind=Party.Kind.PRODUCER)


def product_model(
    *,
    actor: User,
    code: str,
    category: str,
    main_components: list[str] | None = None,
    maker: Party | None = None,
) -> ProductModel:
    """A product model saved through `product_model_save`."""
    return services.product_model_save(
        actor=actor,
        producer=maker or producer(actor=actor, name=f"Producer of {code}"),
        code=code,
        name=f"Model {code}",
        category=category,
        main_components=main_components or [],
    )


def product(
    *, actor: User, owner: Customer, model: ProductModel, serial: str, **dates: Any
) -> OwnedProduct:
    """A product registered through `product_register` (validity computed)."""
    return services.product_register(
        actor=actor, customer=owner, model=model, serial=serial, **dates
    )
