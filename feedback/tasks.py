"""Celery tasks of the feedback loop: follow-ups, voice of the customer, care."""

from celery import shared_task
from django.utils import timezone

from feedback.care import services as care_services
from feedback.followups import services as followup_services
from feedback.voice import services as voice_services


@shared_task(acks_late=True)
def followup_schedule_task(ticket_id: int) -> int:
    """Create the follow-up task of a resolved case (sent after its commit)."""
    return followup_services.followup_schedule_for_ticket(ticket_id=ticket_id)


@shared_task(acks_late=True)
def followup_sweep_task() -> int:
    """Move follow-ups to due, retry within quiet hours, mark unreachable (hourly)."""
    return followup_services.followup_sweep(now=timezone.now())


@shared_task(acks_late=True)
def qa_sampling_task() -> int:
    """Draw the day's QA re-call sample of completed follow-ups (daily)."""
    return voice_services.qa_sampling(now=timezone.now())


@shared_task(acks_late=True)
def quality_notice_task() -> int:
    """Issue last month's quality notices per product model (monthly)."""
    return voice_services.quality_notice_generate(now=timezone.now())


@shared_task(acks_late=True)
def voice_reminders_task() -> int:
    """Remind about late feedback replies and unacknowledged quality notices (daily)."""
    return voice_services.voice_reminders(now=timezone.now())


@shared_task(acks_late=True)
def care_sweep_task() -> int:
    """Run the care programmes that are due (daily)."""
    return care_services.care_sweep(now=timezone.now())
