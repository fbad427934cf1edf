"""Feedback loop layer (upper layer of the feedback app): follow-up tasks, attempts,
questionnaires and answers (回访), the customer's answer link."""
