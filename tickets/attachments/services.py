"""Tickets services: attachments (domain §6). Files on a case are checked by their content
(magic bytes, not the name), kept under a random name in the private media tree (never
served publicly) and handed out only through permission-checked views. The reads the pages,
the API and the customer portal use are here too."""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import unicodedata
import uuid
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, ImageSequence

from aftersales.models import User
from aftersales.services import notify
from customers.models import Customer
from customers.services import ATTACHMENT_PROVIDERS
from tickets.events import ticket_event_record
from tickets.models import Attachment, Ticket, TicketEvent

__all__ = [
    "ATTACHMENT_TYPES",
    "attachment_add",
    "attachment_export_files",
    "attachment_max_bytes",
    "attachment_register_export",
    "attachment_sniff",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # 10 MiB unless settings say otherwise
SNIFF_BYTES = 2048

# What may be attached, by detected type, and the extension the stored file gets.
ATTACHMENT_TYPES: dict[str, str] = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "video/mp4": ".mp4",
}
# ISO base-media brands of MP4 files (QuickTime `qt  ` and HEIF `heic`/`mif1` are not MP4).
MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42",
     b"avc1", b"M4V ", b"M4VH", b"M4VP", b"dash", b"mmp4", b"MSNV", b"f4v "}
)  # fmt: skip
# Markup a browser would render (HTML, SVG, XML): never accepted as "plain text", so a file
# cannot smuggle a page under a .txt or .jpg name (the WHATWG sniffing tags and a few more).
MARKUP = re.compile(
    r"<(?:!doctype|!--|\?xml|(?:html|head|script|iframe|h1|div|font|table|a|style|"
    r"title|b|body|br|p|svg|img|object|embed|meta|link|form|input|math|base)"
    r"(?=[\s/>]))",
    re.IGNORECASE,
)
TEXT_CONTROLS_ALLOWED = frozenset("\t\n\r\f")
UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
# Images are decoded and written again (no EXIF, GPS, comments or other metadata kept);
# one larger than this many pixels is refused before it is decoded (a 30,000 × 30,000
# PNG of a few kilobytes would take gigabytes to show).
DEFAULT_MAX_PIXELS = 40_000_000
IMAGE_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
}


def attachment_max_bytes() -> int:
    """The largest file accepted (settings.AFTERSALES_ATTACHMENT_MAX_BYTES, else 10 MiB)."""
    return int(getattr(settings, "AFTERSALES_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _is_plain_text(head: bytes) -> bool:
    """UTF-8 text without NULs, control characters, a shebang or renderable markup."""
    if not head or b"\x00" in head:
        return False
    try:
        # An incremental decoder tolerates a character cut at the end of the sample.
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    if text.startswith("#!"):
        return False  # a script, not a note
    if any(ord(c) < 32 and c not in TEXT_CONTROLS_ALLOWED or c == "\x7f" for c in text):
        return False
    return MARKUP.search(text) is None


def attachment_sniff(head: bytes) -> str | None:
    """The content type of a file from its first bytes, or None when it is not one of
    ATTACHMENT_TYPES. The file's name is never consulted."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return "video/mp4"
    if _is_plain_text(head):
        return "text/plain"
    return None


def attachment_max_pixels() -> int:
    """The largest image accepted, in pixels (settings.AFTERSALES_IMAGE_MAX_PIXELS)."""
    return int(getattr(settings, "AFTERSALES_IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def _clean_name(name: str | None) -> str:
    """The name as the uploader called it, safe to show and to put in a header: no path,
    no control or reserved characters, no invisible formatting characters (the bidi
    overrides that show "photo‮gpj.exe" as "photoexe.jpg"), NFC, at most 255 characters
    (extension kept)."""
    raw = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    raw = "".join(c for c in unicodedata.normalize("NFC", raw)
                  if unicodedata.category(c) != "Cf")  # fmt: skip
    cleaned = UNSAFE_NAME_CHARS.sub("_", raw)
    cleaned = " ".join(cleaned.split()).strip(" .")
    if not cleaned:
        return "file"
    if len(cleaned) > 255:
        suffix = PurePosixPath(cleaned).suffix[:16]
        cleaned = cleaned[: 255 - len(suffix)] + suffix
    return cleaned


def _inspect(file: File, max_bytes: int) -> tuple[str, int, str]:
    """Content type, size and SHA-256 of the upload; ValidationError on `file` when it
    is empty, too large or of a type not accepted."""
    too_big = ValidationError(
        {"file": [_("The file is larger than %(size)s.")
                  % {"size": filesizeformat(max_bytes)}]}
    )  # fmt: skip
    if file.size is not None and file.size > max_bytes:
        raise too_big
    file.seek(0)
    content_type = attachment_sniff(file.read(SNIFF_BYTES))
    if content_type is None:
        raise ValidationError(
            {"file": [_("This type of file is not accepted. Attach a photo (JPEG, PNG, "
                        "WebP, GIF), a PDF, a plain-text file or an MP4 video.")]}
        )  # fmt: skip
    digest, size = hashlib.sha256(), 0
    file.seek(0)
    for chunk in file.chunks():
        size += len(chunk)
        if size > max_bytes:  # the declared size may lie
            raise too_big
        digest.update(chunk)
    if size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    file.seek(0)
    return content_type, size, digest.hexdigest()


def _unreadable_image() -> ValidationError:
    return ValidationError({"file": [_("This image cannot be read.")]})


def _reencoded(file: File, content_type: str) -> File:
    """An image decoded and written again in its own format, without its metadata (EXIF
    with the GPS position, comments, ICC and text chunks), turned upright first (the
    EXIF orientation is part of what is dropped); ValidationError when it is not a
    readable image or has more pixels than allowed."""
    limit = attachment_max_pixels()
    too_large = ValidationError(
        {"file": [_("The image is too large: at most %(mp)s megapixels.")
                  % {"mp": f"{limit / 1_000_000:g}"}]}
    )  # fmt: skip
    file.seek(0)
    try:
        with Image.open(file) as image:
            width, height = image.size
            if width * height > limit:
                raise too_large
            image.load()
            if content_type == "image/gif":
                frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
                first, rest = frames[0], frames[1:]
                options = {"save_all": bool(rest), "append_images": rest,
                           "loop": image.info.get("loop", 0),
                           "duration": image.info.get("duration", 100)}  # fmt: skip
            else:
                first, options = ImageOps.exif_transpose(image), {}
                if content_type == "image/jpeg" and first.mode not in {"RGB", "L"}:
                    first = first.convert("RGB")
                if content_type == "image/jpeg":
                    options = {"quality": 90}
            out = io.BytesIO()
            first.save(out, format=IMAGE_FORMATS[content_type], **options)
    except ValidationError:
        raise
    except Image.DecompressionBombError:  # (Pillow's own guard, at twice its limit)
        raise too_large from None
    except (OSError, ValueError, SyntaxError):
        raise _unreadable_image() from None
    return ContentFile(out.getvalue(), name=getattr(file, "name", None) or "image")


@transaction.atomic
def attachment_add(
    *,
    ticket: Ticket,
    actor: User | None,
    file: IO[bytes] | File,
    public: bool = False,
) -> Attachment:
    """Attach a file to a case.

    `actor` is a staff member who sees the case, the customer (user) of the case, or None
    for a customer without an account whose access the portal has verified. What customers
    attach is always visible to them (`public`). The type is decided by the content (JPEG,
    PNG, WebP, GIF, PDF, plain text, MP4; never SVG, HTML or programs); the file is stored
    under a random name with the extension of that type; its SHA-256 is kept. Records an
    ATTACHMENT event (public when the file is)."""
    if actor is not None:
        if not Ticket.objects.visible_to(actor).filter(pk=ticket.pk).exists():
            raise PermissionDenied(_("You cannot add files to this case."))
        if not actor.is_staff_member:
            public = True
    else:
        public = True
    if file is None:
        raise ValidationError({"file": [_("Choose a file.")]})
    upload = file if isinstance(file, File) else File(file)
    content_type, size, sha256 = _inspect(upload, attachment_max_bytes())
    if content_type in IMAGE_FORMATS:
        upload = _reencoded(upload, content_type)
        content_type, size, sha256 = _inspect(upload, attachment_max_bytes())
    attachment = Attachment(
        ticket=ticket,
        original_name=_clean_name(getattr(file, "name", None)),
        content_type=content_type,
        size=size,
        sha256=sha256,
        public=public,
        uploaded_by=actor,
    )
    attachment.file.save(
        f"{uuid.uuid4().hex}{ATTACHMENT_TYPES[content_type]}", upload, save=False
    )
    try:
        attachment.save()
        ticket_event_record(
            ticket,
            TicketEvent.Type.ATTACHMENT,
            actor,
            data={"attachment": attachment.pk, "name": attachment.original_name,
                  "content_type": content_type, "size": size},
            public=public,
        )  # fmt: skip
        if actor is None or not actor.is_staff_member:
            _tell_staff(ticket, attachment)
    except Exception:
        attachment.file.delete(save=False)  # no file without its row
        raise
    return attachment


def _tell_staff(ticket: Ticket, attachment: Attachment) -> None:
    """A customer's file reaches the handler and the first owner."""
    recipients = {ticket.first_owner, ticket.handler} - {None}
    for person in recipients:
        if person.is_active:
            notify(
                recipient=person,
                kind="attachment_added",
                key=f"attachment:{attachment.pk}:{person.pk}",
                title=_("The customer added a file to %(number)s"),
                title_params={"number": ticket.number},
                body=attachment.original_name,
                url=ticket.get_absolute_url(),
            )


# --- Customer data export (feedback archive's ATTACHMENT_PROVIDERS) --------------------------


def attachment_export_files(customer: Customer) -> Iterable[tuple[str, bytes]]:
    """The files shared with the customer on their cases, for the archive's ZIP export:
    `<case number>/<id>-<name>` and the bytes. Internal files of the staff stay out."""
    files = Attachment.objects.filter(
        ticket__customer=customer, public=True
    ).select_related("ticket")
    for attachment in files.order_by("ticket__number", "pk"):
        try:
            with attachment.file.open("rb") as handle:
                content = handle.read()
        except FileNotFoundError:
            continue
        yield (
            f"{attachment.ticket.number}/{attachment.pk}-{attachment.original_name}",
            content,
        )


def attachment_register_export() -> None:
    """Register the case files with the customer archive's export (idempotent)."""
    if attachment_export_files not in ATTACHMENT_PROVIDERS:
        ATTACHMENT_PROVIDERS.append(attachment_export_files)
