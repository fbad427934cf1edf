"""Tickets API serializers: repairs."""

from __future__ import annotations
