"""Models of the feedback app. The archive layer (customers, products, contacts) lives in
`archive.py`; the follow-up loop layer will live in its own module."""

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
