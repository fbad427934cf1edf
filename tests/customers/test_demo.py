"""Demo customer archive (feedback/demo.py, loaded by `manage.py demo_data`): idempotent, a
few hundred customers with products whose validity is computed, and the portal customer's
archive linked to its login."""

import pytest
from django.core.management import call_command

from aftersales.models import User
from customers import selectors
from customers.models import (
    ConsentChange,
    Contact,
    Customer,
    CustomerPhone,
    OwnedProduct,
    Party,
    ProductModel,
)

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Customer,
            CustomerPhone,
            ConsentChange,
            Party,
            ProductModel,
            OwnedProduct,
            Contact,
        )
    }


def test_demo_data_loads_the_archive_once():
    call_command("demo_data", verbosity=0)
    first = counts()
    call_command("demo_data", verbosity=0)

    assert counts() == first
    assert first["Customer"] >= 300
    assert first["OwnedProduct"] >= 300
    assert first["Party"] == 9
    assert first["ProductModel"] == 6
    # every product's validity is computed from the seeded standard and legal rule sets
    assert OwnedProduct.objects.filter(validity_end__isnull=True).count() == 0
    assert (
        OwnedProduct.objects.exclude(
            legal_rule_set__in=["cn-consumer-regulation-2024", "cn-vehicles-2021"]
        ).count()
        == 0
    )

    portal_user = User.objects.get(username="customer@example.com")
    portal = Customer.objects.get(user=portal_user)
    assert portal.name == "张伟 Zhang Wei"
    assert portal.email == "customer@example.com"
    assert list(portal.phones.values_list("number", flat=True)) == ["+8613800138000"]
    assert portal.products.count() == 2

    agent = User.objects.get(username="agent")
    found = selectors.customer_list(user=agent, q="138 0013 8000")
    assert [c.pk for c in found] == [portal.pk]
    assert len(selectors.duplicate_groups(user=agent)) == 1
