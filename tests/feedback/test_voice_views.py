"""Voice pages (/feedback/): feedback items list (flat query count, filters), detail with
the answer, no-action and cite forms (POST → service → redirect; errors re-render), the
create form; quality notices with acknowledgement per unit and the improvement-action
form; the QA worklist (QA staff only) and findings. Staff only, out of scope is 404."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.models import FeedbackItem, ImprovementAction, QaRecall, QualityNotice
from feedback.voice import services
from standards import services as standard_services
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer, product, product_model
from tests.feedback.test_voice_support import *  # noqa: F403  # the fixtures
from tests.feedback.test_voice_support import at, completed_followup
from tests.standards.factories import document
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def standard(standard_for):
    return standard_for()


@pytest.fixture
def item(standard, agent_user, zhang):
    return services.feedback_item_create(
        actor=agent_user, source="contact", text="Call before coming.", customer=zhang
    )


def test_list_shows_items_and_filters(agent_client, item, agent_user):
    other = services.feedback_item_create(
        actor=agent_user, source="dealer", text="Dented boxes."
    )
    url = reverse("feedback:feedback-item-list")

    everything = agent_client.get(url)
    dealers = agent_client.get(url, {"source": "dealer"})

    assert everything.status_code == 200
    assert list(everything.context["page"]) == [other, item]
    assert list(dealers.context["page"]) == [other]


def test_list_query_count_is_flat(agent_client, item, agent_user, zhang):
    url = reverse("feedback:feedback-item-list")
    with CaptureQueriesContext(connection) as one:
        assert agent_client.get(url).status_code == 200
    for n in range(29):
        services.feedback_item_create(
            actor=agent_user, source="survey", text=f"Idea {n}", customer=zhang
        )
    with CaptureQueriesContext(connection) as thirty:
        response = agent_client.get(url)
    assert len(response.context["page"]) == 25
    assert len(thirty) == len(one)


def test_customers_get_403_and_anonymous_a_login(client, customer_user):
    url = reverse("feedback:feedback-item-list")
    assert client.get(url).status_code == 302
    client.force_login(customer_user)
    assert client.get(url).status_code == 403


def test_answer_form_answers_and_redirects(agent_client, item):
    url = reverse("feedback:feedback-item-answer", args=[item.pk])

    response = agent_client.post(url, {"reply": "We will call an hour ahead."})

    assert response.status_code == 302
    assert response.url == item.get_absolute_url()
    item.refresh_from_db()
    assert (item.status, item.reply) == ("answered", "We will call an hour ahead.")
    page = agent_client.get(item.get_absolute_url())
    assert "We will call an hour ahead." in page.content.decode()


def test_an_empty_answer_re_renders_the_form(agent_client, item):
    response = agent_client.post(
        reverse("feedback:feedback-item-answer", args=[item.pk]), {"reply": ""}
    )

    assert response.status_code == 200
    assert response.context["reply_form"].errors["reply"]
    item.refresh_from_db()
    assert item.status == "new"


def test_a_second_answer_is_refused_with_a_message(agent_client, item, agent_user):
    services.feedback_item_answer(item=item, actor=agent_user, reply="First")

    response = agent_client.post(
        reverse("feedback:feedback-item-no-action", args=[item.pk]), {"reason": "No"},
        follow=True,
    )  # fmt: skip

    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])
    item.refresh_from_db()
    assert (item.status, item.reply) == ("answered", "First")


def test_get_is_not_allowed_on_actions(agent_client, item):
    url = reverse("feedback:feedback-item-answer", args=[item.pk])
    assert agent_client.get(url).status_code == 405


def test_cite_form(
    agent_client, item, agent_user, manager_user, quality_manager, unit_tree
):
    doc = document(actor=manager_user, owner=quality_manager, owner_unit=unit_tree["co"],
                   code="Q/ACME 902", kind="work")  # fmt: skip
    change_request = standard_services.change_request_raise(
        document=doc, actor=agent_user, title="Call ahead", proposed_change="x",
        rationale="y",
    )  # fmt: skip

    page = agent_client.get(item.get_absolute_url())
    response = agent_client.post(
        reverse("feedback:feedback-item-cite", args=[item.pk]),
        {"change_request": change_request.pk},
    )

    assert change_request in page.context["cite_form"].fields["change_request"].queryset
    assert response.status_code == 302
    assert list(item.change_requests.all()) == [change_request]


def test_create_page_records_an_item_for_the_customer(agent_client, standard, zhang):
    url = reverse("feedback:feedback-item-create") + f"?customer={zhang.pk}"

    response = agent_client.post(
        url,
        {"source": "contact", "text": "Longer hours.", "topic_codes": "hours, price"},
    )

    created = FeedbackItem.objects.get()
    assert response.status_code == 302
    assert response.url == created.get_absolute_url()
    assert (created.customer, created.topic_codes) == (zhang, ["hours", "price"])


def test_out_of_scope_item_is_404(agent_client, standard, unit_tree):
    other_branch = UnitFactory(code="br2", kind="branch", parent=unit_tree["co"])
    far = customer(actor=None, name="Far Away", unit=other_branch)
    hidden = services.feedback_item_create(
        actor=None, source="survey", text="Hidden", customer=far
    )

    assert agent_client.get(hidden.get_absolute_url()).status_code == 404
    response = agent_client.post(
        reverse("feedback:feedback-item-answer", args=[hidden.pk]), {"reply": "x"}
    )
    assert response.status_code == 404
    hidden.refresh_from_db()
    assert hidden.status == "new"


# --- Quality notices -----------------------------------------------------------------------


@pytest.fixture
def notice(standard, agent_user, org):
    washer = product_model(actor=agent_user, code="WM-1", category="washing_machine")
    wang = customer(actor=agent_user, name="Wang Fang")
    unit = product(actor=agent_user, owner=wang, model=washer, serial="W1",
                   sale_date=date(2025, 6, 1))  # fmt: skip
    with time_machine.travel(at(2026, 2, 10), tick=False):
        open_ticket(actor=agent_user, customer=wang, product=unit, fault_code="E1")
    services.quality_notice_generate(now=at(2026, 3, 1, 4))
    return QualityNotice.objects.get()


def test_notice_list_and_detail(agent_client, notice):
    listing = agent_client.get(reverse("feedback:quality-notice-list"))
    detail = agent_client.get(notice.get_absolute_url())

    assert listing.status_code == 200
    assert list(listing.context["page"]) == [notice]
    assert detail.status_code == 200
    assert "E1" in detail.content.decode()


def test_a_unit_member_acknowledges_from_the_page(client, notice, org):
    designer = UserFactory(roles=["technician"], units=[org["design"]])
    client.force_login(designer)
    design = notice.recipients.get(unit=org["design"])
    production = notice.recipients.get(unit=org["production"])

    page = client.get(notice.get_absolute_url())
    client.post(
        reverse("feedback:quality-notice-acknowledge", args=[notice.pk, production.pk])
    )
    client.post(
        reverse("feedback:quality-notice-acknowledge", args=[notice.pk, design.pk])
    )

    assert (
        reverse("feedback:quality-notice-acknowledge", args=[notice.pk, design.pk])
        in page.content.decode()
    )
    design.refresh_from_db()
    production.refresh_from_db()
    assert design.acknowledged_by == designer
    assert production.acknowledged_at is None


def test_improvement_action_form(client, notice, org):
    designer = UserFactory(roles=["technician"], units=[org["design"]])
    client.force_login(designer)
    url = reverse("feedback:improvement-action-create", args=[notice.pk])

    bad = client.post(url, {"unit": org["design"].pk, "description": "", "due_on": ""})
    good = client.post(
        url,
        {"unit": org["design"].pk, "fault_code": "E1", "description": "New bearing.",
         "due_on": "2026-04-30"},
    )  # fmt: skip

    assert bad.status_code == 200
    assert bad.context["action_form"].errors
    assert good.status_code == 302
    action = ImprovementAction.objects.get()
    assert (action.unit, action.owner, action.fault_code) == (
        org["design"],
        designer,
        "E1",
    )


# --- QA ------------------------------------------------------------------------------------


def test_qa_worklist_is_for_qa_staff_only(agent_client, client, qa_staff, standard):
    url = reverse("feedback:qa-recall-list")
    assert agent_client.get(url).status_code == 403
    client.force_login(qa_staff)
    assert client.get(url).status_code == 200


def test_qa_records_a_recall_from_the_page(
    client, qa_staff, standard_for, agent_user, visitor, zhang, org
):
    standard_for({"followup.qa_sample_rate": 1})
    completed_followup(
        agent=agent_user, visitor=visitor, person=zhang, when=at(2026, 3, 2, 10)
    )
    services.qa_sampling(now=at(2026, 3, 3, 2))
    recall = QaRecall.objects.get()
    client.force_login(qa_staff)

    listing = client.get(reverse("feedback:qa-recall-list"))
    response = client.post(
        recall.get_absolute_url(), {"score": "1", "resolved": "no", "note": "Angry."}
    )
    findings = client.get(reverse("feedback:qa-finding-list"))

    assert list(listing.context["page"]) == [recall]
    assert response.status_code == 302
    recall.refresh_from_db()
    assert (recall.status, recall.is_mismatch) == ("recorded", True)
    assert len(findings.context["page"]) == 1
