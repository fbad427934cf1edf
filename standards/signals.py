"""The one upward notification of the standards app (style.md B.1): sent from services
after commit, received by the feedback loop layer, which answers the cited feedback items."""

from django.dispatch import Signal

# Sent with `change_request` (standards.models.ChangeRequest) once its decision is recorded.
change_request_decided = Signal()
