"""Tickets services: ownership."""

from __future__ import annotations
