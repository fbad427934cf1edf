"""Models of the loop layer: follow-up tasks, attempts, questionnaires and answers (回访),
the customer's answer link (domain §7).

The loop layer sits above tickets (style.md B.1): these models point at tickets; nothing
below imports them. Status, result and the answer fields are written only by
feedback/followups/services.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.models import Unit
from aftersales.permissions import supervised_unit_paths, visible_subset
from aftersales.roles import Role
from customers.models import Customer
from standards.parameters import ContactChannel, SurveyScale

__all__ = [
    "FollowUp",
    "FollowUpAttempt",
    "FollowUpQuerySet",
    "Questionnaire",
]


class Questionnaire(models.Model):
    """A versioned questionnaire of the follow-up (domain §7): its scale (CSAT 1–5, NPS
    0–10, three levels), "problem solved?", conduct questions and free text with topic
    codes (`questions`, shape in feedback/followups/questionnaires.py). One version of a
    code is active at a time; an active version is never edited (a change is a new
    version), and tasks keep the version they were asked with."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("questionnaire", "Draft")
        ACTIVE = "active", pgettext_lazy("questionnaire", "Active")
        RETIRED = "retired", pgettext_lazy("questionnaire", "Retired")

    code = models.SlugField(_("code"), max_length=50)
    version = models.PositiveIntegerField(_("version"), editable=False)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        editable=False,
    )
    scale = models.CharField(
        _("scale"),
        max_length=20,
        choices=SurveyScale.choices,
        default=SurveyScale.CSAT5,
    )
    questions = models.JSONField(_("questions"), default=dict, blank=True)
    standard = models.ForeignKey(
        "standards.StandardDocument",
        verbose_name=_("standard"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questionnaires",
        help_text=_("The service standard this questionnaire belongs to, if any."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    activated_at = models.DateTimeField(
        _("activated"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="questionnaire_unique_version"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status="active"),
                name="questionnaire_one_active_per_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("followups:questionnaire-detail", args=[self.pk])


class FollowUpQuerySet(models.QuerySet):
    """Vocabulary for follow-up queries."""

    def open(self) -> FollowUpQuerySet:
        """Tasks still to be done (not completed, unreachable, declined or cancelled)."""
        return self.filter(status__in=FollowUp.OPEN_STATUSES)

    def visible_to(self, user) -> FollowUpQuerySet:
        """Who sees which follow-up: managers, quality managers and administrators all;
        supervisors those of the units below them (the follow-up team's, and those of the
        cases of their units); follow-up agents those of their teams and those assigned to
        them; anyone else none (the rule of `aftersales.permissions`)."""
        return visible_subset(
            self, user, staff=lambda followups: followups._seen_by_staff(user)
        )

    def _seen_by_staff(self, user) -> FollowUpQuerySet:
        """A follow-up agent's team's and own tasks; a supervisor's subtrees' tasks. Each
        test is a column test or a semi-join on the few units (no join that repeats a
        task per team member, so no DISTINCT)."""
        condition = Q(pk__in=[])
        if user.has_role(Role.FOLLOWUP_AGENT):
            condition |= Q(assigned_to=user) | Q(unit__in=user.units.values("pk"))
        if user.has_role(Role.SUPERVISOR):
            subtrees = Q(pk__in=[])
            for path in supervised_unit_paths(user):
                subtrees |= Q(path__startswith=path)
            units = Unit.objects.filter(subtrees).values("pk")
            condition |= Q(unit__in=units) | Q(ticket__unit__in=units)
        return self.filter(condition)


class FollowUp(models.Model):
    """A follow-up task (回访): created when a case is resolved (coverage and window from
    the pinned standard; one task per case and round) or by a care programme (no case).

    `scheduled → due → in_progress → completed (satisfied | dissatisfied) | unreachable |
    declined | cancelled`. Never assigned to anyone who worked on the case. Completion is
    allowed as soon as the task exists; outside its window it is flagged early or late."""

    class Kind(models.TextChoices):
        AFTER_SERVICE = "after_service", _("After service")
        SECOND = "second", _("Second follow-up after rework")
        CARE = "care", _("Care call")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", pgettext_lazy("follow-up", "Scheduled")
        DUE = "due", pgettext_lazy("follow-up", "Due")
        IN_PROGRESS = "in_progress", pgettext_lazy("follow-up", "In progress")
        COMPLETED = "completed", pgettext_lazy("follow-up", "Completed")
        UNREACHABLE = "unreachable", pgettext_lazy("follow-up", "Unreachable")
        DECLINED = "declined", pgettext_lazy("follow-up", "Declined")
        CANCELLED = "cancelled", pgettext_lazy("follow-up", "Cancelled")

    class Result(models.TextChoices):
        SATISFIED = "satisfied", pgettext_lazy("follow-up", "Satisfied")
        DISSATISFIED = "dissatisfied", pgettext_lazy("follow-up", "Dissatisfied")

    class Timeliness(models.TextChoices):
        EARLY = "early", pgettext_lazy("follow-up", "Early")
        ON_TIME = "on_time", pgettext_lazy("follow-up", "On time")
        LATE = "late", pgettext_lazy("follow-up", "Late")

    class Via(models.TextChoices):
        PHONE = "phone", _("Phone")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")
        WECHAT = "wechat", _("WeChat")
        LINK = "link", _("Answer link")

    OPEN_STATUSES = ("scheduled", "due", "in_progress")
    # A late answer still counts: an unreachable or declined task may be completed.
    COMPLETABLE_STATUSES = (
        "scheduled",
        "due",
        "in_progress",
        "unreachable",
        "declined",
    )

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.AFTER_SERVICE
    )
    round = models.PositiveSmallIntegerField(
        _("round"),
        default=1,
        editable=False,
        help_text=_("1 for the first follow-up of a case, 2 after its first rework…"),
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("previous follow-up"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_rounds",
        editable=False,
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        editable=False,
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("follow-up team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        editable=False,
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        editable=False,
    )
    opens_at = models.DateTimeField(_("window opens"), editable=False, db_index=True)
    closes_at = models.DateTimeField(_("window closes"), editable=False)
    due_at = models.DateTimeField(
        _("due"),
        editable=False,
        db_index=True,
        help_text=_("When the follow-up must be done (the window's end)."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.SCHEDULED,
        editable=False,
        db_index=True,
    )
    result = models.CharField(
        _("result"), max_length=20, choices=Result.choices, blank=True, editable=False
    )
    attempts_count = models.PositiveSmallIntegerField(
        _("unanswered attempts"), default=0, editable=False
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts before unreachable"), default=3, editable=False
    )
    # The pinned standard's follow-up policy when the task was made: channel order,
    # quiet hours, hours between attempts, the dissatisfaction line and its scale.
    policy = models.JSONField(_("policy"), default=dict, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(
        _("next attempt"), null=True, blank=True, editable=False, db_index=True
    )
    next_channel = models.CharField(
        _("next channel"),
        max_length=10,
        choices=ContactChannel.choices,
        blank=True,
        editable=False,
    )
    score = models.SmallIntegerField(_("score"), null=True, blank=True, editable=False)
    resolved = models.BooleanField(
        _("problem solved"), null=True, blank=True, editable=False
    )
    comment = models.TextField(_("comment"), blank=True, editable=False)
    conduct = models.JSONField(
        _("conduct answers"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("Each conduct question's code: true (done) or false (not done)."),
    )
    topics = models.JSONField(
        _("topic codes"), default=list, blank=True, editable=False
    )
    service_complaint = models.BooleanField(
        _("complaint about the service"), default=False, editable=False
    )
    linked_complaint = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("linked complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    timeliness = models.CharField(
        _("timeliness"),
        max_length=10,
        choices=Timeliness.choices,
        blank=True,
        editable=False,
    )
    completed_via = models.CharField(
        _("answered by"), max_length=10, choices=Via.choices, blank=True, editable=False
    )
    completed_at = models.DateTimeField(
        _("completed"), null=True, blank=True, editable=False, db_index=True
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    ended_at = models.DateTimeField(
        _("ended"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When it became unreachable, declined or cancelled."),
    )
    supervisor_note = models.TextField(
        _("supervisor's note"), blank=True, editable=False
    )
    supervisor_note_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # The customer's answer link: a signed token naming the task and this nonce; a new
    # link replaces the nonce (the older link stops working).
    answer_nonce = models.CharField(max_length=32, blank=True, editable=False)
    answer_link_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    answer_link_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    answer_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Care programmes create tasks once per key (e.g. "care:<programme>:<customer>:<day>").
    source_key = models.CharField(
        max_length=150, null=True, blank=True, unique=True, editable=False
    )  # noqa: DJ001  # NULL for case follow-ups, so the unique index ignores them
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at", "pk"]
        constraints = [
            # One follow-up per case and round (idempotent scheduling).
            models.UniqueConstraint(
                fields=["ticket", "round"],
                condition=Q(ticket__isnull=False),
                name="followup_one_per_ticket_round",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"], name="followup_status_next_idx"
            ),
            models.Index(
                fields=["status", "opens_at"], name="followup_status_opens_idx"
            ),
            models.Index(
                fields=["assigned_to", "status"], name="followup_assignee_idx"
            ),
            # The worklist's order (what is due first), for all tasks and, partial, for
            # the open ones (due, mine, my teams, upcoming): a page is read in index
            # order, never sorted out of the whole table.
            models.Index(
                fields=["next_attempt_at", "due_at", "id"], name="followup_worklist_idx"
            ),
            models.Index(
                fields=["next_attempt_at", "due_at", "id"],
                condition=Q(status__in=["scheduled", "due", "in_progress"]),
                name="followup_open_worklist_idx",
            ),
            models.Index(
                fields=["-completed_at", "-id"],
                condition=Q(status="completed"),
                name="followup_done_idx",
            ),
            # The omissions (dashboards): follow-ups ended unreachable in a period, and
            # open ones whose window closed in it.
            models.Index(
                fields=["ended_at"],
                condition=Q(status="unreachable"),
                name="followup_unreachable_idx",
            ),
            models.Index(
                fields=["closes_at"],
                condition=Q(status__in=["scheduled", "due", "in_progress"]),
                name="followup_open_closes_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("followups:followup-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        """Still to be done."""
        return self.status in self.OPEN_STATUSES


class FollowUpAttempt(models.Model):
    """One try to reach the customer for a follow-up: when, over which channel, and the
    outcome (no answer, refused, reached). Append-only."""

    class Outcome(models.TextChoices):
        NO_ANSWER = "no_answer", _("No answer")
        REFUSED = "refused", _("Refused")
        REACHED = "reached", _("Reached")

    followup = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, related_name="attempts"
    )
    at = models.DateTimeField(_("time"), db_index=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=FollowUp.Via.choices
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the system sent it (SMS or e-mail link)."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("follow-up attempt")
        verbose_name_plural = _("follow-up attempts")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.followup_id} {self.channel} {self.outcome}"
