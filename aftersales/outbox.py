"""Where outgoing e-mail and SMS physically leave the system (the outside world's boundary).

On the embedded default every message is written to var/outbox/ as one file, so a developer
(or a test) can read one-time codes there. In tests SMS go to an in-memory list.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django.utils.module_loading import import_string


def header_value(text: object, *, limit: int = 200) -> str:
    """`text` fit for one mail header (a subject, an address): every run of white space,
    line breaks included, becomes one space (a CR or LF in a header is refused by the
    mail library, so a case title with one would make its message undeliverable
    forever), cut to `limit` characters."""
    return " ".join(str(text).split())[:limit]


def _outbox_file(suffix: str) -> Path:
    folder = Path(settings.OUTBOX_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    return folder / f"{stamp}-{uuid.uuid4().hex[:8]}.{suffix}"


class OutboxEmailBackend(BaseEmailBackend):
    """Django e-mail backend that writes each message to its own .eml file in OUTBOX_DIR."""

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            _outbox_file("eml").write_bytes(message.message().as_bytes())
            sent += 1
        return sent


class BaseSmsBackend:
    """An SMS gateway. A real gateway subclasses this and raises on failure."""

    def send(self, *, to: str, body: str) -> None:
        raise NotImplementedError


class OutboxSmsBackend(BaseSmsBackend):
    """Writes each SMS to its own .sms.txt file in OUTBOX_DIR."""

    def send(self, *, to: str, body: str) -> None:
        _outbox_file("sms.txt").write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps SMS in `LocmemSmsBackend.sent` (tests)."""

    sent: list[dict[str, str]] = []

    def send(self, *, to: str, body: str) -> None:
        LocmemSmsBackend.sent.append({"to": to, "body": body})


def send_sms(*, to: str, body: str) -> None:
    """Send one SMS through the configured gateway (settings.SMS_BACKEND)."""
    import_string(settings.SMS_BACKEND)().send(to=to, body=body)
