"""Models of the tickets app, one module per concern (style.md B.1)."""

from tickets.models.attachments import Attachment
from tickets.models.cases import (
    CLOCK_DONE_FIELDS,
    Handover,
    Liability,
    Ticket,
    TicketEvent,
    TicketQuerySet,
)
from tickets.models.ownership import OwnershipTransfer, UnitQueue
from tickets.models.recourse import Compensation, CompensationKind, RecourseClaim
from tickets.models.repairs import FieldVisit, Offer, Repair
from tickets.models.replies import CannedReply, MessageTemplate

__all__ = [
    "Attachment",
    "CLOCK_DONE_FIELDS",
    "CannedReply",
    "MessageTemplate",
    "Compensation",
    "CompensationKind",
    "FieldVisit",
    "Handover",
    "Liability",
    "Offer",
    "OwnershipTransfer",
    "RecourseClaim",
    "Repair",
    "Ticket",
    "TicketEvent",
    "TicketQuerySet",
    "UnitQueue",
]
