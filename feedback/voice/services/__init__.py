"""Writes of the voice-of-the-customer loop (domain §7), one module per concern, re-exported
here so callers write `services.feedback_item_answer(...)`:

- qa: the daily QA re-call sample of completed follow-ups, recording a re-call, findings;
- items: feedback items (create, triage, answer, actioned, no action, cite by a change
  request, answer by a change request's decision);
- notices: monthly quality notices per product model, acknowledgement by the addressed
  units, improvement actions verified by re-measuring the fault rate;
- reminders: the daily reminder sweep (late replies, unacknowledged notices, overdue
  improvement actions) that also re-drives decisions whose signal was lost.
"""

from feedback.voice.services.items import *  # noqa: F403
from feedback.voice.services.notices import *  # noqa: F403
from feedback.voice.services.qa import *  # noqa: F403
from feedback.voice.services.reminders import *  # noqa: F403
