"""Pages of canned replies (`/tickets/replies/`): the replies I may use, and keeping
them (supervisors for their teams, quality managers and managers for all); and of the
messages customers are sent at each step (`/tickets/messages/`, quality managers)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from aftersales import permissions
from aftersales.forms import apply_validation_errors
from aftersales.views import staff_required
from tickets.replies import notices, selectors, services
from tickets.replies.forms import NoticeForm, ReplyForm

__all__ = [
    "notice_edit_view",
    "notice_list_view",
    "reply_edit_view",
    "reply_list_view",
]


@staff_required
def reply_list_view(request):
    """The replies I may use; those I keep link to their form."""
    usable = list(selectors.reply_list_usable(user=request.user))
    manageable = selectors.reply_list_manageable(user=request.user)
    return render(
        request,
        "tickets/reply_list.html",
        {
            "replies": usable,
            "kept": list(manageable),
            "may_add": selectors.reply_units(user=request.user).exists()
            or services.reply_may_manage(actor=request.user, unit=None),
        },
    )


@staff_required
def reply_edit_view(request, pk: int | None = None):
    """A new canned reply, or one I keep (404 for any other)."""
    reply = None
    if pk is not None:
        reply = get_object_or_404(
            selectors.reply_list_manageable(user=request.user), pk=pk
        )
    initial = (
        {"title": reply.title, "body": reply.body, "language": reply.language,
         "unit": reply.unit, "active": reply.active}
        if reply is not None
        else {"language": request.LANGUAGE_CODE}
    )  # fmt: skip
    form = ReplyForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.reply_save(
                actor=request.user, reply=reply, **form.cleaned_data
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Reply “%(title)s” saved.") % {"title": saved})
            return redirect("tickets:reply-list")
    return render(request, "tickets/reply_form.html", {"form": form, "reply": reply})


def _require_message_editor(request) -> None:
    if not permissions.can_edit_customer_messages(request.user):
        raise PermissionDenied


@staff_required
def notice_list_view(request):
    """Every message customers are sent, with the languages whose text was replaced."""
    _require_message_editor(request)
    return render(request, "tickets/notice_list.html", {"rows": notices.notice_table()})


@staff_required
def notice_edit_view(request, event: str, language: str):
    """One message in one language: its text (the built-in one until replaced), a
    preview filled with sample values, save, or back to the built-in text."""
    _require_message_editor(request)
    if event not in notices.NOTICES or language not in dict(settings.LANGUAGES):
        raise Http404
    notice = notices.NOTICES[event]
    template = notices.notice_template(event=event, language=language)
    subject, body = (
        (template.subject, template.body)
        if template is not None
        else notices.notice_default(event=event, language=language)
    )
    form = NoticeForm(
        request.POST or None,
        initial={"subject": subject, "body": body},
        placeholders=notice.placeholders,
    )
    preview = None
    if request.method == "POST" and "reset" in request.POST:
        notices.notice_reset(actor=request.user, event=event, language=language)
        messages.success(request, _("The built-in text is used again."))
        return redirect("tickets:notice-edit", event=event, language=language)
    if request.method == "POST" and form.is_valid():
        try:
            if "preview" in request.POST:
                preview = notices.notice_preview(
                    event=event, language=language, **form.cleaned_data
                )
            else:
                notices.notice_save(
                    actor=request.user, event=event, language=language,
                    **form.cleaned_data,
                )  # fmt: skip
                messages.success(request, _("Message saved."))
                return redirect("tickets:notice-list")
        except ValidationError as exc:
            apply_validation_errors(form, exc)
    return render(
        request,
        "tickets/notice_form.html",
        {
            "form": form,
            "notice": notice,
            "language_name": dict(settings.LANGUAGES)[language],
            "replaced": template is not None,
            "preview": preview,
        },
    )
