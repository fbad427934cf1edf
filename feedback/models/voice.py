"""Models of the loop layer: QA re-calls and findings, feedback items, quality notices and
improvement actions."""

from __future__ import annotations
