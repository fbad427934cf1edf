"""Tickets API: attachments."""

from __future__ import annotations
