"""The portal's one table: the e-mails read from the service mailbox (issue #13), each
processed once (its Message-ID)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundEmail(models.Model):
    """One e-mail read from the service mailbox and what became of it."""

    class Outcome(models.TextChoices):
        CASE_OPENED = "case_opened", _("Case opened")
        REPLY_ADDED = "reply_added", _("Added to its case")
        AUTOMATIC = "automatic", _("Auto-reply or bounce: ignored")
        UNKNOWN_SENDER = "unknown_sender", _("Unknown sender: left for staff")
        NOT_THE_CUSTOMER = "not_the_customer", _("Names a case of another customer")
        FAILED = "failed", _("Failed")

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    sender = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("read at"), auto_now_add=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_emails",
    )
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"
