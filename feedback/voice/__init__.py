"""Feedback loop layer (upper layer of the feedback app): QA re-calls and findings,
feedback items, quality notices and improvement actions."""
