"""Pages of canned replies (`/tickets/replies/`): the replies I may use, and keeping
them (supervisors for their teams, quality managers and managers for all)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from aftersales.forms import apply_validation_errors
from aftersales.views import staff_required
from tickets.replies import selectors, services
from tickets.replies.forms import ReplyForm

__all__ = ["reply_edit_view", "reply_list_view"]


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
