"""Follow-up pages: the worklist (due first, archive summary, call script, flat query
count), one-click attempts and the answer form through htmx, the quiet-hours warning, the
supervisor's close, the customer's public answer page (once, expiry, rate limit), and the
quality manager's questionnaire editor."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from feedback.followups import services
from feedback.models import FollowUp, Questionnaire
from tests.feedback.test_followups_helpers import *  # noqa: F403  # fixtures
from tests.feedback.test_followups_helpers import NOW, H, followup_rows, task_of
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
LIST = reverse("followups:followup-list")
HTMX = {"HTTP_HX_REQUEST": "true"}


def card_ids(html: str) -> list[int]:
    """The follow-ups whose cards a page or fragment draws, in order."""
    return [
        int(pk)
        for pk in re.findall(r'<div class="card[^"]*" id="followup-(\d+)"', html)
    ]


def test_the_worklist_shows_what_is_due_now_with_the_archive_summary_and_script(
    client, resolved_case, visitor, clock
):
    followup = task_of(resolved_case)
    client.force_login(visitor)
    assert followup.pk not in [f.pk for f in client.get(LIST).context["page"]]
    clock.move_to(NOW + 4 * H)
    services.followup_sweep(now=NOW + 4 * H)
    response = client.get(LIST)
    assert response.status_code == 200
    assert [f.pk for f in response.context["page"]] == [followup.pk]
    html = response.content.decode()
    assert resolved_case.number in html
    assert "+8613800138000" in html
    assert "0 products, 1 case" in html
    assert "Is the problem solved?" in html  # the call script
    assert 'data-testid="quiet-hours"' not in html
    upcoming = client.get(LIST, {"view": "upcoming"})
    assert list(upcoming.context["page"]) == []


def test_the_worklist_warns_during_quiet_hours(client, resolved_case, visitor, clock):
    client.force_login(visitor)
    clock.move_to(NOW + 12 * H)  # 22:00
    response = client.get(LIST, {"view": "all"})
    assert 'data-testid="quiet-hours"' in response.content.decode()


def test_the_worklist_query_count_is_flat(
    client, org, visitor, standard, django_assert_max_num_queries
):
    client.force_login(visitor)
    followup_rows(1, team=org["fu"], agent=visitor)
    with django_assert_max_num_queries(20) as one:
        response = client.get(LIST)
    assert len(response.context["page"]) == 1
    followup_rows(29, team=org["fu"], agent=visitor)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(LIST, {"view": "due"})
    assert response.context["page"].paginator.count == 30
    assert len(response.context["page"]) == 25


def test_filters_narrow_the_worklist_and_htmx_gets_the_list_only(
    client, org, visitor, resolved_case
):
    client.force_login(visitor)
    followup_rows(2, team=org["fu"], agent=visitor)
    response = client.get(LIST, {"view": "all", "status": "scheduled"}, **HTMX)
    html = response.content.decode()
    assert card_ids(html) == [task_of(resolved_case).pk]
    assert "<html" not in html
    assert 'id="worklist"' in html


def test_a_no_answer_click_returns_the_updated_card(
    client, resolved_case, visitor, clock
):
    followup = task_of(resolved_case)
    client.force_login(visitor)
    clock.move_to(NOW + 4 * H)
    url = reverse("followups:followup-attempt", args=[followup.pk])
    response = client.post(url, {"channel": "phone", "outcome": "no_answer"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(
        f'<div class="card mb-3" id="followup-{followup.pk}"'
    )
    assert "1 of 3 attempts used" in html
    followup.refresh_from_db()
    assert followup.attempts_count == 1
    clock.move_to(NOW + 12 * H)
    quiet = client.post(url, {"channel": "phone", "outcome": "no_answer"}, **HTMX)
    assert 'data-testid="card-error"' in quiet.content.decode()
    followup.refresh_from_db()
    assert followup.attempts_count == 1


def test_recording_a_dissatisfied_answer_reopens_the_case_on_the_card(
    client, resolved_case, visitor, agent_user
):
    followup = task_of(resolved_case)
    client.force_login(visitor)
    url = reverse("followups:followup-complete", args=[followup.pk])
    prefix = f"f{followup.pk}"
    invalid = client.post(url, {f"{prefix}-resolved": "no"}, **HTMX)
    assert invalid.status_code == 200
    assert "This field is required." in invalid.content.decode()
    response = client.post(
        url,
        {
            f"{prefix}-score": "1",
            f"{prefix}-resolved": "no",
            f"{prefix}-comment": "Still noisy",
            f"{prefix}-channel": "phone",
            f"{prefix}-conduct_clean_up_the_site": "no",
            f"{prefix}-topics": ["quality"],
        },
        **HTMX,
    )
    html = response.content.decode()
    assert 'data-testid="reopened-note"' in html
    followup.refresh_from_db()
    assert (followup.result, followup.topics) == ("dissatisfied", ["quality"])
    assert followup.conduct == {"clean_up_the_site": False}
    ticket = Ticket.objects.get(pk=resolved_case.pk)
    assert (ticket.status, ticket.handler) == ("reopened", agent_user)


def test_the_worklist_draws_a_button_that_loads_the_answer_form(
    client, resolved_case, visitor
):
    followup = task_of(resolved_case)
    client.force_login(visitor)
    html = client.get(LIST, {"view": "all"}).content.decode()
    assert 'data-testid="answer-form"' not in html
    assert f'name="f{followup.pk}-score"' not in html
    form_url = reverse("followups:followup-answer-form", args=[followup.pk])
    link = f"{form_url}?next=/followups/%3Fview%3Dall"
    assert f'href="{link}" hx-get="{link}" hx-target="#followup-{followup.pk}"' in html
    assert 'data-testid="attempt-form"' in html  # one-click attempts stay on the card


def test_htmx_gets_the_task_s_card_with_its_answer_form_unfolded(
    client, resolved_case, visitor
):
    followup = task_of(resolved_case)
    client.force_login(visitor)
    url = reverse("followups:followup-answer-form", args=[followup.pk])
    response = client.get(url, {"next": f"{LIST}?view=all"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(
        f'<div class="card mb-3" id="followup-{followup.pk}"'
    )
    assert "<html" not in html
    assert '<details open data-testid="answer-panel">' in html
    assert f'name="f{followup.pk}-score"' in html
    assert f'name="f{followup.pk}-conduct_clean_up_the_site"' in html
    assert 'data-testid="answer-open"' not in html
    assert '<input type="hidden" name="next" value="/followups/?view=all">' in html
    # an answer with errors comes back in the same unfolded form
    prefix = f"f{followup.pk}"
    complete = reverse("followups:followup-complete", args=[followup.pk])
    invalid = client.post(
        complete, {f"{prefix}-resolved": "no", "next": f"{LIST}?view=all"}, **HTMX
    )
    assert '<details open data-testid="answer-panel">' in invalid.content.decode()
    assert "This field is required." in invalid.content.decode()
    assert task_of(resolved_case).status != FollowUp.Status.COMPLETED


def test_without_htmx_the_answer_link_is_the_task_s_page_with_the_form(
    client, resolved_case, visitor
):
    followup = task_of(resolved_case)
    client.force_login(visitor)
    url = reverse("followups:followup-answer-form", args=[followup.pk])
    response = client.get(url, {"next": f"{LIST}?view=all"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert '<details open data-testid="answer-panel">' in html
    assert '<input type="hidden" name="next" value="/followups/?view=all">' in html
    assert 'data-testid="send-link-form"' in html  # the task's own page
    # another site is never a place to come back to: the task's page is
    detail = reverse("followups:followup-detail", args=[followup.pk])
    for unsafe in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        html = client.get(url, {"next": unsafe}).content.decode()
        forms = re.findall(
            r'data-testid="(?:attempt|answer)-form">.*?name="next" value="([^"]*)"',
            html,
            re.DOTALL,
        )
        assert forms == [detail, detail]
    prefix = f"f{followup.pk}"
    answered = client.post(
        reverse("followups:followup-complete", args=[followup.pk]),
        {f"{prefix}-score": "5", f"{prefix}-resolved": "yes",
         f"{prefix}-channel": "phone", "next": f"{LIST}?view=all"},
    )  # fmt: skip
    assert (answered.status_code, answered.url) == (302, f"{LIST}?view=all")
    assert Ticket.objects.get(pk=resolved_case.pk).status == "closed"


def test_the_answer_form_is_only_for_those_who_may_answer_the_task(
    client, resolved_case, visitor, customer_user, technician_user
):
    followup = task_of(resolved_case)
    url = reverse("followups:followup-answer-form", args=[followup.pk])
    client.force_login(customer_user)
    assert client.get(url, **HTMX).status_code == 403
    client.force_login(technician_user)  # does not see the task
    assert client.get(url, **HTMX).status_code == 404
    assert client.get(url).status_code == 404
    services.followup_complete(followup=followup, actor=visitor, score=5, resolved=True)
    client.force_login(visitor)  # sees it, but a completed task takes no answer
    html = client.get(LIST, {"view": "all"}).content.decode()
    assert 'data-testid="answer-open"' not in html
    assert client.get(url, **HTMX).status_code == 403
    assert client.get(url).status_code == 403


def test_without_htmx_the_answer_form_redirects_back(client, resolved_case, visitor):
    followup = task_of(resolved_case)
    client.force_login(visitor)
    prefix = f"f{followup.pk}"
    response = client.post(
        reverse("followups:followup-complete", args=[followup.pk]),
        {f"{prefix}-score": "5", f"{prefix}-resolved": "yes",
         f"{prefix}-channel": "phone", "next": LIST},
    )  # fmt: skip
    assert response.status_code == 302
    assert response.url == LIST
    assert Ticket.objects.get(pk=resolved_case.pk).status == "closed"


def test_the_supervisor_closes_an_unreachable_case_from_the_page(
    client, resolved_case, visitor, supervisor_user
):
    followup = task_of(resolved_case)
    services.followup_attempt(
        followup=followup, actor=visitor, channel="phone", outcome="refused"
    )
    client.force_login(supervisor_user)
    page = client.get(LIST, {"view": "attention"})
    assert [f.pk for f in page.context["page"]] == [followup.pk]
    assert 'data-testid="close-case-form"' in page.content.decode()
    client.post(
        reverse("followups:followup-close-case", args=[followup.pk]),
        {"note": "Declined twice"},
    )
    assert Ticket.objects.get(pk=resolved_case.pk).status == "closed"
    assert list(client.get(LIST, {"view": "attention"}).context["page"]) == []


def test_pages_are_for_staff_and_other_teams_get_404(
    client, resolved_case, customer_user, technician_user
):
    followup = task_of(resolved_case)
    client.force_login(customer_user)
    assert client.get(LIST).status_code == 403
    client.force_login(technician_user)
    detail = reverse("followups:followup-detail", args=[followup.pk])
    assert client.get(detail).status_code == 404
    assert client.get(LIST).context["page"].paginator.count == 0


def test_the_detail_page_sends_the_answer_link(client, resolved_case, visitor):
    followup = task_of(resolved_case)
    client.force_login(visitor)
    detail = reverse("followups:followup-detail", args=[followup.pk])
    assert 'data-testid="send-link-form"' in client.get(detail).content.decode()
    response = client.post(
        reverse("followups:followup-send-link", args=[followup.pk]),
        {"channel": "sms"},
        follow=True,
    )
    assert "The answer link is on its way." in response.content.decode()
    followup.refresh_from_db()
    assert followup.answer_link_sent_at is not None


# --- The public answer page ---------------------------------------------------------------


def _link(followup, visitor) -> str:
    message = services.followup_send_link(
        followup=followup, actor=visitor, base_url="http://testserver"
    )
    return message.body.split("http://testserver")[1].split(" ")[0]


def test_the_customer_answers_by_link_once(client, resolved_case, visitor):
    url = _link(task_of(resolved_case), visitor)
    page = client.get(url)
    assert page.status_code == 200
    assert "How satisfied are you with our service?" in page.content.decode()
    response = client.post(
        url,
        {"score": "5", "resolved": "yes", "comment": "Great", "topics": ["attitude"]},
    )
    assert 'data-testid="answer-thanks"' in response.content.decode()
    followup = task_of(resolved_case)
    assert (followup.result, followup.completed_via) == ("satisfied", "link")
    assert Ticket.objects.get(pk=resolved_case.pk).status == "closed"
    twice = client.post(url, {"score": "1", "resolved": "no"})
    assert "You have already answered" in twice.content.decode()
    assert client.get(url).status_code == 200
    assert task_of(resolved_case).score == 5


def test_an_expired_or_forged_link_gets_a_friendly_page(
    client, resolved_case, visitor, clock
):
    url = _link(task_of(resolved_case), visitor)
    forged = client.get(url[:-3] + "xx/")
    assert forged.status_code == 404
    assert "not valid" in forged.content.decode()
    clock.move_to(NOW + 8 * 24 * H)
    expired = client.post(url, {"score": "5", "resolved": "yes"})
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    assert task_of(resolved_case).status == FollowUp.Status.SCHEDULED


def test_the_answer_page_is_rate_limited(client, resolved_case, visitor, settings):
    url = _link(task_of(resolved_case), visitor)
    statuses = {client.get(url).status_code for _n in range(35)}
    assert 429 in statuses


# --- Questionnaire editor ------------------------------------------------------------------


def test_the_quality_manager_drafts_edits_and_activates_a_questionnaire(
    client, quality_user, visitor
):
    client.force_login(quality_user)
    listing = reverse("followups:questionnaire-list")
    created = client.post(
        listing, {"code": "visit", "title": "After a visit", "scale": "csat5"}
    )
    draft = Questionnaire.objects.get(code="visit")
    assert created.url == draft.get_absolute_url()
    response = client.post(
        draft.get_absolute_url(),
        {
            "title": "After a visit",
            "scale": "three_level",
            "score": "Were you satisfied?",
            "resolved": "Does it work now?",
            "conduct": "shoe_covers: Did they wear shoe covers?\nClean up",
            "comment": "Anything else?",
            "topics": "noise: Noise",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.scale == "three_level"
    assert draft.questions["conduct"] == [
        {"code": "shoe_covers", "text": "Did they wear shoe covers?"},
        {"code": "clean_up", "text": "Clean up"},
    ]
    client.post(reverse("followups:questionnaire-activate", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "active"
    client.post(reverse("followups:questionnaire-new-version", args=[draft.pk]))
    assert Questionnaire.objects.filter(
        code="visit", version=2, status="draft"
    ).exists()
    # a follow-up agent reads the questionnaires but cannot change them
    client.force_login(visitor)
    assert client.get(listing).status_code == 200
    assert (
        client.post(
            reverse("followups:questionnaire-activate", args=[draft.pk])
        ).status_code
        == 403
    )
    assert (
        client.post(listing, {"code": "x", "title": "X", "scale": "csat5"}).status_code
        == 403
    )
    assert not Questionnaire.objects.filter(code="x").exists()


def test_the_worklist_finds_a_case_number_a_name_or_a_phone(
    client, resolved_case, visitor, org
):
    followup_rows(2, team=org["fu"], agent=visitor)
    client.force_login(visitor)
    mine = task_of(resolved_case).pk
    for q in (resolved_case.number, "zhang", "138 0013 8000"):
        page = client.get(LIST, {"view": "all", "q": q}).context["page"]
        assert [f.pk for f in page] == [mine], q
    assert (
        client.get(LIST, {"view": "all", "q": "nobody"}).context["page"].paginator.count
        == 0
    )
