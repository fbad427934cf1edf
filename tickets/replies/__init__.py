"""Canned replies: saved texts with placeholders, shared per team (issue #13)."""
