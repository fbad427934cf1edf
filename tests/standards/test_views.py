"""Staff pages of the standards app (standards/views.py): the standard list, version pages and
their lifecycle buttons, the draft and edit forms, the diff, change requests, the business
calendar and the legal rule sets. Data is reached through standards.services."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from standards import parameters as params
from standards import services
from standards.models import (
    Acknowledgement,
    CalendarOverride,
    ChangeRequest,
    LegalRuleSet,
    StandardVersion,
)
from tests.aftersales.factories import UserFactory
from tests.standards.factories import document, draft, effective, submitted

pytestmark = pytest.mark.django_db

V1_FROM = date(2026, 1, 1)
V1_BODY = "1. Answer the phone within three rings.\n2. Wear shoe covers."
LAW_2024 = "cn-consumer-regulation-2024"


# --- People and data ------------------------------------------------------------------------


@pytest.fixture
def quality_manager(unit_tree):
    return UserFactory(
        username="zhou", roles=["quality_manager"], units=[unit_tree["co"]]
    )


@pytest.fixture
def service_doc(manager_user, quality_manager, unit_tree):
    return document(
        actor=manager_user,
        owner=quality_manager,
        owner_unit=unit_tree["co"],
        code="Q/ACME 001",
        title="After-sales service standard",
    )


@pytest.fixture
def v1(service_doc, quality_manager, manager_user):
    """Version 1, effective since 2026-01-01: P1 resolved in 36 hours, urban on-site in 48."""
    return effective(
        service_doc,
        author=quality_manager,
        approver=manager_user,
        effective_from=V1_FROM,
        parameters={"sla": {"resolve": {"P1": 36}, "onsite": {"urban": 48}}},
        body=V1_BODY,
    )


def logged_in(client, user):
    client.force_login(user)
    return client


def row_of(version: StandardVersion) -> dict:
    return StandardVersion.objects.values().get(pk=version.pk)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def form_data(*forms_) -> dict:
    """What a browser posts for unchanged (unbound) forms: each field's current value."""
    data = {}
    for form in forms_:
        for bound in form:
            value = bound.value()
            if isinstance(bound.field, forms.BooleanField):
                if value:
                    data[bound.html_name] = "on"
            else:
                data[bound.html_name] = "" if value is None else value
    return data


def field_html(html: str, name: str) -> str:
    """The part of the page from the field `name` up to the next parameter field."""
    start = html.index(f'name="{name}"')
    end = html.find('name="p__', start + 1)
    return html[start : end if end != -1 else len(html)]


# --- The standard list ----------------------------------------------------------------------


def test_standard_list_groups_documents_by_kind(
    client, agent_user, manager_user, quality_manager, unit_tree, service_doc
):
    co = unit_tree["co"]
    work = document(
        actor=manager_user,
        owner=quality_manager,
        owner_unit=co,
        code="Q/ACME W01",
        kind="work",
        title="Installation work",
    )
    product = document(
        actor=manager_user,
        owner=quality_manager,
        owner_unit=co,
        code="Q/ACME P01",
        kind="product",
        title="Fridge",
    )

    response = logged_in(client, agent_user).get("/standards/")

    assert response.status_code == 200
    tree = {group["kind"]: group["documents"] for group in response.context["tree"]}
    assert tree == {
        "product": [product],
        "process": [],
        "management": [],
        "work": [work],
        "service": [service_doc],
    }
    html = response.content.decode()
    for kind, code in [
        ("product", "Q/ACME P01"),
        ("work", "Q/ACME W01"),
        ("service", "Q/ACME 001"),
    ]:
        card = html[html.index(f'data-testid="kind-{kind}"') :]
        card = card[: card.index("</table>")]
        assert code in card
    assert 'data-testid="kind-process"' not in html
    assert 'data-testid="kind-management"' not in html


def test_standard_list_renders_in_chinese(client, agent_user, v1):
    response = logged_in(client, agent_user).get("/zh-hans/standards/")

    assert response.status_code == 200
    assert response.wsgi_request.LANGUAGE_CODE == "zh-hans"
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "企业标准体系" in html  # "Enterprise standard system"
    assert "待我确认已阅的标准" in html  # "Standards I must acknowledge"
    assert "Enterprise standard system" not in html
    assert "Q/ACME 001" in html


def test_standard_list_is_refused_to_customers(client, customer_user):
    response = logged_in(client, customer_user).get("/standards/")

    assert response.status_code == 403


def test_standard_list_asks_an_agent_to_acknowledge_until_they_do(
    client, agent_user, v1
):
    logged_in(client, agent_user)

    before = client.get("/standards/")

    assert list(before.context["to_acknowledge"]) == [v1]
    assertContains(before, 'data-testid="to-acknowledge"')
    assertContains(before, "Standards I must acknowledge")
    assertContains(before, f'action="/standards/versions/{v1.pk}/acknowledge/"')

    acknowledged = client.post(
        f"/standards/versions/{v1.pk}/acknowledge/", {"next": "/standards/"}
    )

    assert acknowledged.status_code == 302
    assert acknowledged["Location"] == "/standards/"
    assert Acknowledgement.objects.filter(version=v1, user=agent_user).count() == 1
    after = client.get("/standards/")
    assert list(after.context["to_acknowledge"]) == []
    assertNotContains(after, "Standards I must acknowledge")


def test_acknowledging_twice_keeps_one_acknowledgement(client, agent_user, v1):
    logged_in(client, agent_user)

    client.post(f"/standards/versions/{v1.pk}/acknowledge/")
    response = client.post(f"/standards/versions/{v1.pk}/acknowledge/")

    assert response.status_code == 302
    assert response["Location"] == f"/standards/versions/{v1.pk}/"
    assert Acknowledgement.objects.filter(version=v1, user=agent_user).count() == 1


def test_acknowledge_does_not_redirect_to_another_site(client, agent_user, v1):
    response = logged_in(client, agent_user).post(
        f"/standards/versions/{v1.pk}/acknowledge/",
        {"next": "https://evil.example/phish"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/standards/versions/{v1.pk}/"


# --- Version detail and its actions ---------------------------------------------------------


def test_version_detail_shows_the_sla_matrix(client, agent_user, v1):
    response = logged_in(client, agent_user).get(f"/standards/versions/{v1.pk}/")

    assert response.status_code == 200
    assert response.context["sections"]["sla_matrix"][2][1] == [36, 72, 168]
    assertContains(
        response,
        '<tr><th class="text-start fw-normal">Acknowledge</th>'
        "<td>0.5</td><td>2</td><td>24</td></tr>",
        html=True,
    )
    assertContains(
        response,
        '<tr><th class="text-start fw-normal">Resolve</th>'
        "<td>36</td><td>72</td><td>168</td></tr>",
        html=True,
    )
    assertContains(response, '<td colspan="3">48</td>', html=True)
    assertContains(response, '<td colspan="3">72</td>', html=True)


def test_author_is_not_offered_approval_of_their_version_in_review(
    client, quality_manager, v1, service_doc
):
    v2 = submitted(service_doc, author=quality_manager, effective_from=date(2027, 1, 1))

    response = logged_in(client, quality_manager).get(f"/standards/versions/{v2.pk}/")

    assert response.context["actions"] == ["return", "withdraw"]
    assertNotContains(response, 'value="approve"')
    assertContains(response, 'name="action" value="return"')
    assertContains(response, 'name="action" value="withdraw"')


def test_manager_is_offered_approval_of_a_version_in_review(
    client, manager_user, quality_manager, v1, service_doc
):
    v2 = submitted(service_doc, author=quality_manager, effective_from=date(2027, 1, 1))

    response = logged_in(client, manager_user).get(f"/standards/versions/{v2.pk}/")

    assert response.context["actions"] == ["approve", "return", "withdraw"]
    assertContains(response, 'name="action" value="approve"', count=1)


def test_agent_is_offered_no_action_on_a_version_in_review(
    client, agent_user, quality_manager, v1, service_doc
):
    v2 = submitted(service_doc, author=quality_manager, effective_from=date(2027, 1, 1))

    response = logged_in(client, agent_user).get(f"/standards/versions/{v2.pk}/")

    assert response.context["actions"] == []
    assertNotContains(response, f'action="/standards/versions/{v2.pk}/action/"')


def test_manager_approves_on_the_page_and_the_version_becomes_effective(
    client, manager_user, quality_manager, v1, service_doc
):
    v2 = submitted(
        service_doc, author=quality_manager, effective_from=date(2026, 11, 1)
    )

    response = logged_in(client, manager_user).post(
        f"/standards/versions/{v2.pk}/action/", {"action": "approve", "note": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/standards/versions/{v2.pk}/"
    v2.refresh_from_db()
    assert (v2.status, v2.approved_by) == ("effective", manager_user)
    v1.refresh_from_db()
    assert (v1.status, v1.effective_until) == ("superseded", date(2026, 11, 1))
    assert messages_of(response) == ["The version is now Effective."]


def test_author_approving_on_the_page_gets_an_error_and_nothing_changes(
    client, quality_manager, v1, service_doc
):
    v2 = submitted(
        service_doc, author=quality_manager, effective_from=date(2026, 11, 1)
    )
    before = row_of(v2)

    response = logged_in(client, quality_manager).post(
        f"/standards/versions/{v2.pk}/action/", {"action": "approve", "note": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/standards/versions/{v2.pk}/"
    assert messages_of(response) == [
        "The author cannot approve their own version: another quality manager or a "
        "manager must approve it."
    ]
    assert row_of(v2) == before
    assert StandardVersion.objects.get(pk=v1.pk).status == "effective"


def test_withdraw_on_the_page_without_a_note_is_refused(
    client, quality_manager, v1, service_doc
):
    v2 = draft(service_doc, author=quality_manager, effective_from=date(2027, 1, 1))

    response = logged_in(client, quality_manager).post(
        f"/standards/versions/{v2.pk}/action/", {"action": "withdraw", "note": ""}
    )

    assert response.status_code == 302
    assert messages_of(response) == ["Say why."]
    assert StandardVersion.objects.get(pk=v2.pk).status == "draft"


# --- Drafting and editing -------------------------------------------------------------------


def test_draft_a_new_version_through_the_pages(
    client, quality_manager, v1, service_doc
):
    logged_in(client, quality_manager)

    page = client.get(f"/standards/{service_doc.pk}/versions/new/")

    assert page.status_code == 200
    assert page.context["form"]["body"].value() == V1_BODY

    response = client.post(
        f"/standards/{service_doc.pk}/versions/new/",
        {
            "title": "Service standard 2027",
            "effective_from": "2027-01-01",
            "next_review_due": "",
            "change_summary": "Faster on-site.",
            "body": V1_BODY,
        },
    )

    created = StandardVersion.objects.get(document=service_doc, version=2)
    assert response.status_code == 302
    assert response["Location"] == f"/standards/versions/{created.pk}/edit/"
    assert created.status == "draft"
    assert created.author == quality_manager
    assert created.title == "Service standard 2027"
    assert created.effective_from == date(2027, 1, 1)
    assert created.next_review_due == date(2030, 1, 1)
    assert created.parameters == v1.parameters
    assert created.body == V1_BODY


@pytest.fixture
def v2(service_doc, quality_manager, v1):
    return draft(service_doc, author=quality_manager, effective_from=date(2027, 1, 1))


def test_edit_page_shows_every_parameter_field(client, quality_manager, v2):
    response = logged_in(client, quality_manager).get(
        f"/standards/versions/{v2.pk}/edit/"
    )

    assert response.status_code == 200
    assertContains(response, 'name="p__sla__resolve__P1"', count=1)
    assertContains(response, 'name="p__entitlement__return_window_days"', count=1)
    html = response.content.decode()
    for field in params.SCHEMA:
        name = "p__" + field.path.replace(".", "__")
        assert f'name="{name}"' in html, name
    assert response.context["parameter_form"]["p__sla__resolve__P1"].value() == 36


def test_edit_page_parameter_inputs_are_styled_like_the_other_fields(
    client, quality_manager, v2
):
    response = logged_in(client, quality_manager).get(
        f"/standards/versions/{v2.pk}/edit/"
    )

    widget = response.context["parameter_form"].fields["p__sla__resolve__P1"].widget
    assert "form-control" in widget.attrs.get("class", "")


def test_edit_with_a_return_window_looser_than_the_law_shows_the_error_and_saves_nothing(
    client, quality_manager, v2
):
    logged_in(client, quality_manager)
    page = client.get(f"/standards/versions/{v2.pk}/edit/")
    data = form_data(page.context["form"], page.context["parameter_form"])
    data.update(title="Shorter returns", p__entitlement__return_window_days="3")
    before = row_of(v2)
    law = LegalRuleSet.objects.get(code=LAW_2024)
    expected = (
        f"Looser than the law: {law.name} gives 7 "
        f"({law.citations['return_window_days']}); a standard may be stricter, never "
        "looser."
    )

    response = client.post(f"/standards/versions/{v2.pk}/edit/", data)

    assert response.status_code == 200
    errors = response.context["parameter_form"].errors
    assert errors == {"p__entitlement__return_window_days": [expected]}
    html = response.content.decode()
    assert escape(expected) in field_html(html, "p__entitlement__return_window_days")
    assert escape(expected) not in field_html(
        html, "p__entitlement__exchange_window_days"
    )
    assert row_of(v2) == before


def test_edit_with_valid_values_saves_the_draft_and_redirects(
    client, quality_manager, v2
):
    logged_in(client, quality_manager)
    page = client.get(f"/standards/versions/{v2.pk}/edit/")
    data = form_data(page.context["form"], page.context["parameter_form"])
    data.update(
        title="Faster on-site",
        change_summary="Urban on-site within 12 hours.",
        p__sla__onsite__urban="12",
        p__entitlement__return_window_days="10",
    )

    response = client.post(f"/standards/versions/{v2.pk}/edit/", data)

    assert response.status_code == 302
    assert response["Location"] == f"/standards/versions/{v2.pk}/"
    v2.refresh_from_db()
    assert v2.status == "draft"
    assert v2.title == "Faster on-site"
    assert v2.change_summary == "Urban on-site within 12 hours."
    assert v2.parameters["sla"] == {
        "acknowledge": {"P1": 0.5, "P2": 2, "P3": 24},
        "first_contact": {"P1": 1, "P2": 4, "P3": 24},
        "onsite": {"urban": 12, "rural": 72},
        "resolve": {"P1": 36, "P2": 72, "P3": 168},
        "handover_acceptance_hours": 4,
        "business_hours": False,
    }
    assert v2.parameters["entitlement"] == {
        **params.DEFAULT_SERVICE_PARAMETERS["entitlement"],
        "return_window_days": 10,
    }
    assert v2.parameters["conduct_checklist"] == params.DEFAULT_CONDUCT_CHECKLIST


def test_edit_page_of_an_effective_version_redirects_with_an_error(
    client, quality_manager, v1
):
    before = row_of(v1)

    response = logged_in(client, quality_manager).post(
        f"/standards/versions/{v1.pk}/edit/", {"title": "Rewritten"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/standards/versions/{v1.pk}/"
    assert messages_of(response) == [
        "Only a draft can be edited; draft a new version instead."
    ]
    assert row_of(v1) == before


# --- Diff -----------------------------------------------------------------------------------


def test_diff_page_lists_the_changed_parameter_and_clause(
    client, agent_user, quality_manager, v1, service_doc
):
    v2 = draft(
        service_doc,
        author=quality_manager,
        effective_from=date(2027, 1, 1),
        parameters={"sla": {"onsite": {"urban": 24}}},
        body="1. Answer the phone within two rings.\n2. Wear shoe covers.",
    )

    response = logged_in(client, agent_user).get(f"/standards/versions/{v2.pk}/diff/")

    assert response.status_code == 200
    assert response.context["against"] == v1
    assert [(c.path, c.old, c.new) for c in response.context["changes"]] == [
        ("sla.onsite.urban", 48, 24)
    ]
    assert response.context["clause_diff"] == [
        "@@ -1,2 +1,2 @@",
        "-1. Answer the phone within three rings.",
        "+1. Answer the phone within two rings.",
        " 2. Wear shoe covers.",
    ]
    assertContains(
        response, '<td class="diff-del">48</td><td class="diff-add">24</td>', html=True
    )
    assertContains(response, "sla.onsite.urban")
    assertContains(
        response,
        '<span class="diff-del">-1. Answer the phone within three rings.</span>',
        html=True,
    )
    assertContains(
        response,
        '<span class="diff-add">+1. Answer the phone within two rings.</span>',
        html=True,
    )


# --- Change requests ------------------------------------------------------------------------


def test_agent_raises_a_change_request_through_the_page(
    client, agent_user, service_doc
):
    logged_in(client, agent_user)

    assert (
        client.get(f"/standards/{service_doc.pk}/change-requests/new/").status_code
        == 200
    )

    response = client.post(
        f"/standards/{service_doc.pk}/change-requests/new/",
        {
            "title": "Rural on-site within 48 hours",
            "proposed_change": "sla.onsite.rural 72 → 48",
            "rationale": "Rural complaints doubled.",
            "evidence_links": "https://example.com/feedback/12\nKPI breach 2026-10\n",
        },
    )

    change_request = ChangeRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/standards/change-requests/{change_request.pk}/"
    assert change_request.document == service_doc
    assert change_request.raised_by == agent_user
    assert change_request.status == "open"
    assert change_request.evidence_links == [
        "https://example.com/feedback/12",
        "KPI breach 2026-10",
    ]
    detail = client.get(response["Location"])
    assertContains(detail, "Rural on-site within 48 hours")
    assertContains(detail, '<a href="https://example.com/feedback/12" rel="noopener">')
    assert detail.context["can_decide"] is False
    assertNotContains(detail, "Record decision")


def test_change_request_form_without_a_rationale_shows_an_error_and_raises_nothing(
    client, agent_user, service_doc
):
    response = logged_in(client, agent_user).post(
        f"/standards/{service_doc.pk}/change-requests/new/",
        {"title": "Faster", "proposed_change": "P1 in 24 h", "rationale": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"rationale": ["This field is required."]}
    assert not ChangeRequest.objects.exists()


@pytest.fixture
def change_request(service_doc, agent_user):
    return services.change_request_raise(
        document=service_doc,
        actor=agent_user,
        title="Rural on-site within 48 hours",
        proposed_change="sla.onsite.rural 72 → 48",
        rationale="Rural complaints doubled.",
    )


def test_decision_without_a_reason_shows_a_form_error_and_decides_nothing(
    client, quality_manager, change_request
):
    logged_in(client, quality_manager)
    page = client.get(f"/standards/change-requests/{change_request.pk}/")
    assert page.context["can_decide"] is True
    assertContains(page, "Record decision")

    response = client.post(
        f"/standards/change-requests/{change_request.pk}/",
        {"decision": "accept", "note": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"note": ["This field is required."]}
    change_request.refresh_from_db()
    assert (change_request.status, change_request.decided_by) == ("open", None)


def test_quality_manager_decides_a_change_request_with_a_reason(
    client, quality_manager, change_request
):
    response = logged_in(client, quality_manager).post(
        f"/standards/change-requests/{change_request.pk}/",
        {"decision": "reject", "note": "Rural partners cannot commit to 48 hours."},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/standards/change-requests/{change_request.pk}/"
    change_request.refresh_from_db()
    assert change_request.status == "rejected"
    assert change_request.decided_by == quality_manager
    assert change_request.decision_note == "Rural partners cannot commit to 48 hours."


def test_agent_posting_a_decision_is_refused_and_nothing_is_decided(
    client, agent_user, change_request
):
    response = logged_in(client, agent_user).post(
        f"/standards/change-requests/{change_request.pk}/",
        {"decision": "accept", "note": "Me too."},
    )

    assert response.status_code == 403
    change_request.refresh_from_db()
    assert (change_request.status, change_request.decision_note) == ("open", "")


# --- Business calendar ----------------------------------------------------------------------


def test_calendar_month_shows_the_make_up_saturday_working_and_national_day_off(
    client, agent_user
):
    response = logged_in(client, agent_user).get(
        "/standards/calendar/?year=2026&month=10"
    )

    assert response.status_code == 200
    assertContains(response, 'data-date="2026-10-10" data-working="1"', count=1)
    assertContains(response, 'data-date="2026-10-01" data-working="0"', count=1)
    assertContains(response, 'data-date="2026-10-12" data-working="1"', count=1)
    assert response.context["can_edit"] is False
    assertNotContains(response, 'action="/standards/calendar/overrides/"')


def test_calendar_calculator_adds_working_days(client, agent_user):
    response = logged_in(client, agent_user).get(
        "/standards/calendar/?start=2026-09-25&days=10&year=2026&month=10"
    )

    assert response.status_code == 200
    assert response.context["result"] == date(2026, 10, 15)
    assertContains(response, 'data-testid="calc-result"')
    assertContains(response, "2026-10-15 (Thursday)")


def test_quality_manager_adds_a_company_day_off_and_the_month_shows_it(
    client, quality_manager
):
    logged_in(client, quality_manager)

    response = client.post(
        "/standards/calendar/overrides/",
        {"day": "2026-10-12", "is_working": "0", "name": "Company outing", "unit": ""},
    )

    assert response.status_code == 302
    assert response["Location"] == "/standards/calendar/?year=2026&month=10"
    override = CalendarOverride.objects.get()
    assert (override.day, override.is_working, override.name, override.unit) == (
        date(2026, 10, 12),
        False,
        "Company outing",
        None,
    )
    month = client.get(response["Location"])
    assertContains(month, 'data-date="2026-10-12" data-working="0"', count=1)
    assertContains(month, "Company outing")


def test_agent_cannot_add_a_company_day_and_nothing_is_stored(client, agent_user):
    response = logged_in(client, agent_user).post(
        "/standards/calendar/overrides/",
        {"day": "2026-10-12", "is_working": "0", "name": "Day off", "unit": ""},
    )

    assert response.status_code == 403
    assert not CalendarOverride.objects.exists()


def test_agent_cannot_remove_a_company_day(client, agent_user, quality_manager):
    override = services.calendar_override_set(
        actor=quality_manager, day=date(2026, 10, 12), is_working=False, name="Outing"
    )

    response = logged_in(client, agent_user).post(
        f"/standards/calendar/overrides/{override.pk}/delete/"
    )

    assert response.status_code == 403
    assert CalendarOverride.objects.filter(pk=override.pk).exists()


@pytest.mark.parametrize("query", ["year=9999&month=12", "year=1&month=1"])
def test_calendar_page_at_the_ends_of_the_year_range_is_not_a_500(
    client, agent_user, query
):
    logged_in(client, agent_user)
    client.raise_request_exception = False

    response = client.get(f"/standards/calendar/?{query}")

    assert response.status_code == 200


def test_calendar_calculator_at_the_end_of_time_is_not_a_500(client, agent_user):
    logged_in(client, agent_user)
    client.raise_request_exception = False

    response = client.get("/standards/calendar/?start=9999-12-30&days=10")

    assert response.status_code == 200


# --- Legal rule sets ------------------------------------------------------------------------


def test_legal_list_shows_the_four_seeded_rule_sets(client, agent_user):
    response = logged_in(client, agent_user).get("/standards/legal/")

    assert response.status_code == 200
    assert len(response.context["rule_sets"]) == 4
    for rule_set in LegalRuleSet.objects.all():
        assertContains(response, f'href="/standards/legal/{rule_set.pk}/"', count=1)
        assertContains(response, escape(rule_set.name), count=1)


def test_legal_detail_shows_each_value_with_its_citation(client, agent_user):
    rule_set = LegalRuleSet.objects.get(code="cn-sanbao-1995")

    response = logged_in(client, agent_user).get(f"/standards/legal/{rule_set.pk}/")

    assert response.status_code == 200
    rows = {row["key"]: row for row in response.context["rows"]}
    assert set(rows) == set(rule_set.parameters)
    assert rows["return_window_days"]["value"] == 7
    assert rows["return_window_days"]["citation"] == (
        "《部分商品修理更换退货责任规定》(1995): performance fault within 7 days — "
        "return, exchange or repair"
    )
    assertContains(response, escape(rows["return_window_days"]["citation"]), count=1)
    assertContains(response, escape(rule_set.name_zh))


# --- Query counts ---------------------------------------------------------------------------

# session, user, the user's roles, unread notifications; the tree (documents, their related
# standards, their versions); the user's units and the versions to acknowledge; reviews
# overdue and due soon
STANDARD_LIST_PAGE_QUERIES = 11


@pytest.mark.parametrize("documents", [3, 20])
def test_standard_list_page_query_count_is_flat(
    client,
    agent_user,
    manager_user,
    quality_manager,
    unit_tree,
    django_assert_max_num_queries,
    documents,
):
    kinds = ["service", "work", "product"]
    for index in range(documents):
        doc = document(
            actor=manager_user,
            owner=quality_manager,
            owner_unit=unit_tree["co"],
            code=f"Q/ACME {index:03d}",
            kind=kinds[index % 3],
        )
        effective(
            doc, author=quality_manager, approver=manager_user, effective_from=V1_FROM
        )
        draft(doc, author=quality_manager, effective_from=date(2027, 1, 1))
    logged_in(client, agent_user)

    with django_assert_max_num_queries(STANDARD_LIST_PAGE_QUERIES):
        response = client.get("/standards/")

    assert response.status_code == 200
    assert (
        sum(len(group["documents"]) for group in response.context["tree"]) == documents
    )
    # the agent's hotline lies under the owning unit: every effective version applies
    assert len(response.context["to_acknowledge"]) == documents


def test_a_new_version_can_implement_an_accepted_change_request(client):
    """The draft page offers the standard's accepted change requests; the chosen one is
    linked to the new version."""
    from aftersales.models import Unit
    from standards import services as standard_services
    from standards.models import ChangeRequest
    from tests.aftersales.factories import UserFactory

    unit = Unit.objects.create(code="qa-x", name="QA", kind="qa")
    quality = UserFactory(roles=["quality_manager"], units=[unit])
    agent = UserFactory(roles=["agent"], units=[unit])
    document = standard_services.standard_document_create(
        actor=quality,
        code="Q/X 9",
        title="Work",
        kind="work",
        owner_unit=unit,
        owner=quality,
    )
    standard_services.standard_version_draft(
        document=document, actor=quality, effective_from=date(2026, 1, 1), parameters={}
    )
    request = standard_services.change_request_raise(
        document=document,
        actor=agent,
        title="Evening slots",
        proposed_change="x",
        rationale="y",
    )
    standard_services.change_request_decide(
        change_request=request, actor=quality, accept=True, note="Agreed"
    )
    client.force_login(quality)
    page = client.get(f"/standards/{document.pk}/versions/new/")
    assert "Evening slots" in page.content.decode()
    response = client.post(
        f"/standards/{document.pk}/versions/new/",
        {
            "effective_from": "2027-01-01",
            "implements": [request.pk],
            "body": "1 Evening slots.",
        },
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.implemented_by.version == 2
    assert request.status == ChangeRequest.Status.ACCEPTED  # implemented once effective
