"""Builders and fixtures shared by the care-programme tests (test_care_*.py); no tests.

Everything a test is about goes through the services: archives, products and validity
through the archive services (validity computed from the standard in force), programmes
through `care_programme_create`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from customers import services as archive_services
from feedback.care import services
from feedback.models import CareProgramme
from tests.aftersales.factories import UserFactory
from tests.customers.factories import (
    customer,
    product,
    product_model,
    service_standard_in_force,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


@pytest.fixture
def travel():
    """Freeze the clock at NOW (2026-03-02 10:00 Shanghai)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def standard(unit_tree):
    """The company's service standard in force (the 2024 law: one year from
    installation)."""
    return service_standard_in_force(owner_unit=unit_tree["co"])


@pytest.fixture
def quality_manager(unit_tree):
    return UserFactory(
        username="qm", roles=["quality_manager"], units=[unit_tree["co"]]
    )


@pytest.fixture
def fridge(standard, agent_user):
    """A refrigerator model (one year whole unit, three years compressor)."""
    return product_model(
        actor=agent_user,
        code="BCD-215",
        category="refrigerator",
        main_components=["compressor"],
    )


@pytest.fixture
def other_fridge(standard, agent_user):
    return product_model(actor=agent_user, code="BCD-300", category="refrigerator")


def person(actor, name: str, **fields: Any):
    """An archive with a mobile number (unless phones=[]), service consent granted,
    marketing consent as given (default: none)."""
    fields.setdefault("phones", ["13800138000"])
    return customer(actor=actor, name=name, **fields)


def installed(actor, owner, model, serial: str, installation: date):
    """A product installed on `installation` (sold and delivered a week before);
    its validity ends one year later (minus a day) under the 2024 law."""
    return product(
        actor=actor,
        owner=owner,
        model=model,
        serial=serial,
        sale_date=installation - timedelta(days=7),
        delivery_date=installation - timedelta(days=7),
        installation_date=installation,
    )


def installed_ending_on(actor, owner, model, serial: str, validity_end: date):
    """A product whose whole-unit validity ends on `validity_end`."""
    unit = installed(
        actor,
        owner,
        model,
        serial,
        validity_end.replace(year=validity_end.year - 1) + timedelta(days=1),
    )
    assert unit.validity_end == validity_end
    return unit


def programme(actor, **fields: Any) -> CareProgramme:
    """A programme made through `care_programme_create` (SMS, bilingual templates)."""
    fields.setdefault("name", f"{fields['kind']} programme")
    fields.setdefault("channels", ["sms"])
    fields.setdefault(
        "body_zh", "{customer}您好：{programme} {model} {serial} {validity_end}"
    )
    fields.setdefault(
        "body_en",
        "Dear {customer}: {programme} {model} {serial} {validity_end} {due_date}",
    )
    fields.setdefault("subject_en", "{programme}")
    return services.care_programme_create(actor=actor, **fields)


def anonymise(owner, manager):
    return archive_services.customer_anonymise(customer=owner, actor=manager)
