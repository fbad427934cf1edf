"""Feedback items (domain §7): suggestions and comments from surveys, contacts, complaints,
dealers and staff, each with a reply due date; `new → triaged → answered | actioned |
no_action (reason)`. A change request on a standard may cite items; its decision answers
every cited item that is still open (domain §4 "Change requests")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.exceptions import InvalidTransition, StaleObject
from aftersales.models import OutboxMessage, User
from aftersales.services import notify, outbox_enqueue
from customers.models import Customer, ProductModel
from feedback.models import FeedbackItem
from feedback.voice import workflow
from feedback.voice.services.common import require_staff
from standards import selectors as standard_selectors
from standards.models import ChangeRequest
from standards.parameters import get_path
from tickets.models import Ticket

__all__ = [
    "REPLY_DAYS",
    "feedback_item_answer",
    "feedback_item_cite",
    "feedback_item_create",
    "feedback_item_from_followup",
    "feedback_item_mark_actioned",
    "feedback_item_no_action",
    "feedback_item_triage",
    "feedback_items_answer_by_decision",
    "feedback_reply_days",
]

# Days to answer a feedback item when the service standard does not say
# (`followup.feedback_reply_days`, an optional parameter).
REPLY_DAYS = 10

S = FeedbackItem.Status
DECISION_STATUS = {
    ChangeRequest.Status.ACCEPTED: S.ACTIONED,
    ChangeRequest.Status.IMPLEMENTED: S.ACTIONED,
    ChangeRequest.Status.REJECTED: S.NO_ACTION,
}


def feedback_reply_days(
    *, ticket: Ticket | None = None, product_model: ProductModel | None = None
) -> int:
    """Days allowed to answer: `followup.feedback_reply_days` of the case's pinned
    standard, else of the service standard in force for the product category, else
    REPLY_DAYS."""
    version = ticket.standard_version if ticket is not None else None
    if version is None:
        version = standard_selectors.service_standard_resolve(
            category=product_model.category if product_model else ""
        )
    days = (
        get_path(version.parameters, "followup.feedback_reply_days")
        if version
        else None
    )
    try:
        return max(int(days), 1) if days is not None else REPLY_DAYS
    except (TypeError, ValueError):
        return REPLY_DAYS


def _clean_topics(topic_codes: list[str] | None) -> list[str]:
    codes: list[str] = []
    for code in topic_codes or []:
        text = str(code).strip()
        if text and text not in codes:
            codes.append(text[:50])
    return codes


@transaction.atomic
def feedback_item_create(
    *,
    actor: User | None,
    source: str,
    text: str,
    customer: Customer | None = None,
    ticket: Ticket | None = None,
    product_model: ProductModel | None = None,
    topic_codes: list[str] | None = None,
    now: datetime | None = None,
) -> FeedbackItem:
    """Record a feedback item (`new`) with its reply due date. A case fills in the
    customer and the product model; `actor` None is the system (a survey answer)."""
    if actor is not None:
        require_staff(actor)
    if not text.strip():
        raise ValidationError({"text": [_("Write down what the customer said.")]})
    if ticket is not None:
        if customer is not None and ticket.customer_id != customer.pk:
            raise ValidationError(
                {"ticket": [_("This case belongs to another customer.")]}
            )
        customer = customer or ticket.customer
        if product_model is None and ticket.product_id:
            product_model = ticket.product.model
    now = now or timezone.now()
    days = feedback_reply_days(ticket=ticket, product_model=product_model)
    item = FeedbackItem(
        source=source,
        text=text.strip(),
        customer=customer,
        ticket=ticket,
        product_model=product_model,
        topic_codes=_clean_topics(topic_codes),
        reply_due_on=timezone.localdate(now) + timedelta(days=days),
        created_by=actor,
    )
    item.full_clean(exclude=["reply_due_on"])
    item.save()
    return item


def feedback_item_from_followup(
    followup, *, text: str = "", topic_codes: list[str] | None = None
) -> FeedbackItem | None:
    """The feedback item of a follow-up's survey comment (source `survey`), once per
    follow-up: `feedback_item_from_followup(followup)` uses `followup.comment`; pass `text`
    (and `topic_codes`) to record another comment. Returns None when there is nothing to
    record, the existing item when called again."""
    body = (text or followup.comment or "").strip()
    if not body:
        return None
    existing = FeedbackItem.objects.filter(followup=followup).first()
    if existing is not None:
        return existing
    ticket = followup.ticket if followup.ticket_id else None
    with transaction.atomic():
        item = feedback_item_create(
            actor=None,
            source=FeedbackItem.Source.SURVEY,
            text=body,
            customer=followup.customer,
            ticket=ticket,
            topic_codes=list(followup.topics or [])
            if topic_codes is None
            else topic_codes,
        )
        FeedbackItem.objects.filter(pk=item.pk).update(followup=followup)
        item.followup = followup
    return item


def _move(item: FeedbackItem, *, to: str, **fields: Any) -> FeedbackItem:
    """Compare-and-set the status along the item's table (409 when the table has no such
    move from its state, or someone was first)."""
    workflow.TABLE.rule_for(item.status, to)
    if not FeedbackItem.objects.filter(pk=item.pk, status=item.status).update(
        status=to, **fields
    ):
        raise StaleObject
    item.refresh_from_db()
    return item


@transaction.atomic
def feedback_item_triage(
    *,
    item: FeedbackItem,
    actor: User,
    topic_codes: list[str] | None = None,
    owner: User | None = None,
) -> FeedbackItem:
    """`new → triaged`: topic codes set, an owner named (the actor by default) who
    answers it by the reply due date."""
    require_staff(actor)
    owner = owner or actor
    if not owner.is_staff_member:
        raise ValidationError({"owner": [_("The owner must be a staff member.")]})
    fields: dict[str, Any] = {"owner": owner, "triaged_at": timezone.now()}
    if topic_codes is not None:
        fields["topic_codes"] = _clean_topics(topic_codes)
    return _move(item, to=S.TRIAGED, **fields)


def _deliver_reply(item: FeedbackItem) -> None:
    """Send the reply to the customer through the outbox (e-mail, else SMS to the
    primary phone), once per item; nothing for anonymised archives or without consent to
    service contact. A portal customer also sees it in the app."""
    customer = item.customer
    if customer is None or customer.is_anonymised or not customer.consent_service:
        return
    subject = str(_("Answer to your feedback"))
    body = f"{item.text[:200]}\n\n{item.reply}"
    if customer.email:
        outbox_enqueue(
            channel=OutboxMessage.Channel.EMAIL,
            to=customer.email,
            subject=subject,
            body=body,
            key=f"feedback-reply:{item.pk}",
        )
    else:
        phone = customer.phones.order_by("-is_primary", "pk").first()
        if phone is not None:
            outbox_enqueue(
                channel=OutboxMessage.Channel.SMS,
                to=phone.number,
                body=f"{subject}: {item.reply}"[:500],
                key=f"feedback-reply:{item.pk}",
            )
    if customer.user_id:
        notify(
            recipient=customer.user,
            kind="feedback_answered",
            key=f"feedback-answered:{item.pk}",
            title=_("Your feedback was answered"),
            body=item.reply,
        )


def _answer(
    *, item: FeedbackItem, actor: User, to: str, reply: str, field: str
) -> FeedbackItem:
    require_staff(actor)
    if not reply.strip():
        raise ValidationError({field: [_("This field is required.")]})
    item = _move(
        item,
        to=to,
        reply=reply.strip(),
        answered_by=actor,
        answered_at=timezone.now(),
    )
    _deliver_reply(item)
    return item


@transaction.atomic
def feedback_item_answer(
    *, item: FeedbackItem, actor: User, reply: str
) -> FeedbackItem:
    """`new | triaged → answered` with the reply (required), sent to the customer."""
    return _answer(item=item, actor=actor, to=S.ANSWERED, reply=reply, field="reply")


@transaction.atomic
def feedback_item_mark_actioned(
    *, item: FeedbackItem, actor: User, reply: str
) -> FeedbackItem:
    """`new | triaged → actioned`: the feedback changed something; the reply (required)
    says what, and goes to the customer."""
    return _answer(item=item, actor=actor, to=S.ACTIONED, reply=reply, field="reply")


@transaction.atomic
def feedback_item_no_action(
    *, item: FeedbackItem, actor: User, reason: str
) -> FeedbackItem:
    """`new | triaged → no_action` with the reason (required), which is the reply the
    customer gets."""
    return _answer(item=item, actor=actor, to=S.NO_ACTION, reply=reason, field="reason")


@transaction.atomic
def feedback_item_cite(
    *, item: FeedbackItem, change_request: ChangeRequest, actor: User
) -> FeedbackItem:
    """Cite the item as evidence of an open change request on a standard (idempotent).
    When the request is decided, the decision answers the item if it is still open."""
    require_staff(actor)
    if change_request.status != ChangeRequest.Status.OPEN:
        raise InvalidTransition(_("Only an open change request can cite feedback."))
    if not item.is_open:
        raise InvalidTransition(
            _("This feedback item is already answered; cite an open one.")
        )
    item.change_requests.add(change_request)
    return item


@transaction.atomic
def feedback_items_answer_by_decision(*, change_request: ChangeRequest) -> int:
    """Answer every open item the decided change request cites: accepted or implemented →
    `actioned`, rejected → `no_action`; the reply is the decision's reason, answered by
    the decider. Items answered before keep their answer. Returns how many it answered
    (0 for an open request, and when called again)."""
    to = DECISION_STATUS.get(change_request.status)
    if to is None:
        return 0
    if change_request.decided_by_id is None:
        raise PermissionDenied(_("The change request has no decider."))
    cited = FeedbackItem.objects.open().filter(change_requests=change_request)
    ids = list(cited.values_list("pk", flat=True))
    if not ids:
        return 0
    answered = FeedbackItem.objects.filter(
        pk__in=ids, status__in=FeedbackItem.OPEN_STATES
    ).update(
        status=to,
        reply=change_request.decision_note,
        answered_by=change_request.decided_by,
        answered_at=change_request.decided_at or timezone.now(),
        answered_by_change_request=change_request,
    )
    for item in FeedbackItem.objects.filter(
        pk__in=ids, answered_by_change_request=change_request
    ).select_related("customer__user"):
        _deliver_reply(item)
    return answered
