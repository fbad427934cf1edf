"""Tickets API: ownership."""

from __future__ import annotations
