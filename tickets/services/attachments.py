"""Tickets services: attachments."""

from __future__ import annotations
