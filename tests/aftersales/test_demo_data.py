"""The demo data command: idempotent, refused under production settings, every page of
the loop layer and of the case concerns has something real on it, and every KPI of the
current month has a value."""

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from aftersales.models import Membership, User
from feedback.models import (
    CareProgramme,
    CareRun,
    CareTouch,
    FeedbackItem,
    FollowUp,
    ImprovementAction,
    QaFinding,
    QualityNotice,
    QualityNoticeRecipient,
)
from tickets.models import (
    Attachment,
    Compensation,
    FieldVisit,
    Offer,
    OwnershipTransfer,
    RecourseClaim,
    Repair,
    Ticket,
    UnitQueue,
)
from tickets.recourse.selectors import party_ledger

pytestmark = pytest.mark.django_db

APPS = {"aftersales", "standards", "feedback", "tickets"}


def counts():
    """Rows of every model of the project's apps."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in APPS
    }


def by(queryset, field):
    return dict(
        queryset.values_list(field).annotate(n=Count("pk")).values_list(field, "n")
    )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data set, loaded twice, once for the whole module (it takes a while), in
    a transaction rolled back afterwards; the row counts after each run."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo_data", verbosity=0)
        first = counts()
        call_command("demo_data", verbosity=0)
        yield first, counts()
        transaction.set_rollback(True)


def test_demo_data_is_refused_under_production_settings(settings):
    before = counts()
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="production"):
        call_command("demo_data", verbosity=0)
    assert counts() == before


def test_demo_data_is_idempotent(demo):
    first, second = demo
    assert second == first
    assert first["aftersales.User"] == 10
    assert first["tickets.Ticket"] >= 240
    supervisor = User.objects.get(username="supervisor")
    supervised = set(
        supervisor.memberships.filter(is_supervisor=True).values_list(
            "unit__code", flat=True
        )
    )
    assert supervised == {"sh-hotline", "sh-workshop"}
    assert User.objects.get(username="customer@example.com").role_names == ["customer"]
    assert Membership.objects.filter(unit__code="sh-workshop").count() == 2


def test_cases_have_repairs_visits_offers_files_and_transfers(demo):
    assert set(by(Repair.objects, "outcome")) == {"fixed", "failed", "in_progress"}
    twice_failed = (
        Repair.objects.filter(outcome="failed")
        .values("product")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
    )
    assert twice_failed.exists()
    case = Ticket.objects.get(
        pk=Repair.objects.filter(product=twice_failed[0]["product"]).first().ticket_id
    )
    assert {"exchange", "return"} <= set(case.entitlement["options"])
    assert set(by(Offer.objects, "status")) >= {"pending", "approved"}
    assert FieldVisit.objects.filter(arrived_at__isnull=False).count() >= 2
    assert FieldVisit.objects.filter(arrived_at__isnull=True).exists()
    missed = [
        v
        for v in FieldVisit.objects.exclude(checklist={})
        if not all(v.checklist.values())
    ]
    assert missed
    assert set(by(Attachment.objects, "content_type")) == {
        "image/png",
        "application/pdf",
    }
    assert Attachment.objects.filter(
        ticket__customer__user__username="customer@example.com"
    ).exists()
    assert OwnershipTransfer.objects.filter(status="requested").count() == 1
    assert UnitQueue.objects.get(unit__code="sh-workshop").mode == "round_robin"


def test_recourse_claims_in_every_state_and_a_ledger(demo):
    assert Compensation.objects.count() >= 15
    assert (
        Compensation.objects.filter(paid_on__isnull=True).count() == 1
    )  # awaiting approval
    statuses = set(by(RecourseClaim.objects, "status"))
    assert statuses >= {
        "draft", "ready", "submitted", "negotiating", "settled_full", "settled_partial",
        "rejected", "written_off",
    }  # fmt: skip
    parties = {claim.party for claim in RecourseClaim.objects.select_related("party")}
    assert 3 <= len(parties) <= 5
    ledgers = [party_ledger(party) for party in parties]
    assert all(ledger["paid"] > 0 for ledger in ledgers)
    assert sum(ledger["recovered"] for ledger in ledgers) > 0
    assert sum(ledger["outstanding"] for ledger in ledgers) > 0


def test_follow_ups_in_several_states(demo):
    statuses = set(by(FollowUp.objects.exclude(ticket=None), "status"))
    assert statuses >= {"due", "completed", "unreachable", "declined"}
    results = set(by(FollowUp.objects.filter(status="completed"), "result"))
    assert results == {"satisfied", "dissatisfied"}
    assert Ticket.objects.filter(status="reopened").exists()
    assert FollowUp.objects.filter(kind="second").exists()
    visitor = User.objects.get(username="visitor")
    assert FollowUp.objects.filter(assigned_to=visitor, status="due").exists()
    assert not Ticket.objects.filter(
        status="awaiting_follow_up", follow_ups=None
    ).exists()
    assert FollowUp.objects.filter(kind="care").exists()  # the recall's calls


def test_voice_items_qa_and_quality_notices(demo):
    assert set(by(FeedbackItem.objects, "status")) == {
        "new", "triaged", "answered", "actioned", "no_action"
    }  # fmt: skip
    assert FeedbackItem.objects.filter(change_requests__isnull=False).exists()
    assert QaFinding.objects.count() == 1
    notices = QualityNotice.objects.all()
    assert notices.count() >= 3
    assert len({notice.period_start for notice in notices}) == 1
    assert any(notice.compensation_cost > 0 for notice in notices)
    assert (
        QualityNoticeRecipient.objects.filter(acknowledged_at__isnull=False).count()
        == 1
    )
    # One quality notice's action; the demo's breached KPIs of last month open theirs.
    assert ImprovementAction.objects.filter(notice__isnull=False).count() == 1
    assert ImprovementAction.objects.exclude(kpi_key="").filter(notice=None).exists()


def test_care_programmes_each_ran(demo):
    assert set(CareProgramme.objects.values_list("kind", flat=True)) == {
        "warranty_expiry", "maintenance_due", "information", "recall"
    }  # fmt: skip
    assert CareRun.objects.count() == 4
    assert set(by(CareTouch.objects, "status")) == {"sent", "skipped", "call_scheduled"}
    reasons = set(by(CareTouch.objects.filter(status="skipped"), "skip_reason"))
    assert {"no_consent", "opted_out"} <= reasons


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("supervisor", "/tickets/recourse/"),
        ("supervisor", "claim-case"),
        ("supervisor", "ledger"),
        ("visitor", "/followups/"),
        ("quality", "/feedback/items/"),
        ("quality", "/feedback/quality-notices/"),
        ("quality", "/care/"),
    ],
)
def test_pages_have_demo_content(demo, client, username, path):
    claim = RecourseClaim.objects.select_related("ticket").get(status="settled_partial")
    expected = {
        "/tickets/recourse/": claim.number,
        "claim-case": claim.number,
        "ledger": "3000.00",
        "/followups/": FollowUp.objects.filter(status="due").first().ticket.number,
        "/feedback/items/": FeedbackItem.objects.first().text[:20],
        "/feedback/quality-notices/": QualityNotice.objects.first().product_model.code,
        "/care/": "Safety recall",
    }[path]
    url = {
        "claim-case": f"/tickets/{claim.ticket.number}/",
        "ledger": f"/tickets/parties/{claim.party_id}/ledger/",
    }.get(path, path)
    client.force_login(User.objects.get(username=username))
    response = client.get(url)
    assert response.status_code == 200
    assert expected in response.content.decode()


def kpi_values(response_json, prefix=""):
    """(key, KPI) of the API's KPIs, the nested ones (`on_time_rate.resolve`) flattened."""
    for key, item in response_json.items():
        if "value" in item:
            yield f"{prefix}{key}", item
        else:
            yield from kpi_values(item, f"{prefix}{key}.")


def test_every_kpi_of_the_current_month_has_a_value(demo, client):
    client.force_login(User.objects.get(username="manager"))
    response = client.get("/api/v1/kpis/")  # the default period: the current month
    assert response.status_code == 200
    values = dict(kpi_values(response.json()))
    assert {"nps", "on_time_rate.resolve", "backlog_ageing.30d"} <= set(values)
    assert any(kpi["breached"] for kpi in values.values())
    # Answered, done or reviewed today: a value whatever the day of the month.
    for key in ("nps", "improvement_on_time_rate", "review_on_time_rate"):
        assert values[key]["value"] is not None, key
    missing = sorted(key for key, kpi in values.items() if kpi["value"] is None)
    if missing and timezone.localdate().day <= 3:
        # The demo's cases and answers lie in the last weeks: in a month's first days
        # some sources have nothing in it yet (the resolve clocks, 48 h and more, of the
        # cases opened in it have not come due; on the 1st, the CSAT answers of
        # yesterday and the day before are last month's).
        pytest.xfail(f"no data yet this month for {missing}")
    assert missing == []
