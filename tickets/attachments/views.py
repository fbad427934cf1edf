"""Staff pages of the tickets app: attachments. Files are uploaded from the case page and
downloaded only through a view that checks who may see the case; they are never served
from a public path."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from aftersales.forms import form_errors_message
from aftersales.views import staff_required
from tickets.action_forms import action_form_response
from tickets.attachments import selectors as attachment_selectors
from tickets.attachments import services
from tickets.attachments.forms import AttachmentForm
from tickets.cases import selectors
from tickets.models import Attachment

__all__ = [
    "attachment_download_view",
    "attachment_file_response",
    "attachment_upload_form_view",
    "attachment_upload_view",
]

# Extensions a download may keep from the uploader's name, per detected type.
KNOWN_SUFFIXES = {
    "image/jpeg": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "text/plain": {".txt", ".text", ".log", ".csv"},
}


def panel_context(request, ticket) -> dict:
    """Context of this concern's panel on the case page: the files (the upload form is
    loaded on demand, `attachment_upload_form_view`)."""
    return {"attachments": attachment_selectors.attachment_list(ticket=ticket)}


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def attachment_upload_form_view(request, number: str):
    """The upload form of a case the user may see: the fragment for htmx, else the form
    as a page of its own (where the case page's button leads without JavaScript)."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    partial = "tickets/_attachments_panel.html#attachment-form"
    return action_form_response(
        request,
        ticket,
        partial,
        _("Attach"),
        {
            "attachment_form": AttachmentForm(),
            "attachment_max_mb": f"{services.attachment_max_bytes() / 1024 / 1024:g}",
        },
    )


def _download_name(attachment: Attachment) -> str:
    """The uploader's name, with the extension of the detected type when it had another
    one (a PNG called photo.pdf downloads as photo.pdf.png)."""
    name = attachment.original_name
    suffix = services.ATTACHMENT_TYPES.get(attachment.content_type, "")
    allowed = KNOWN_SUFFIXES.get(attachment.content_type, {suffix})
    if PurePosixPath(name).suffix.lower() in allowed:
        return name
    return f"{name}{suffix}"


# Shown inline where the page asks for it (the portal's photos); everything else is a
# download.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def attachment_file_response(
    attachment: Attachment, *, inline: bool = False
) -> FileResponse:
    """The file as a download (`Content-Disposition: attachment`), or, with `inline`, a
    photo shown in the page; the stored (sniffed) content type, `nosniff`, a sandboxing
    CSP and never stored by any cache (`private, no-store`: customers' files on shared
    computers). The caller has checked who may have it (staff page, API, or portal)."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = attachment.content_type
    if content_type == "text/plain":
        content_type = "text/plain; charset=utf-8"
    response = FileResponse(
        handle,
        as_attachment=not (inline and content_type in INLINE_TYPES),
        filename=_download_name(attachment),
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_POST
def attachment_upload_view(request, number: str):
    """Attach a file to the case (type checked by content, size limited)."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                ticket=ticket,
                actor=request.user,
                file=form.cleaned_data["file"],
                public=form.cleaned_data["public"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("File attached."))
    else:
        form_errors_message(request, form)
    return redirect(ticket)


@staff_required
@require_GET
def attachment_download_view(request, number: str, pk: int):
    """Download a file of a case the user may see (404 otherwise)."""
    ticket = selectors.ticket_get(user=request.user, number=number)
    return attachment_file_response(
        attachment_selectors.attachment_get(user=request.user, pk=pk, ticket=ticket)
    )
