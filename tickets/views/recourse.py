"""Staff pages of the tickets app: recourse."""

from __future__ import annotations


def panel_context(request, ticket) -> dict:
    """Context of this concern's panel on the case page."""
    return {}
