"""Tickets API: recourse."""

from __future__ import annotations
