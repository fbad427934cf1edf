"""Staff pages of the care programmes (quality managers, managers, supervisors): the list,
create and edit, the programme page with the preview (htmx) and the run history, "send
now" with a confirmation step, and the touches with their skip reasons."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aftersales import permissions
from aftersales.exceptions import DomainError
from aftersales.forms import apply_validation_errors
from aftersales.views import staff_required
from feedback.care import selectors, services
from feedback.care.filters import CareProgrammeFilterSet, CareTouchFilterSet
from feedback.care.forms import CareProgrammeForm, RunConfirmForm
from feedback.models import CareTouch

PAGE_SIZE = 50


def care_manager_required(view):
    """Staff with a role that manages care programmes; others get 403."""

    @staff_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not permissions.can_manage_care(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@care_manager_required
def programme_list(request):
    """Every programme, by kind and state."""
    filterset = CareProgrammeFilterSet(
        request.GET, queryset=selectors.care_programme_list()
    )
    return render(
        request,
        "feedback/care/programme_list.html",
        {"programmes": filterset.qs, "filter": filterset},
    )


@care_manager_required
def programme_create(request):
    """A new programme."""
    form = CareProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.care_programme_create(
                actor=request.user, **form.service_data()
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Programme saved."))
            return redirect(programme)
    return render(request, "feedback/care/programme_form.html", {"form": form})


@care_manager_required
def programme_edit(request, pk: int):
    """Change a programme."""
    programme = selectors.care_programme_get(pk=pk)
    form = CareProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.care_programme_update(
                actor=request.user, programme=programme, **form.service_data()
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Programme saved."))
            return redirect(programme)
    return render(
        request,
        "feedback/care/programme_form.html",
        {"form": form, "programme": programme},
    )


@care_manager_required
def programme_detail(request, pk: int):
    """The programme: criteria, messages, preview button, send now, run history."""
    programme = selectors.care_programme_get(pk=pk)
    counts = selectors.care_touch_counts(programme=programme)
    return render(
        request,
        "feedback/care/programme_detail.html",
        {
            "programme": programme,
            "runs": selectors.care_run_list(programme=programme)[:20],
            "counts": counts,
            "skip_counts": [
                (reason, label, counts[reason])
                for reason, label in CareTouch.SkipReason.choices
                if counts.get(reason)
            ],
        },
    )


@require_GET
@care_manager_required
def programme_preview(request, pk: int):
    """The preview fragment (htmx): audience, how many get a message, skips by reason."""
    programme = selectors.care_programme_get(pk=pk)
    return render(
        request,
        "feedback/care/programme_detail.html#preview",
        {"programme": programme, "preview": _preview_rows(programme)},
    )


def _preview_rows(programme) -> dict:
    preview = services.care_preview(programme)
    labels = dict(CareTouch.SkipReason.choices)
    preview["skipped"] = sum(preview["will_skip"].values())
    preview["skip_rows"] = [
        (reason, labels[reason], n) for reason, n in preview["will_skip"].items()
    ]
    return preview


@care_manager_required
def programme_run(request, pk: int):
    """Send now: GET shows the preview and asks for confirmation; POST runs."""
    programme = selectors.care_programme_get(pk=pk)
    form = RunConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.care_run(actor=request.user, programme=programme)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Sent: %(sent)d message(s), %(calls)d call(s) scheduled, "
                    "%(skipped)d skipped."
                )
                % {"sent": run.sent, "calls": run.calls, "skipped": run.skipped},
            )
            return redirect(programme)
    return render(
        request,
        "feedback/care/programme_run.html",
        {"programme": programme, "form": form, "preview": _preview_rows(programme)},
    )


@care_manager_required
def touch_list(request, pk: int):
    """A programme's touches (customers reached, calls, skips), filterable by status,
    reason and channel."""
    programme = selectors.care_programme_get(pk=pk)
    data = request.GET.copy()
    data["programme"] = str(programme.pk)
    data.pop("customer", None)
    filterset = CareTouchFilterSet(
        data, queryset=selectors.care_touch_list(user=request.user)
    )
    touches = filterset.qs if filterset.is_valid() else CareTouch.objects.none()
    page = Paginator(touches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/care/touch_list.html",
        {
            "programme": programme,
            "page": page,
            "status": request.GET.get("status", ""),
            "reason": request.GET.get("reason", ""),
            "channel": request.GET.get("channel", ""),
            "statuses": CareTouch.Status.choices,
            "reasons": CareTouch.SkipReason.choices,
            "channels": programme.Channel.choices,
        },
    )
