"""Pages of the follow-up loop: the worklist (/followups/) with one-click attempts and the
answer form (htmx: the task's card is swapped in place), a task's page, the supervisor's
close of an unreachable case, the answer link, the customer's public answer page, and the
quality manager's questionnaire editor."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_ratelimit.decorators import ratelimit

from aftersales import permissions
from aftersales.exceptions import DomainError
from aftersales.forms import apply_validation_errors
from aftersales.pagination import BoundedPaginator
from aftersales.roles import Role
from aftersales.views import staff_required
from feedback.followups import selectors, services
from feedback.followups.filters import WorklistFilterSet
from feedback.followups.forms import (
    AnswerForm,
    AttemptForm,
    CloseNoteForm,
    QuestionnaireCreateForm,
    QuestionnaireForm,
    SendLinkForm,
)
from feedback.models import FollowUp
from standards.parameters import ContactChannel

LIST_TEMPLATE = "feedback/followups/followup_list.html"
CARD = f"{LIST_TEMPLATE}#task-card"
ANSWER_RATE = getattr(settings, "FOLLOWUP_ANSWER_RATE", "30/m")
# A task id no real URL carries (the largest id): the card's links are reversed once per
# page with it and each card puts its own id in its place.
LINK_MARK = str(2**31 - 1)
CARD_LINKS = {
    "detail": "followups:followup-detail",
    "attempt": "followups:followup-attempt",
    "answer": "followups:followup-answer-form",
}


def _card_context() -> dict:
    """What every card of a page shares, computed once per page: its links with a
    marker id (reverse() per card and link was a tenth of a page's rendering), the
    channels with their labels translated."""
    return {
        "links": {
            key: reverse(name, args=[LINK_MARK]) for key, name in CARD_LINKS.items()
        },
        "channel_choices": [
            (value, str(label)) for value, label in ContactChannel.choices
        ],
    }


def _prepare(
    followup: FollowUp,
    user,
    now,
    *,
    answer_form=None,
    with_answer_form=False,
    answer_open=False,
    may_act: bool | None = None,
    may_close: bool | None = None,
    shared: dict | None = None,
) -> FollowUp:
    """What a card needs besides the row (no queries): the quiet-hours warning, the
    actions this person may take, and the answer form only when it is shown (the
    worklist draws a button that loads it: the form's widgets were most of a page's
    rendering); `answer_open` shows it unfolded. `may_act` and `may_close` are the
    user's roles and `shared` the `_card_context()`, decided once per page."""
    shared = shared or _card_context()
    followup.links = {
        key: url.replace(LINK_MARK, str(followup.pk))
        for key, url in shared["links"].items()
    }
    if may_act is None:
        may_act = permissions.can_act_on_followups(user)
    if may_close is None:
        may_close = permissions.can_close_unreachable(user)
    followup.quiet_now = services.followup_in_quiet_hours(followup, now=now)
    followup.can_act = may_act and followup.status in FollowUp.COMPLETABLE_STATUSES
    followup.can_attempt = followup.can_act and followup.is_open
    followup.can_close_case = (
        may_close
        and followup.status in {FollowUp.Status.UNREACHABLE, FollowUp.Status.DECLINED}
        and not followup.supervisor_note
        and followup.ticket_id is not None
        and followup.ticket.status == "awaiting_follow_up"
    )
    followup.is_overdue = followup.is_open and now > followup.closes_at
    followup.answer_form = None
    followup.answer_open = answer_open or answer_form is not None
    if followup.can_act:
        if answer_form is not None or with_answer_form:
            followup.answer_form = answer_form or AnswerForm(
                questionnaire=followup.questionnaire,
                prefix=f"f{followup.pk}",
                initial={"channel": followup.next_channel or "phone"},
            )
        followup.attempt_channel = followup.next_channel or "phone"
        followup.channel_choices = shared["channel_choices"]
    return followup


def _safe_next(value: str) -> str:
    """A local path to come back to after a non-htmx POST (never another site)."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return ""


def _card(
    request, followup: FollowUp, *, error: str = "", next_url: str = "", **kwargs
) -> HttpResponse:
    """The task's card again (htmx swaps it in place), with an error if any; `next_url`
    is where its forms come back to without htmx (the page the card is on)."""
    now = timezone.now()
    fresh = selectors.followup_get(user=request.user, pk=followup.pk)
    return render(
        request,
        CARD,
        {
            "followup": _prepare(fresh, request.user, now, **kwargs),
            "now": now,
            "card_error": error,
            "next_url": next_url or _safe_next(request.POST.get("next", "")),
        },
    )


def _back(request, followup: FollowUp):
    target = _safe_next(request.POST.get("next", ""))
    if target:
        return redirect(target)
    return redirect("followups:followup-detail", pk=followup.pk)


@staff_required
@vary_on_headers("HX-Request")
def followup_list(request):
    """The worklist: what is due now first; mine, my teams, upcoming, needing a
    supervisor, done, or all I may see; filtered by status, kind and result. Each card
    shows the customer's archive summary, the call script and the actions."""
    now = timezone.now()
    default = "due" if request.user.has_role(Role.FOLLOWUP_AGENT) else "all"
    view = request.GET.get("view", default)
    if view not in selectors.VIEWS:
        view = default
    q = request.GET.get("q", "")
    followups = selectors.followup_list(user=request.user, view=view, now=now, q=q)
    filterset = WorklistFilterSet(request.GET, queryset=followups, request=request)
    if filterset.is_valid():
        followups = filterset.qs
    page = BoundedPaginator(followups, 25).get_page(request.GET.get("page"))
    may_act = permissions.can_act_on_followups(request.user)
    may_close = permissions.can_close_unreachable(request.user)
    shared = _card_context()
    for followup in page:
        _prepare(
            followup,
            request.user,
            now,
            may_act=may_act,
            may_close=may_close,
            shared=shared,
        )
    keep = request.GET.copy()
    keep.pop("page", None)
    template = LIST_TEMPLATE
    if request.htmx and not request.htmx.boosted:
        template += "#worklist"
    return render(
        request,
        template,
        {
            "page": page,
            "view": view,
            "q": q,
            "views": _view_labels(),
            "filter_form": filterset.form,
            "querystring": keep.urlencode(),
            "now": now,
            "next_url": request.get_full_path(),
        },
    )


def _view_labels():
    return [
        ("due", _("Due now")),
        ("mine", _("Mine")),
        ("team", _("My teams")),
        ("upcoming", _("Upcoming")),
        ("attention", _("Needs a supervisor")),
        ("done", _("Done")),
        ("all", _("All I may see")),
    ]


def _detail_page(request, followup: FollowUp, now, *, next_url: str = ""):
    """The task's page: its card and the case's other rounds."""
    rounds = (
        selectors.followups_of_ticket(ticket=followup.ticket)
        if followup.ticket_id
        else FollowUp.objects.none()
    )
    return render(
        request,
        "feedback/followups/followup_detail.html",
        {
            "followup": followup,
            "rounds": rounds,
            "now": now,
            "close_form": CloseNoteForm(),
            "link_form": SendLinkForm(),
            "next_url": next_url or request.get_full_path(),
        },
    )


@staff_required
def followup_detail(request, pk: int):
    """One follow-up: its card (script, attempts, actions, the answer form) and the
    case's other rounds."""
    now = timezone.now()
    followup = _prepare(
        selectors.followup_get(user=request.user, pk=pk),
        request.user,
        now,
        with_answer_form=True,
    )
    return _detail_page(request, followup, now)


@staff_required
@vary_on_headers("HX-Request")
def followup_answer_form(request, pk: int):
    """The answer form of one follow-up, loaded when asked for ("Record the answer" on
    the worklist): for htmx the task's card with the form unfolded, swapped in place of
    the card; otherwise the task's page with it. Only those who may answer the task get
    it, by the card's own rule (404 for a task they may not see, 403 for one they may
    not act on)."""
    now = timezone.now()
    followup = _prepare(
        selectors.followup_get(user=request.user, pk=pk),
        request.user,
        now,
        with_answer_form=True,
        answer_open=True,
    )
    if not followup.can_act:
        raise PermissionDenied
    next_url = _safe_next(request.GET.get("next", "")) or reverse(
        "followups:followup-detail", args=[pk]
    )
    if request.htmx and not request.htmx.boosted:
        return render(
            request,
            CARD,
            {"followup": followup, "now": now, "next_url": next_url},
        )
    return _detail_page(request, followup, now, next_url=next_url)


@staff_required
@require_POST
def followup_attempt(request, pk: int):
    """One click: no answer (or refused) over a channel; the card comes back updated."""
    followup = selectors.followup_get(user=request.user, pk=pk)
    form = AttemptForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.followup_attempt(
                followup=followup, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except (DomainError, PermissionDenied) as exc:
            error = str(exc)
    else:
        error = _("Choose a channel and an outcome.")
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Attempt recorded."))
        return _back(request, followup)
    return _card(request, followup, error=error)


@staff_required
@require_POST
def followup_complete(request, pk: int):
    """Record the customer's answer; satisfied closes the case, dissatisfied reopens it
    to its first owner (the card says which)."""
    followup = selectors.followup_get(user=request.user, pk=pk)
    form = AnswerForm(
        request.POST, questionnaire=followup.questionnaire, prefix=f"f{followup.pk}"
    )
    if form.is_valid():
        try:
            services.followup_complete(
                followup=followup, actor=request.user, **form.answer()
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        except (DomainError, PermissionDenied) as exc:
            form.add_error(None, str(exc))
        else:
            if not request.htmx:
                messages.success(request, _("Answer recorded."))
                return _back(request, followup)
            return _card(request, followup)
    if not request.htmx:
        messages.error(
            request,
            " ".join(str(e) for errors in form.errors.values() for e in errors),
        )
        return _back(request, followup)
    return _card(request, followup, answer_form=form)


@staff_required
@require_POST
def followup_send_link(request, pk: int):
    """Send the customer the answer link (SMS or e-mail through the outbox)."""
    followup = selectors.followup_get(user=request.user, pk=pk)
    form = SendLinkForm(request.POST)
    if form.is_valid():
        try:
            services.followup_send_link(
                followup=followup,
                actor=request.user,
                channel=form.cleaned_data["channel"],
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except (DomainError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The answer link is on its way."))
    return _back(request, followup)


@staff_required
@require_POST
def followup_close_case(request, pk: int):
    """A supervisor closes an unreachable (or declined) customer's case with a note."""
    followup = selectors.followup_get(user=request.user, pk=pk)
    form = CloseNoteForm(request.POST)
    if form.is_valid():
        try:
            services.followup_close_unreachable(
                followup=followup, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except (DomainError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The case is closed with your note."))
    else:
        messages.error(request, _("Write the note that closes the case."))
    return _back(request, followup)


# --- The customer's answer page (public) ----------------------------------------------------


PROBLEM_MESSAGES = {
    "invalid": gettext_lazy(
        "This link is not valid. Please use the link from our latest message."
    ),
    "expired": gettext_lazy(
        "This link has expired. We may contact you again; thank you."
    ),
    "used": gettext_lazy("You have already answered. Thank you for your feedback!"),
    "closed": gettext_lazy("This survey is closed. Thank you!"),
}


# A forged link is not found; an expired one is gone; a used or closed one is answered.
PROBLEM_STATUS = {"invalid": 404, "expired": 410, "used": 200, "closed": 200}


@never_cache
@ratelimit(key="ip", rate=ANSWER_RATE, block=False)
def followup_answer(request, token: str):
    """The customer answers the questionnaire without signing in: GET shows it, POST
    answers once (a second answer, an expired or a forged link get a friendly page).
    Rate-limited per client address."""
    template = "feedback/followups/followup_answer.html"
    if getattr(request, "limited", False):
        return render(
            request,
            template,
            {"problem": _("Too many requests. Wait a minute and try again.")},
            status=429,
        )
    try:
        followup = services.followup_for_token(token=token)
    except services.AnswerLinkProblem as problem:
        return render(
            request,
            template,
            {"problem": PROBLEM_MESSAGES[problem.reason], "reason": problem.reason},
            status=PROBLEM_STATUS[problem.reason],
        )
    form = AnswerForm(
        request.POST or None, questionnaire=followup.questionnaire, staff=False
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.followup_answer_by_link(token=token, **form.answer())
        except services.AnswerLinkProblem as problem:
            return render(
                request,
                template,
                {"problem": PROBLEM_MESSAGES[problem.reason], "reason": problem.reason},
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            return render(request, template, {"thanks": True})
    return render(request, template, {"form": form, "followup": followup})


# --- Questionnaires (quality manager) -----------------------------------------------------------


def _quality(request) -> bool:
    return permissions.can_edit_questionnaires(request.user)


@staff_required
def questionnaire_list(request):
    """Every questionnaire version; the quality manager drafts a new one here."""
    form = QuestionnaireCreateForm(request.POST or None)
    if request.method == "POST":
        if not _quality(request):
            raise PermissionDenied
        if form.is_valid():
            try:
                questionnaire = services.questionnaire_create(
                    actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_validation_errors(form, exc)
            else:
                messages.success(request, _("Draft created."))
                return redirect(questionnaire)
    return render(
        request,
        "feedback/followups/questionnaire_list.html",
        {
            "questionnaires": selectors.questionnaire_list(),
            "form": form,
            "can_edit": _quality(request),
        },
    )


@staff_required
def questionnaire_detail(request, pk: int):
    """A version: its questions (the call script); a draft is edited here."""
    questionnaire = selectors.questionnaire_get(pk=pk)
    editable = _quality(request) and questionnaire.status == "draft"
    form = None
    if editable:
        form = QuestionnaireForm(
            request.POST or None, initial=QuestionnaireForm.initial_for(questionnaire)
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.questionnaire_update(
                    actor=request.user,
                    questionnaire=questionnaire,
                    title=form.cleaned_data["title"],
                    scale=form.cleaned_data["scale"],
                    standard=form.cleaned_data["standard"],
                    questions=form.questions(),
                )
            except ValidationError as exc:
                apply_validation_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Draft saved."))
                return redirect(questionnaire)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "feedback/followups/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "form": form,
            "can_edit": _quality(request),
            "preview": AnswerForm(questionnaire=questionnaire, staff=False),
        },
    )


@staff_required
@require_POST
def questionnaire_new_version(request, pk: int):
    """Draft the next version from this one."""
    questionnaire = selectors.questionnaire_get(pk=pk)
    draft = services.questionnaire_new_version(
        actor=request.user, questionnaire=questionnaire
    )
    messages.success(request, _("Draft version %(n)s created.") % {"n": draft.version})
    return redirect(draft)


@staff_required
@require_POST
def questionnaire_activate(request, pk: int):
    """Make a draft the active version (the one before retires)."""
    questionnaire = selectors.questionnaire_get(pk=pk)
    try:
        services.questionnaire_activate(actor=request.user, questionnaire=questionnaire)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Version %(n)s is active.") % {"n": questionnaire.version}
        )
    return redirect(questionnaire)
