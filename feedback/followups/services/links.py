"""The customer's answer link: a signed, expiring token sent through the outbox; the
public page answers once."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import InvalidTransition
from aftersales.models import OutboxMessage, User
from aftersales.services import outbox_enqueue
from customers.models import Customer
from feedback.followups import selectors
from feedback.followups.services.answers import followup_complete
from feedback.followups.services.common import (
    ANSWER_LINK_DAYS,
    ANSWER_LINK_SALT,
    AUTOMATED_CHANNELS,
    S,
    followup_in_quiet_hours,
    quiet_message,
    require_may_act,
)
from feedback.models import FollowUp
from standards.parameters import (
    ContactChannel,
)

# --- Answer link -------------------------------------------------------------------------


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=ANSWER_LINK_SALT)


def answer_token(followup: FollowUp) -> str:
    """The signed token of the task's current answer link."""
    return _signer().sign(f"{followup.pk}-{followup.answer_nonce}")


def answer_token_read(token: str) -> tuple[int, str] | None:
    """(task id, nonce) of a token with a valid signature, else None."""
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        return None
    pk, _sep, nonce = value.partition("-")
    return (int(pk), nonce) if pk.isdigit() and nonce else None


def _address(customer: Customer, channel: str) -> str:
    if channel == ContactChannel.EMAIL:
        return customer.email
    phone = customer.phones.filter(kind="mobile").order_by("-is_primary", "pk").first()
    return phone.number if phone else ""


@transaction.atomic
def followup_send_link(
    *,
    followup: FollowUp,
    actor: User | None,
    channel: str = ContactChannel.SMS,
    base_url: str = "",
    now: datetime | None = None,
) -> OutboxMessage:
    """Send the customer a link to answer the questionnaire themselves (outbox SMS or
    e-mail; no login). The token is signed and names a fresh nonce, so a new link
    replaces the old one; it expires after the standard's `answer_link_days` (default
    7) and answers once. Not during quiet hours, not without consent to service contact."""
    now = now or timezone.now()
    if actor is not None:
        require_may_act(followup, actor)
    if followup.status not in FollowUp.COMPLETABLE_STATUSES:
        raise InvalidTransition(
            _("This follow-up is already %(status)s.")
            % {"status": followup.get_status_display()}
        )
    if channel not in AUTOMATED_CHANNELS:
        raise ValidationError({"channel": [_("A link goes by SMS or e-mail.")]})
    customer = followup.customer
    if not customer.consent_service or customer.is_anonymised:
        raise ValidationError(_("The customer does not consent to service contact."))
    if followup_in_quiet_hours(followup, now=now):
        raise ValidationError(quiet_message(followup, now))
    to = _address(customer, channel)
    if not to:
        raise ValidationError(
            {
                "channel": [
                    _("The customer has no e-mail address.")
                    if channel == ContactChannel.EMAIL
                    else _("The customer has no mobile number.")
                ]
            }
        )
    nonce = secrets.token_hex(8)
    expires = now + timedelta(
        days=float(followup.policy.get("answer_link_days", ANSWER_LINK_DAYS))
    )
    FollowUp.objects.filter(pk=followup.pk).update(
        answer_nonce=nonce, answer_link_sent_at=now, answer_link_expires_at=expires
    )
    followup.answer_nonce, followup.answer_link_sent_at = nonce, now
    followup.answer_link_expires_at = expires
    path = reverse("followups:followup-answer", args=[answer_token(followup)])
    base = (base_url or settings.AFTERSALES_BASE_URL).rstrip("/")
    reference = followup.ticket.number if followup.ticket else ""
    body = _(
        "How did we do%(case)s? Tell us in one minute: %(url)s (valid until %(until)s)."
    ) % {
        "case": f" ({reference})" if reference else "",
        "url": f"{base}{path}",
        "until": f"{timezone.localtime(expires):%Y-%m-%d}",
    }
    return outbox_enqueue(
        channel=channel,
        to=to,
        subject=_("Your opinion on our service"),
        body=body,
        key=f"followup-link:{followup.pk}:{nonce}",
    )


class AnswerLinkProblem(Exception):  # noqa: N818  # a reason shown to the customer
    """Why an answer link cannot be used: invalid, expired, used, closed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def followup_for_token(*, token: str, now: datetime | None = None) -> FollowUp:
    """The task behind an answer link; AnswerLinkProblem("invalid" | "expired" | "used" |
    "closed") when it cannot be answered."""
    now = now or timezone.now()
    read = answer_token_read(token)
    followup = selectors.followup_for_answer(pk=read[0]) if read else None
    if (
        followup is None
        or not followup.answer_nonce
        or followup.answer_nonce != read[1]
    ):
        raise AnswerLinkProblem("invalid")
    if followup.answer_used_at is not None or followup.status == S.COMPLETED:
        raise AnswerLinkProblem("used")
    if followup.answer_link_expires_at is None or now > followup.answer_link_expires_at:
        raise AnswerLinkProblem("expired")
    if followup.status not in FollowUp.COMPLETABLE_STATUSES:
        raise AnswerLinkProblem("closed")
    return followup


@transaction.atomic
def followup_answer_by_link(
    *,
    token: str,
    score: int,
    resolved: bool,
    comment: str = "",
    conduct: dict[str, bool] | None = None,
    topics=(),
    service_complaint: bool = False,
    now: datetime | None = None,
) -> FollowUp:
    """The customer answers through the link, once (a second answer raises
    AnswerLinkProblem("used"))."""
    now = now or timezone.now()
    followup = followup_for_token(token=token, now=now)
    if not FollowUp.objects.filter(
        pk=followup.pk, answer_nonce=followup.answer_nonce, answer_used_at__isnull=True
    ).update(answer_used_at=now):
        raise AnswerLinkProblem("used")
    try:
        return followup_complete(
            followup=followup, actor=None, score=score, resolved=resolved,
            comment=comment, conduct=conduct, topics=topics,
            service_complaint=service_complaint, via=FollowUp.Via.LINK, now=now,
        )  # fmt: skip
    except InvalidTransition as exc:
        raise AnswerLinkProblem("closed") from exc
