"""An existing database migrates forward with no data loss: the customer archive moved from
the feedback app to the customers app (feedback 0004 renames its tables, customers 0001
declares the models, tickets 0005 and feedback 0005 re-point the foreign keys). Rows are
written with the models as they were on the previous main, then read back with today's."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

# The leaf migrations of the main before the archive moved (customers did not exist).
BEFORE = [
    ("aftersales", "0002_outbox_secret"),
    ("standards", "0004_company_day_names"),
    ("feedback", "0003_loop_followups_voice_care"),
    ("tickets", "0004_ticket_linked_to"),
    ("customers", None),
]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def _leaves() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _old_rows(apps) -> dict[str, int]:
    """One row of everything the move touches, written with the historical models."""
    now = timezone.now()
    Unit = apps.get_model("aftersales", "Unit")
    User = apps.get_model("aftersales", "User")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Tag = apps.get_model("feedback", "Tag")
    Customer = apps.get_model("feedback", "Customer")
    CustomerPhone = apps.get_model("feedback", "CustomerPhone")
    ConsentChange = apps.get_model("feedback", "ConsentChange")
    Party = apps.get_model("feedback", "Party")
    ProductModel = apps.get_model("feedback", "ProductModel")
    OwnedProduct = apps.get_model("feedback", "OwnedProduct")
    Contact = apps.get_model("feedback", "Contact")
    Ticket = apps.get_model("tickets", "Ticket")
    Compensation = apps.get_model("tickets", "Compensation")
    RecourseClaim = apps.get_model("tickets", "RecourseClaim")
    FollowUp = apps.get_model("feedback", "FollowUp")
    CareProgramme = apps.get_model("feedback", "CareProgramme")
    FeedbackItem = apps.get_model("feedback", "FeedbackItem")

    unit = Unit.objects.create(
        code="mig-hotline", name="Hotline", kind="team", path="/9/"
    )
    user = User.objects.create(username="mig-agent")
    tag = Tag.objects.create(name="VIP")
    zhang = Customer.objects.create(name="Zhang Wei", kind="person", unit=unit)
    zhang.tags.add(tag)
    phone = CustomerPhone.objects.create(customer=zhang, number="+8613800138000")
    consent = ConsentChange.objects.create(
        customer=zhang, kind="service", granted=True, at=now, recorded_by=user
    )
    acme = Party.objects.create(name="ACME Appliances", kind="producer")
    model = ProductModel.objects.create(
        code="WM-1", name="Washer", category="washing_machine", producer=acme
    )
    washer = OwnedProduct.objects.create(
        customer=zhang, model=model, serial="SN-1", sale_date=date(2026, 1, 5)
    )
    contact = Contact.objects.create(
        customer=zhang, channel="phone", direction="in", summary="Noisy", at=now,
        received_by=user,
    )  # fmt: skip
    ticket = Ticket.objects.create(
        number="T20260105-1", type="repair", source="hotline", customer=zhang,
        product=washer, title="Noisy", description="Noisy", priority="P3",
        status="in_progress", first_owner=user, handler=user, unit=unit,
    )  # fmt: skip
    claim = RecourseClaim.objects.create(
        number="R20260105-1", ticket=ticket, party=acme, amount=Decimal("800.00"),
        status="draft", owner=user, limitation_date=date(2029, 1, 5),
    )  # fmt: skip
    compensation = Compensation.objects.create(
        ticket=ticket, kind="property_damage", amount=Decimal("800.00"),
        liability="producer_defect", party=acme, recourse_claim=claim, created_by=user,
    )  # fmt: skip
    followup = FollowUp.objects.create(
        ticket=ticket, customer=zhang, opens_at=now, closes_at=now + timedelta(days=3),
        due_at=now,
    )  # fmt: skip
    care = CareProgramme.objects.create(
        name="Recall WM-1", kind="recall", owner=user, created_by=user
    )
    care.product_models.add(model)
    item = FeedbackItem.objects.create(
        customer=zhang, product_model=model, source="portal", text="Make it quieter",
        reply_due_on=date(2026, 1, 15),
    )  # fmt: skip
    customer_type = ContentType.objects.get_or_create(
        app_label="feedback", model="customer"
    )[0]
    view_customer = Permission.objects.get_or_create(
        content_type=customer_type, codename="view_customer",
        defaults={"name": "Can view customer"},
    )[0]  # fmt: skip
    group = Group.objects.create(name="mig-readers")
    group.permissions.add(view_customer)
    return {
        "unit": unit.pk, "user": user.pk, "tag": tag.pk, "customer": zhang.pk,
        "phone": phone.pk, "consent": consent.pk, "party": acme.pk, "model": model.pk,
        "product": washer.pk, "contact": contact.pk, "ticket": ticket.pk,
        "claim": claim.pk, "compensation": compensation.pk, "followup": followup.pk,
        "care": care.pk, "item": item.pk, "group": group.pk,
        "content_type": customer_type.pk,
    }  # fmt: skip


def test_the_archive_keeps_every_row_and_link_when_it_moves_to_the_customers_app():
    try:
        # given: a database of the previous main with one row of everything
        executor = _migrate(BEFORE)
        ids = _old_rows(executor.loader.project_state(BEFORE[:-1]).apps)

        # when: it migrates to today's main
        _migrate(_leaves())

        # then: today's models read every row with its links
        from django.contrib.auth.models import Group
        from django.contrib.contenttypes.models import ContentType

        from customers.models import (
            ConsentChange,
            Contact,
            Customer,
            CustomerPhone,
            OwnedProduct,
            Party,
            ProductModel,
        )
        from feedback.models import CareProgramme, FeedbackItem, FollowUp
        from tickets.models import Compensation, RecourseClaim, Ticket

        zhang = Customer.objects.get(pk=ids["customer"])
        assert zhang.name == "Zhang Wei"
        assert list(zhang.tags.values_list("pk", flat=True)) == [ids["tag"]]
        assert CustomerPhone.objects.get(pk=ids["phone"]).customer == zhang
        assert ConsentChange.objects.get(pk=ids["consent"]).customer == zhang
        assert Contact.objects.get(pk=ids["contact"]).customer == zhang
        washer = OwnedProduct.objects.get(pk=ids["product"])
        assert (washer.customer, washer.model.pk, washer.serial) == (
            zhang, ids["model"], "SN-1",
        )  # fmt: skip
        assert washer.model.producer == Party.objects.get(pk=ids["party"])
        ticket = Ticket.objects.get(pk=ids["ticket"])
        assert (ticket.customer, ticket.product) == (zhang, washer)
        claim = RecourseClaim.objects.get(pk=ids["claim"])
        assert claim.party.pk == ids["party"]
        assert Compensation.objects.get(pk=ids["compensation"]).recourse_claim == claim
        assert FollowUp.objects.get(pk=ids["followup"]).customer == zhang
        care = CareProgramme.objects.get(pk=ids["care"])
        assert list(care.product_models.all()) == [
            ProductModel.objects.get(pk=ids["model"])
        ]
        assert FeedbackItem.objects.get(pk=ids["item"]).product_model.pk == ids["model"]
        # the content type moved with its permissions, so the group keeps its right
        moved = ContentType.objects.get(pk=ids["content_type"])
        assert (moved.app_label, moved.model) == ("customers", "customer")
        assert ContentType.objects.get_for_model(Customer) == moved
        group = Group.objects.get(pk=ids["group"])
        assert [
            f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()
        ] == ["customers.view_customer"]
        assert Customer._meta.db_table == "customers_customer"
    finally:
        _migrate(_leaves())


def test_the_move_can_be_migrated_back_without_losing_rows():
    try:
        executor = _migrate(BEFORE)
        ids = _old_rows(executor.loader.project_state(BEFORE[:-1]).apps)
        _migrate(_leaves())

        # when: back to the previous main
        executor = _migrate(BEFORE)

        # then: the old models read the rows in their old tables and app
        apps = executor.loader.project_state(BEFORE[:-1]).apps
        customer = apps.get_model("feedback", "Customer").objects.get(
            pk=ids["customer"]
        )
        assert customer.name == "Zhang Wei"
        ticket = apps.get_model("tickets", "Ticket").objects.get(pk=ids["ticket"])
        assert ticket.customer_id == ids["customer"]
        content_type = apps.get_model("contenttypes", "ContentType").objects.get(
            pk=ids["content_type"]
        )
        assert content_type.app_label == "feedback"
        assert "feedback_customer" in connection.introspection.table_names()
    finally:
        _migrate(_leaves())
