"""The tickets app's one upward notification (style.md B.1): the follow-up loop listens,
tickets never import the loop. Sent only from services, inside `on_commit`."""

from django.dispatch import Signal

# A case was resolved. kwargs: ticket_id (int), awaiting_follow_up (bool: the standard
# covers its type, so the case now waits in `awaiting_follow_up`).
ticket_resolved = Signal()
