"""Tickets API serializers: recourse."""

from __future__ import annotations
