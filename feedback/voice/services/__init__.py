"""Writes of the voice-of-the-customer loop (domain §7), one module per concern, re-exported
here so callers write `services.feedback_item_answer(...)`:

- qa: the daily QA re-call sample of completed follow-ups, recording a re-call, findings;
- items: feedback items (create, triage, answer, actioned, no action, cite by a change
  request, answer by a change request's decision);
- notices: monthly quality notices per product model, acknowledgement by the addressed
  units, improvement actions verified by re-measuring the fault rate;
- kpi_actions: improvement actions opened by a KPI breach, verified by re-measuring the
  KPI or closed by a quality manager with a note;
- reminders: the daily reminder sweep (late replies, unacknowledged notices, overdue
  improvement actions) that also re-drives decisions whose signal was lost.
"""

from feedback.voice.services.items import (
    REPLY_DAYS,
    feedback_item_answer,
    feedback_item_cite,
    feedback_item_create,
    feedback_item_from_followup,
    feedback_item_mark_actioned,
    feedback_item_no_action,
    feedback_item_triage,
    feedback_items_answer_by_decision,
    feedback_reply_days,
)
from feedback.voice.services.kpi_actions import (
    improvement_action_close,
    improvement_action_open_for_kpi,
    improvement_action_remeasured,
    kpi_action_owner,
)
from feedback.voice.services.notices import (
    EXAMPLES,
    NOTICE_UNIT_KINDS,
    TOP_FAULTS,
    fault_rate,
    improvement_action_create,
    improvement_action_mark_done,
    improvement_action_verify,
    quality_notice_acknowledge,
    quality_notice_generate,
)
from feedback.voice.services.qa import (
    DEFAULT_QA_SAMPLE_RATE,
    SCORE_GAP,
    may_do_qa,
    qa_recall_record,
    qa_sample_rate,
    qa_sampling,
    qa_unit,
)
from feedback.voice.services.reminders import ACKNOWLEDGE_DAYS, voice_reminders

__all__ = [
    "improvement_action_close",
    "improvement_action_open_for_kpi",
    "improvement_action_remeasured",
    "kpi_action_owner",
    "ACKNOWLEDGE_DAYS",
    "DEFAULT_QA_SAMPLE_RATE",
    "EXAMPLES",
    "NOTICE_UNIT_KINDS",
    "REPLY_DAYS",
    "SCORE_GAP",
    "TOP_FAULTS",
    "fault_rate",
    "feedback_item_answer",
    "feedback_item_cite",
    "feedback_item_create",
    "feedback_item_from_followup",
    "feedback_item_mark_actioned",
    "feedback_item_no_action",
    "feedback_item_triage",
    "feedback_items_answer_by_decision",
    "feedback_reply_days",
    "improvement_action_create",
    "improvement_action_mark_done",
    "improvement_action_verify",
    "may_do_qa",
    "qa_recall_record",
    "qa_sample_rate",
    "qa_sampling",
    "qa_unit",
    "quality_notice_acknowledge",
    "quality_notice_generate",
    "voice_reminders",
]
