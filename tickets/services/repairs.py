"""Tickets services: repairs."""

from __future__ import annotations
