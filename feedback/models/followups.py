"""Models of the loop layer: follow-up tasks, attempts, questionnaires and answers (回访),
the customer's answer link."""

from __future__ import annotations
