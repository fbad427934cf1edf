"""The service mailbox (issue #13): e-mails from customers become cases or answers on
their case. The mailbox is read over IMAP with TLS (imap-tools, which also parses the
MIME) by a beat job; each e-mail is processed once (its Message-ID):

- auto-replies and bounces (Auto-Submitted, X-Autoreply, Precedence bulk/junk/list,
  delivery reports, MAILER-DAEMON, an empty Return-Path) are recorded and ignored;
- an e-mail naming a case (our thread's Message-ID in In-Reply-To/References, or the
  case number in the subject) from that case's customer is added to the case's timeline
  as the customer's reply and tells its first owner and handler; from anyone else it is
  recorded and not added;
- an e-mail from a known customer (the archive matched by e-mail address) opens a case
  in the intake unit, whose first owner is the unit queue's pick;
- an e-mail from an unknown address is recorded for staff.

Attachments pass the content checks of every upload (tickets.attachments); a refused
one is named on the record, the e-mail is still processed."""

from __future__ import annotations

import hashlib
import logging
import re
import ssl
from email.utils import getaddresses, parseaddr
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from imap_tools import AND, MailBox, MailMessage, MailMessageFlags

from aftersales.models import OutboxMessage
from aftersales.services import job_run, notify
from customers.models import Contact
from portal import selectors as portal_selectors
from portal.models import InboundEmail
from portal.services import MAX_PHOTOS, REPLY_MAX_LENGTH, intake_owner, portal_reply
from tickets.attachments import services as attachments
from tickets.cases.services import ticket_open
from tickets.models import Ticket

logger = logging.getLogger(__name__)

CASE_NUMBER = re.compile(r"\bT\d{8}-\d{5,}\b")
# our Message-IDs: <case.NUMBER@domain> (a case's thread), <outbox.PK@domain> (one e-mail)
THREAD_ID = re.compile(r"<(?:case\.(?P<number>T\d{8}-\d{5,})|outbox\.(?P<outbox>\d+))@")
AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
AUTOMATIC_SENDERS = {"mailer-daemon", "postmaster"}
# A reply's quoted history starts at one of these lines.
QUOTE_STARTS = re.compile(
    r"^(On .+ wrote:|-{2,} ?Original Message ?-{2,}|From: .+|在.+写道：?|发件人：.+)$"
)
POLL_BATCH = 200

Outcome = InboundEmail.Outcome


def _header(message: MailMessage, name: str) -> str:
    return " ".join(message.headers.get(name, ())).strip()


def is_automatic(message: MailMessage) -> bool:
    """An auto-reply, an out-of-office answer or a bounce (RFC 3834, RFC 3464)."""
    auto = _header(message, "auto-submitted").lower()
    if auto and auto != "no":
        return True
    if any(
        name in message.headers
        for name in ("x-autoreply", "x-autorespond", "x-failed-recipients")
    ):
        return True
    if _header(message, "precedence").lower() in AUTOMATIC_PRECEDENCE:
        return True
    if message.obj.get_content_type() == "multipart/report":
        return True
    if _header(message, "return-path") == "<>":
        return True
    local = parseaddr(_header(message, "from"))[1].partition("@")[0].lower()
    return local in AUTOMATIC_SENDERS


def _sender(message: MailMessage) -> str:
    return parseaddr(_header(message, "from"))[1].strip().lower()


def _message_id(message: MailMessage) -> str:
    found = _header(message, "message-id")
    if found:
        return found[:255]
    digest = hashlib.sha256(message.obj.as_bytes()).hexdigest()
    return f"<sha256.{digest}@inbound>"


def _named_case(message: MailMessage) -> Ticket | None:
    """The case an answer belongs to: our thread's or e-mail's Message-ID in its
    In-Reply-To or References, else a case number in its subject."""
    references = f"{_header(message, 'in-reply-to')} {_header(message, 'references')}"
    for match in THREAD_ID.finditer(references):
        number = match["number"]
        if match["outbox"]:
            number = (
                OutboxMessage.objects.filter(pk=int(match["outbox"]))
                .values_list("thread", flat=True)
                .first()
            )
        if number and (ticket := Ticket.objects.filter(number=number).first()):
            return ticket
    for number in CASE_NUMBER.findall(message.subject or ""):
        if ticket := Ticket.objects.filter(number=number).first():
            return ticket
    return None


def _text(message: MailMessage, *, answer: bool) -> str:
    """The text the customer wrote (plain text, else the HTML's text); for an answer
    without the quoted history below it."""
    text = (message.text or strip_tags(message.html or "")).replace("\r\n", "\n")
    if answer:
        kept = []
        for line in text.split("\n"):
            if QUOTE_STARTS.match(line.strip()) or line.startswith(">"):
                break
            kept.append(line)
        text = "\n".join(kept)
    return text.strip()


def _attach(ticket: Ticket, message: MailMessage) -> list[str]:
    """Attach the e-mail's files (the upload checks apply); what was refused, and why."""
    refused = []
    for number, part in enumerate(message.attachments):
        name = part.filename or f"attachment-{number + 1}"
        if number >= MAX_PHOTOS * 3:
            refused.append(
                _("%(name)s: too many files in one e-mail.") % {"name": name}
            )
            continue
        try:
            attachments.attachment_add(
                ticket=ticket,
                actor=None,
                file=ContentFile(part.payload, name=name),
                public=True,
            )
        except ValidationError as exc:
            refused.append(f"{name}: {' '.join(exc.messages)}")
    return refused


def _open_case(message: MailMessage, customer) -> Ticket:
    owner = intake_owner()
    text = _text(message, answer=False)
    title = " ".join((message.subject or "").split()) or Truncator(
        text.split("\n")[0]
    ).chars(80)
    ticket = ticket_open(
        actor=owner,
        type=settings.AFTERSALES_MAIL_CASE_TYPE,
        source="email",
        customer=customer,
        title=Truncator(title or _("E-mail from the customer")).chars(200),
        description=text or title,
    )
    notify(
        recipient=owner,
        kind="email_case",
        key=f"email-case:{ticket.pk}",
        title=gettext_lazy("New case from an e-mail: %(number)s"),
        title_params={"number": ticket.number},
        body=ticket.title,
        url=ticket.get_absolute_url(),
    )
    return ticket


def _route(message: MailMessage) -> tuple[str, Ticket | None, str]:
    if is_automatic(message):
        return Outcome.AUTOMATIC, None, ""
    sender = _sender(message)
    ticket = _named_case(message)
    if ticket is not None:
        if sender != ticket.customer.email.strip().lower():
            return Outcome.NOT_THE_CUSTOMER, ticket, ""
        text = _text(message, answer=True) or _("(no text)")
        portal_reply(
            actor=None,
            ticket=ticket,
            body=Truncator(text).chars(REPLY_MAX_LENGTH),
            channel=Contact.Channel.EMAIL,
        )
        return Outcome.REPLY_ADDED, ticket, "\n".join(_attach(ticket, message))
    customer = portal_selectors.customer_find_by_contact(channel="email", value=sender)
    if customer is None:
        return Outcome.UNKNOWN_SENDER, None, ""
    ticket = _open_case(message, customer)
    return Outcome.CASE_OPENED, ticket, "\n".join(_attach(ticket, message))


def inbound_process(message: MailMessage) -> tuple[InboundEmail, bool]:
    """Process one e-mail once: returns its record and whether this call processed it
    (False: its Message-ID was processed before). An unexpected error is recorded as a
    failure (the e-mail is not retried forever); nothing of the half-done work is
    kept."""
    message_id = _message_id(message)
    if done := InboundEmail.objects.filter(message_id=message_id).first():
        return done, False
    sender = getaddresses([_header(message, "from")])
    try:
        with transaction.atomic():
            record = InboundEmail.objects.create(
                message_id=message_id,
                sender=(sender[0][1] if sender else "")[:254],
                subject=" ".join((message.subject or "").split())[:200],
                outcome=Outcome.FAILED,
            )
    except IntegrityError:  # another poll took it at the same moment
        return InboundEmail.objects.get(message_id=message_id), False
    try:
        with transaction.atomic():
            outcome, ticket, detail = _route(message)
    except Exception as exc:
        logger.exception("Inbound e-mail %s failed", message_id)
        outcome, ticket, detail = Outcome.FAILED, None, str(exc)[:2000]
    record.outcome, record.ticket, record.detail = outcome, ticket, detail
    record.save(update_fields=["outcome", "ticket", "detail"])
    return record, True


def _mailbox_settings() -> dict:
    parts = urlsplit(settings.MAILBOX_URL)
    if parts.scheme != "imaps":
        raise ImproperlyConfigured("MAILBOX_URL must be imaps://user:password@host/")
    return {
        "host": parts.hostname or "localhost",
        "port": parts.port or 993,
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "folder": unquote(parts.path.strip("/")) or "INBOX",
    }


def mailbox_poll() -> int:
    """Read the unseen e-mails of the service mailbox (settings.MAILBOX_URL, IMAP over
    TLS, certificates checked against the system's or MAILBOX_CA_FILE's authorities),
    process each once and mark it seen. Recorded as a job run; returns how many e-mails
    were processed (0 without a mailbox)."""
    if not settings.MAILBOX_URL:
        return 0
    config = _mailbox_settings()
    context = ssl.create_default_context(cafile=settings.MAILBOX_CA_FILE or None)
    with job_run("mailbox_poll") as run:
        box = MailBox(config["host"], config["port"], ssl_context=context, timeout=30)
        with box.login(
            config["username"], config["password"], initial_folder=config["folder"]
        ):
            for message in box.fetch(
                AND(seen=False), mark_seen=False, limit=POLL_BATCH, bulk=50
            ):
                _record, processed = inbound_process(message)
                run.items += processed
                box.flag(message.uid, MailMessageFlags.SEEN, True)
    return run.items
