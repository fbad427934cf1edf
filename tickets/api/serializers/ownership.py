"""Tickets API serializers: ownership."""

from __future__ import annotations
