"""Feedback loop layer (upper layer of the feedback app): care programmes: care calls,
warranty-expiry and maintenance reminders, information, safety recalls."""
