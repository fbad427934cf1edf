"""Staff pages of the voice loop (mounted at /feedback/): feedback items with their answer,
triage, no-action and cite forms; quality notices with acknowledgement per unit and
improvement actions; the QA re-call worklist and findings. Every state change is a POST
to a service, then a redirect (post/redirect/get)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales import permissions
from aftersales.exceptions import DomainError
from aftersales.forms import apply_validation_errors
from aftersales.views import staff_required
from customers import selectors as archive_selectors
from feedback.models import QaRecall
from feedback.voice import selectors, services
from feedback.voice.filters import (
    FeedbackItemFilterSet,
    ImprovementActionFilterSet,
    QaRecallFilterSet,
    QualityNoticeFilterSet,
)
from feedback.voice.forms import (
    CiteForm,
    CloseNoteForm,
    FeedbackItemForm,
    ImprovementActionForm,
    QaRecallForm,
    ReasonForm,
    ReplyForm,
    TriageForm,
)
from tickets.cases import selectors as ticket_selectors

PAGE_SIZE = 25


def _errors(exc: ValidationError) -> str:
    return " ".join(m for ms in exc.message_dict.values() for m in ms)


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- Feedback items ----------------------------------------------------------------------


@staff_required
def feedback_item_list(request):
    """Feedback items I may see, filtered by status, source, customer, overdue."""
    items = selectors.feedback_item_list(user=request.user, q=request.GET.get("q", ""))
    filterset = FeedbackItemFilterSet(request.GET or None, queryset=items)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/voice/feedback_item_list.html",
        {
            "page": page,
            "filter": filterset,
            "q": request.GET.get("q", ""),
            "query": _query_without_page(request),
            "today": timezone.localdate(),
            "is_qa": services.may_do_qa(request.user),
        },
    )


@staff_required
def feedback_item_create(request):
    """Record a suggestion or comment (from a customer's archive or case: `?customer=`,
    `?ticket=<number>`)."""
    customer = ticket = None
    if request.GET.get("ticket"):
        ticket = ticket_selectors.ticket_get(
            user=request.user, number=request.GET["ticket"]
        )
        customer = ticket.customer
    elif request.GET.get("customer", "").isdigit():
        customer = archive_selectors.customer_get(
            user=request.user, pk=int(request.GET["customer"])
        )
    form = FeedbackItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.feedback_item_create(
                actor=request.user,
                customer=customer,
                ticket=ticket,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Feedback recorded."))
            return redirect(item)
    return render(
        request,
        "feedback/voice/feedback_item_form.html",
        {"form": form, "customer": customer, "ticket": ticket},
    )


def _item_page(request, item, **forms):
    context = {
        "item": item,
        "today": timezone.localdate(),
        "triage_form": TriageForm(initial={"topic_codes": ", ".join(item.topic_codes)}),
        "reply_form": ReplyForm(),
        "actioned_form": ReplyForm(prefix="actioned"),
        "reason_form": ReasonForm(),
        "cite_form": CiteForm(change_requests=selectors.change_requests_open()),
    }
    context.update(forms)
    return render(request, "feedback/voice/feedback_item_detail.html", context)


@staff_required
def feedback_item_detail(request, pk: int):
    """The item, its answer or the forms to answer, triage, close or cite it."""
    item = selectors.feedback_item_get(user=request.user, pk=pk)
    return _item_page(request, item)


ITEM_ACTIONS = {
    # action: (form class, form prefix, context name, service call)
    "triage": (
        TriageForm,
        None,
        "triage_form",
        lambda item, user, data: services.feedback_item_triage(
            item=item, actor=user, topic_codes=data["topic_codes"]
        ),
    ),
    "answer": (
        ReplyForm,
        None,
        "reply_form",
        lambda item, user, data: services.feedback_item_answer(
            item=item, actor=user, reply=data["reply"]
        ),
    ),
    "actioned": (
        ReplyForm,
        "actioned",
        "actioned_form",
        lambda item, user, data: services.feedback_item_mark_actioned(
            item=item, actor=user, reply=data["reply"]
        ),
    ),
    "no-action": (
        ReasonForm,
        None,
        "reason_form",
        lambda item, user, data: services.feedback_item_no_action(
            item=item, actor=user, reason=data["reason"]
        ),
    ),
}


@staff_required
@require_POST
def feedback_item_action(request, pk: int, action: str):
    """Triage, answer, mark actioned or close without action (form errors re-render the
    page; a state that forbids it shows a message)."""
    item = selectors.feedback_item_get(user=request.user, pk=pk)
    form_class, prefix, name, call = ITEM_ACTIONS[action]
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            call(item, request.user, form.cleaned_data)
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect(item)
        else:
            messages.success(request, _("Done."))
            return redirect(item)
    return _item_page(request, item, **{name: form})


@staff_required
@require_POST
def feedback_item_cite(request, pk: int):
    """Cite the item in an open change request."""
    item = selectors.feedback_item_get(user=request.user, pk=pk)
    form = CiteForm(request.POST, change_requests=selectors.change_requests_open())
    if form.is_valid():
        try:
            services.feedback_item_cite(
                item=item,
                change_request=form.cleaned_data["change_request"],
                actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Cited in the change request."))
        return redirect(item)
    return _item_page(request, item, cite_form=form)


# --- Quality notices ---------------------------------------------------------------------


@staff_required
def quality_notice_list(request):
    """Monthly quality notices, filtered by model, month, addressed unit, acknowledged."""
    notices = selectors.quality_notice_list(user=request.user)
    filterset = QualityNoticeFilterSet(request.GET or None, queryset=notices)
    page = Paginator(filterset.qs.distinct(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "feedback/voice/quality_notice_list.html",
        {
            "page": page,
            "filter": filterset,
            "query": _query_without_page(request),
            "is_qa": services.may_do_qa(request.user),
        },
    )


def _notice_page(request, notice, form=None):
    units = selectors.notice_units_for(user=request.user, notice=notice)
    if form is None:
        form = ImprovementActionForm(
            units=units,
            fault_codes=[fault["code"] for fault in notice.top_faults],
            initial={"unit": units.first()},
        )
    return render(
        request,
        "feedback/voice/quality_notice_detail.html",
        {
            "notice": notice,
            "my_units": selectors.user_unit_ids(user=request.user),
            "action_form": form,
            "can_answer": units.exists(),
        },
    )


@staff_required
def quality_notice_detail(request, pk: int):
    """The notice: numbers, examples, acknowledgement per unit, improvement actions."""
    notice = selectors.quality_notice_get(user=request.user, pk=pk)
    return _notice_page(request, notice)


@staff_required
@require_POST
def quality_notice_acknowledge(request, pk: int, recipient_pk: int):
    """A member of the addressed unit acknowledges the notice for the unit."""
    notice = selectors.quality_notice_get(user=request.user, pk=pk)
    recipient = selectors.recipient_get(
        user=request.user, notice=notice, pk=recipient_pk
    )
    try:
        services.quality_notice_acknowledge(recipient=recipient, actor=request.user)
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        messages.success(
            request, _("Acknowledged for %(unit)s.") % {"unit": recipient.unit}
        )
    return redirect(notice)


@staff_required
@require_POST
def improvement_action_create(request, pk: int):
    """An addressed unit answers the notice with an improvement action."""
    notice = selectors.quality_notice_get(user=request.user, pk=pk)
    form = ImprovementActionForm(
        request.POST,
        units=selectors.notice_units_for(user=request.user, notice=notice),
        fault_codes=[fault["code"] for fault in notice.top_faults],
    )
    if form.is_valid():
        try:
            services.improvement_action_create(
                notice=notice, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Improvement action recorded."))
            return redirect(notice)
    return _notice_page(request, notice, form=form)


@staff_required
@require_POST
def improvement_action_step(request, pk: int, step: str):
    """Report an action done, or verify it by re-measuring the fault rate."""
    action = selectors.improvement_action_get(user=request.user, pk=pk)
    try:
        if step == "done":
            services.improvement_action_mark_done(action=action, actor=request.user)
            messages.success(request, _("Reported done."))
        else:
            action = services.improvement_action_verify(
                action=action, actor=request.user
            )
            if action.status == action.Status.VERIFIED:
                messages.success(request, _("Verified: the fault rate dropped."))
            else:
                messages.warning(
                    request, _("The fault rate did not drop: the action is open again.")
                )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    return redirect(action)


@staff_required
def improvement_action_list(request):
    """Every improvement action (answers to quality notices and to KPI breaches), filtered
    by status, unit, owner, KPI and what it answers; the soonest due first."""
    actions = selectors.improvement_action_list(user=request.user)
    filterset = ImprovementActionFilterSet(request.GET or None, queryset=actions)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/voice/improvement_action_list.html",
        {
            "page": page,
            "filter": filterset,
            "query": _query_without_page(request),
            "is_qa": services.may_do_qa(request.user),
        },
    )


@staff_required
def improvement_action_detail(request, pk: int):
    """An improvement action; a KPI breach's action with the close form (quality)."""
    action = selectors.improvement_action_get(user=request.user, pk=pk)
    form = CloseNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.improvement_action_close(
                action=action, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        except (DomainError, PermissionDenied) as exc:
            form.add_error(None, str(exc) or _("You may not do this."))
        else:
            messages.success(request, _("The action is closed."))
            return redirect(action)
    return render(
        request,
        "feedback/voice/improvement_action_detail.html",
        {
            "action": action,
            "close_form": form,
            "may_close": permissions.can_review_quality(request.user)
            and bool(action.kpi_key)
            and action.status in ("open", "done"),
            "is_qa": services.may_do_qa(request.user),
        },
        status=400 if form.errors else 200,
    )


# --- QA re-calls -------------------------------------------------------------------------


def _require_qa(request) -> None:
    if not services.may_do_qa(request.user):
        raise PermissionDenied


@staff_required
def qa_recall_list(request):
    """The QA worklist: re-calls to make (then recorded ones)."""
    _require_qa(request)
    recalls = selectors.qa_recall_list(user=request.user)
    data = request.GET.copy() if request.GET else {"status": QaRecall.Status.OPEN}
    filterset = QaRecallFilterSet(data, queryset=recalls)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/voice/qa_recall_list.html",
        {
            "page": page,
            "filter": filterset,
            "query": _query_without_page(request),
            "is_qa": True,
        },
    )


@staff_required
def qa_recall_detail(request, pk: int):
    """One re-call: the recorded answer beside QA's form (POST records it)."""
    _require_qa(request)
    recall = selectors.qa_recall_get(user=request.user, pk=pk)
    form = QaRecallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.qa_recall_record(
                recall=recall, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        except (DomainError, PermissionDenied) as exc:
            form.add_error(None, str(exc) or _("You may not do this."))
        else:
            messages.success(request, _("Re-call recorded."))
            return redirect(reverse("feedback:qa-recall-list"))
    return render(
        request,
        "feedback/voice/qa_recall_detail.html",
        {"recall": recall, "followup": recall.followup, "form": form},
    )


@staff_required
def qa_finding_list(request):
    """QA findings: all for QA, those of my agents for supervisors, mine for agents."""
    findings = selectors.qa_finding_list(user=request.user)
    page = Paginator(findings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/voice/qa_finding_list.html",
        {"page": page, "is_qa": services.may_do_qa(request.user)},
    )
