"""Models of the loop layer: care programmes: care calls, warranty-expiry and maintenance
reminders, information, safety recalls."""

from __future__ import annotations
