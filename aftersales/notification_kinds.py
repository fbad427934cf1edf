"""The kinds of staff notifications (issue #13): what each is called, the area it belongs
to, and whether an e-mail copy goes with it unless the person chose otherwise
(`User.notification_email`, kept on the notifications' settings page). One home for the
list: a notification of a kind not named here still works, with its caller's default."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CASES, FOLLOW_UPS, QUALITY, STANDARDS, RECOURSE = (
    _("Cases"), _("Follow-ups"), _("Quality"), _("Standards"), _("Recourse"),
)  # fmt: skip


@dataclass(frozen=True)
class Kind:
    label: Promise
    area: Promise
    email: bool = False


KINDS: dict[str, Kind] = {
    "sla_warning": Kind(_("A case's time is nearly used up (the warning)"), CASES),
    "sla_breached": Kind(_("A case's time is used up"), CASES, email=True),
    "sla_escalated": Kind(_("A case is escalated to the managers"), CASES, email=True),
    "handover_requested": Kind(_("A case is handed to me or my unit"), CASES),
    "handover_assigned": Kind(_("A unit queue gives me a case"), CASES),
    "handover_accepted": Kind(_("My handover is accepted"), CASES),
    "handover_rejected": Kind(_("A rejected handover waits for my decision"), CASES),
    "handover_expired": Kind(_("A handover was not accepted in time"), CASES),
    "commitment_missed": Kind(_("A handover's commitment is missed"), CASES),
    "ticket_ended": Kind(_("My case is cancelled or a duplicate"), CASES),
    "ticket_reopened": Kind(_("My case is reopened"), CASES),
    "orphaned_case": Kind(_("A case's first owner is inactive"), CASES, email=True),
    "ownership_transfer_requested": Kind(
        _("First ownership is offered to me"), CASES, email=True
    ),
    "ownership_transfer_accepted": Kind(_("A first-ownership transfer is accepted"), CASES),
    "ownership_transfer_rejected": Kind(_("A first-ownership transfer is rejected"), CASES),
    "ownership_transfer_cancelled": Kind(
        _("A first-ownership transfer is cancelled"), CASES
    ),
    "safety_incident": Kind(_("A safety incident is reported"), CASES, email=True),
    "visit_scheduled": Kind(_("A visit is booked for me"), CASES),
    "entitlement_changed": Kind(_("A case's entitlement changes"), CASES),
    "legal_window": Kind(_("A legal return or exchange window closes soon"), CASES,
                         email=True),
    "repair_limit": Kind(_("A repair passes a legal day limit"), CASES, email=True),
    "offer_pending": Kind(_("An offer waits for my approval"), CASES),
    "offer_decided": Kind(_("My offer is decided"), CASES),
    "attachment_added": Kind(_("The customer adds a file"), CASES),
    "portal_case": Kind(_("A case comes in from the portal"), CASES),
    "email_case": Kind(_("A case comes in by e-mail"), CASES),
    "portal_reply": Kind(_("The customer replies"), CASES),
    "followup_dissatisfied": Kind(_("A customer is dissatisfied"), FOLLOW_UPS, email=True),
    "followup_unreachable": Kind(_("A customer cannot be reached for the follow-up"),
                                 FOLLOW_UPS),
    "followup_declined": Kind(_("A customer declines the follow-up"), FOLLOW_UPS),
    "feedback_answered": Kind(_("Feedback is answered"), QUALITY),
    "feedback_late": Kind(_("Feedback waits too long"), QUALITY, email=True),
    "quality_notice": Kind(_("A quality notice is sent to my unit"), QUALITY, email=True),
    "quality_notice_reminder": Kind(_("A quality notice is due"), QUALITY, email=True),
    "improvement_overdue": Kind(_("An improvement action is overdue"), QUALITY,
                                email=True),
    "improvement_not_verified": Kind(_("An improvement action is not verified"), QUALITY),
    "kpi_breach": Kind(_("A KPI misses its target"), QUALITY, email=True),
    "qa_sample": Kind(_("Cases are sampled for a QA re-call"), QUALITY),
    "qa_finding": Kind(_("A QA re-call finds a problem"), QUALITY, email=True),
    "standard_review": Kind(_("A standard waits for my review"), STANDARDS),
    "standard_returned": Kind(_("My standard is returned"), STANDARDS),
    "standard_effective": Kind(_("A standard takes effect"), STANDARDS),
    "standard_review_due": Kind(_("A standard is due for review"), STANDARDS, email=True),
    "standard_review_overdue": Kind(_("A standard's review is overdue"), STANDARDS,
                                    email=True),
    "change_request_decided": Kind(_("My change request is decided"), STANDARDS),
    "calendar_missing_year": Kind(_("A business calendar lacks next year"), STANDARDS),
    "compensation_approval": Kind(_("A compensation waits for my approval"), RECOURSE),
    "compensation_approved": Kind(_("A compensation is decided"), RECOURSE),
    "claim_response_overdue": Kind(_("A party's answer to a claim is overdue"), RECOURSE,
                                   email=True),
    "claim_limitation": Kind(_("A claim nears its limitation"), RECOURSE, email=True),
    "claim_written_off": Kind(_("A claim is written off"), RECOURSE),
}  # fmt: skip


def email_wanted(user, kind: str, default: bool) -> bool:
    """Whether `user` gets an e-mail copy of a notification of `kind`: their choice for
    the kind when they made one, else the caller's `default`."""
    choice = (user.notification_email or {}).get(kind)
    return default if choice is None else bool(choice)


def email_choices(user) -> list[dict]:
    """Every kind with its label, area and whether `user` gets it by e-mail too."""
    return [
        {
            "kind": kind,
            "label": entry.label,
            "area": entry.area,
            "email": email_wanted(user, kind, entry.email),
        }
        for kind, entry in KINDS.items()
    ]
