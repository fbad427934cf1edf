"""Feedback: the customer archive (lower layer) and the follow-up loop (upper layer)."""
