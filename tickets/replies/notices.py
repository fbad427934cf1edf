"""The texts of the messages a customer is sent at each step of their case (issue #13):
the built-in text of each event in every language, which the quality manager may replace
per event and language (`MessageTemplate`), with placeholders checked against the
event's own list (aftersales.placeholders) and a preview filled from sample values."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales import permissions
from aftersales.models import User
from aftersales.placeholders import fill, placeholder_error
from tickets.models import MessageTemplate

# Every message may name the case, the customer and the tracking link.
COMMON = ("number", "customer_name", "url")


@dataclass(frozen=True)
class Notice:
    """One event the customer is told about."""

    event: str
    label: Promise
    when: Promise
    extra: tuple[str, ...]
    subject: Promise
    body: Promise

    @property
    def placeholders(self) -> tuple[str, ...]:
        return COMMON + self.extra


NOTICES = {
    notice.event: notice
    for notice in [
        Notice(
            "received",
            gettext_lazy("Case received"),
            gettext_lazy("A case opened by staff (on the phone, at the counter, from an "
                         "e-mail)."),
            ("title", "next_step"),
            gettext_lazy("Your case {number} was received"),
            gettext_lazy("We have received your case {number} ({title}). {next_step} "
                         "Follow it and reply here: {url} (keep this link private)."),
        ),
        Notice(
            "visit_booked",
            gettext_lazy("Visit booked"),
            gettext_lazy("A technician's visit is booked."),
            ("window",),
            gettext_lazy("Your visit for case {number} is booked"),
            gettext_lazy("A technician visits you on {window} for your case {number}. "
                         "Details: {url}"),
        ),
        Notice(
            "visit_reminder",
            gettext_lazy("Visit reminder"),
            gettext_lazy("The day before a booked visit."),
            ("window",),
            gettext_lazy("Reminder: your visit tomorrow (case {number})"),
            gettext_lazy("Reminder: a technician visits you tomorrow, {window}, for your "
                         "case {number}. Details: {url}"),
        ),
        Notice(
            "workshop",
            gettext_lazy("Handed to a workshop"),
            gettext_lazy("A repair workshop accepts the case from another team."),
            ("workshop",),
            gettext_lazy("Your case {number} is with our workshop"),
            gettext_lazy("Your case {number} is now with our repair workshop "
                         "({workshop}); it keeps you informed. Follow it here: {url}"),
        ),
        Notice(
            "parts",
            gettext_lazy("Waiting for parts"),
            gettext_lazy("The case waits for parts."),
            (),
            gettext_lazy("Your case {number} waits for parts"),
            gettext_lazy("Your case {number} waits for parts; we continue as soon as "
                         "they arrive. Follow it here: {url}"),
        ),
        Notice(
            "resolved",
            gettext_lazy("Resolved"),
            gettext_lazy("The case is resolved."),
            ("resolution", "owed", "follow_up"),
            gettext_lazy("Your case {number} is resolved"),
            gettext_lazy("Your case {number} is resolved. {resolution} {owed} "
                         "{follow_up} Details: {url}"),
        ),
        Notice(
            "reply",
            gettext_lazy("Reply from staff"),
            gettext_lazy("Staff add a note meant for the customer."),
            ("text",),
            gettext_lazy("A reply on your case {number}"),
            gettext_lazy("A reply on your case {number}: {text} Answer it here: {url}"),
        ),
        Notice(
            "reopened",
            gettext_lazy("Reopened"),
            gettext_lazy("The case is opened again."),
            (),
            gettext_lazy("Your case {number} is open again"),
            gettext_lazy("Your case {number} is open again and back with its first "
                         "owner; we will get back to you. Follow it here: {url}"),
        ),
    ]
}  # fmt: skip

# What a preview fills in (one sample per placeholder).
SAMPLES = {
    "number": "T20261208-00042",
    "customer_name": gettext_lazy("Wang Fang"),
    "url": "https://service.example.com/portal/track/…",
    "title": gettext_lazy("Washing machine leaks"),
    "next_step": gettext_lazy("We will contact you by 2026-12-08 14:00."),
    "window": "2026-12-09 09:00–11:00",
    "workshop": gettext_lazy("Shanghai workshop"),
    "resolution": gettext_lazy("The drain pump was replaced."),
    "owed": gettext_lazy("What we owe you: Transport 50.00."),
    "follow_up": gettext_lazy("We will call you soon to ask how we did."),
    "text": gettext_lazy("The technician brings the new pump tomorrow."),
}


def notice_get(event: str) -> Notice:
    """The event (ValidationError for an unknown one)."""
    if event not in NOTICES:
        raise ValidationError({"event": [_("Unknown message.")]})
    return NOTICES[event]


def notice_template(*, event: str, language: str) -> MessageTemplate | None:
    """The quality manager's text of the event in the language, if any."""
    return MessageTemplate.objects.filter(event=event, language=language).first()


def notice_default(*, event: str, language: str) -> tuple[str, str]:
    """The built-in subject and text of the event in the language."""
    notice = notice_get(event)
    with translation.override(language):
        return str(notice.subject), str(notice.body)


def _tidy(text: str) -> str:
    # an empty placeholder leaves no double space or blank line behind
    return "\n".join(
        re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.split("\n")
    )


def notice_text(*, event: str, language: str, values: dict) -> tuple[str, str]:
    """Subject and text of the event in the language, filled with `values` (every
    placeholder of the event; missing ones are empty)."""
    notice = notice_get(event)
    template = notice_template(event=event, language=language)
    subject, body = (
        (template.subject, template.body)
        if template is not None
        else notice_default(event=event, language=language)
    )
    filled = {name: str(values.get(name, "") or "") for name in notice.placeholders}
    return _tidy(fill(subject, filled)), _tidy(fill(body, filled)).strip()


def notice_check(*, event: str, subject: str, body: str) -> None:
    """ValidationError per field naming a placeholder the event does not have (or a
    stray brace), or an empty field."""
    notice = notice_get(event)
    errors: dict[str, list] = {}
    for field, text in (("subject", subject), ("body", body)):
        if not text.strip():
            errors[field] = [_("This field is required.")]
        elif error := placeholder_error(text, notice.placeholders):
            errors[field] = [error]
    if "\n" in subject or "\r" in subject:
        errors.setdefault("subject", []).append(_("The subject is one line."))
    if errors:
        raise ValidationError(errors)


def notice_preview(*, event: str, language: str, subject: str, body: str):
    """Subject and text as a customer would read them, filled from sample values."""
    notice_check(event=event, subject=subject, body=body)
    notice = notice_get(event)
    with translation.override(language):
        values = {name: str(SAMPLES.get(name, "")) for name in notice.placeholders}
    return _tidy(fill(subject, values)), _tidy(fill(body, values)).strip()


def _require_editor(actor: User) -> None:
    if not permissions.can_edit_customer_messages(actor):
        raise PermissionDenied(
            _("Only a quality manager edits the messages customers are sent.")
        )


@transaction.atomic
def notice_save(
    *, actor: User, event: str, language: str, subject: str, body: str
) -> MessageTemplate:
    """Replace the event's text in the language (placeholders checked)."""
    _require_editor(actor)
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Unknown language.")]})
    subject, body = " ".join(subject.split()), body.strip()
    notice_check(event=event, subject=subject, body=body)
    template, _created = MessageTemplate.objects.update_or_create(
        event=event,
        language=language,
        defaults={"subject": subject, "body": body, "updated_by": actor},
    )
    return template


@transaction.atomic
def notice_reset(*, actor: User, event: str, language: str) -> None:
    """Go back to the built-in text of the event in the language."""
    _require_editor(actor)
    notice_get(event)
    MessageTemplate.objects.filter(event=event, language=language).delete()


def notice_table() -> list[dict]:
    """Every event with, per language, whether the quality manager replaced its text."""
    replaced = set(MessageTemplate.objects.values_list("event", "language"))
    return [
        {
            "notice": notice,
            "languages": [
                {"code": code, "name": name, "replaced": (event, code) in replaced}
                for code, name in settings.LANGUAGES
            ],
        }
        for event, notice in NOTICES.items()
    ]
