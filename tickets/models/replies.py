"""Canned replies (issue #13): texts a team reuses in notes, replies and "Tell the
customer", per language, with placeholders filled from the case."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CannedReply(models.Model):
    """A saved text with placeholders ({customer_name}, {case_number}, {due_time}); for
    one unit's team and the units below it, or for everyone (no unit)."""

    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    unit = models.ForeignKey(
        "aftersales.Unit",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_replies",
        help_text=_("Empty: every team may use it."),
    )
    active = models.BooleanField(_("in use"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["language", "title", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_language_display()})"


class MessageTemplate(models.Model):
    """The quality manager's text of one customer message (an event such as "case
    received") in one language, replacing the built-in text; placeholders as listed for
    the event (tickets/replies/notices.py)."""

    event = models.CharField(_("message"), max_length=30)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES
    )
    subject = models.CharField(_("e-mail subject"), max_length=200)
    body = models.TextField(_("text"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer message template")
        verbose_name_plural = _("customer message templates")
        ordering = ["event", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "language"], name="message_template_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} ({self.language})"
