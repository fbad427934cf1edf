"""Tickets API serializers: attachments."""

from __future__ import annotations
