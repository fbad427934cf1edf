"""Tickets services: recourse."""

from __future__ import annotations
