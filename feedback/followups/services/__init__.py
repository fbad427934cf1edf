"""Writes of the follow-up loop (回访, domain §7): scheduling a task when a case is
resolved, the hourly sweep (due, automated retries, unreachable, re-drive), attempts,
completion (satisfied closes the case, dissatisfied reopens it to the same first owner),
the customer's answer link, the supervisor's close of an unreachable case, and the
questionnaire versions.

The loop calls the tickets services directly (style.md B.1); tickets never import it.

Unreachable path (documented flow): after the standard's maximum of unanswered attempts a
task becomes `unreachable` (a refused call makes it `declined`); the supervisors of the
case's unit and of the follow-up team are alerted, and the task waits on the worklist's
"Needs a supervisor" tab. A supervisor (or manager) closes the case there with a note
(`followup_close_unreachable`), which records the "unreachable" outcome on the case and
closes it. Neither path ever counts as satisfied. A late answer still completes an
unreachable or declined task while the case waits.
"""

from feedback.followups.services.answers import (
    followup_attempt,
    followup_close_unreachable,
    followup_complete,
)
from feedback.followups.services.common import (
    AUTOMATED_CHANNELS,
    followup_in_quiet_hours,
)
from feedback.followups.services.links import (
    AnswerLinkProblem,
    answer_token,
    answer_token_read,
    followup_answer_by_link,
    followup_for_token,
    followup_send_link,
)
from feedback.followups.services.questionnaire_versions import (
    questionnaire_activate,
    questionnaire_create,
    questionnaire_new_version,
    questionnaire_update,
)
from feedback.followups.services.scheduling import (
    followup_create_care,
    followup_schedule_for_ticket,
    followup_schedule_for_tickets,
)
from feedback.followups.services.sweep import followup_sweep

__all__ = [
    "AUTOMATED_CHANNELS",
    "AnswerLinkProblem",
    "answer_token",
    "answer_token_read",
    "followup_answer_by_link",
    "followup_attempt",
    "followup_close_unreachable",
    "followup_complete",
    "followup_create_care",
    "followup_for_token",
    "followup_in_quiet_hours",
    "followup_schedule_for_ticket",
    "followup_schedule_for_tickets",
    "followup_send_link",
    "followup_sweep",
    "questionnaire_activate",
    "questionnaire_create",
    "questionnaire_new_version",
    "questionnaire_update",
]
