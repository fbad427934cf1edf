"""Models of the feedback app. The archive layer (customers, products, contacts) lives in
`archive.py`; the follow-up loop layer in `followups.py` (follow-ups, questionnaires),
`voice.py` (QA, feedback items, quality notices) and `care.py` (care programmes).
Tickets import only the
archive models."""

from .archive import (
    ArchiveAccess,
    ConsentChange,
    Contact,
    Customer,
    CustomerPhone,
    ImportJob,
    OwnedProduct,
    Party,
    ProductModel,
    Tag,
    ValidityEvent,
)
from .care import *  # noqa: F403
from .followups import *  # noqa: F403
from .voice import *  # noqa: F403

__all__ = [
    "ArchiveAccess",
    "ConsentChange",
    "Contact",
    "Customer",
    "CustomerPhone",
    "ImportJob",
    "OwnedProduct",
    "Party",
    "ProductModel",
    "Tag",
    "ValidityEvent",
]
