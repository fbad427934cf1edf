"""Tickets API: repairs."""

from __future__ import annotations
