"""Demo data of the loop layer (follow-ups, voice of the customer, care), loaded after the
demo cases (tickets.demo): every resolved case waiting for its follow-up gets its task,
some answered satisfied (the case closes) or dissatisfied (it reopens; one is reworked and
gets its second follow-up), some unreachable or refused, the rest due for the follow-up
team; one case's task asked on an NPS pilot version of the questionnaire and answered
today (this month's NPS has an answer whatever the day); feedback items in every status
(one cited by the open change request); the QA re-call samples of the last two days, one
re-call recorded with a finding; the previous month's quality notices, one acknowledged
and answered with an improvement action due this month and done already; four care
programmes, each run once.

Built through the services. Only the follow-ups' creation times (to when their case was
resolved) and one feedback item's arrival are moved back; answers and attempts are given
past times within working hours, so the worklist looks lived-in. Idempotent (each part is
skipped when rows of its kind exist); deterministic apart from the QA sample, which the
service draws at random."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from aftersales import services as org_services
from aftersales.models import Unit, User
from customers import services as archive_services
from customers.models import Customer, OwnedProduct, ProductModel
from feedback.care import services as care_services
from feedback.followups import services as followup_services
from feedback.followups.services.common import policy_for
from feedback.models import (
    CareProgramme,
    FeedbackItem,
    FollowUp,
    QaRecall,
    QualityNotice,
    Questionnaire,
)
from feedback.voice import services as voice_services
from standards.models import ChangeRequest
from standards.parameters import SurveyScale
from tickets.cases import services as ticket_services
from tickets.models import Ticket

S = FollowUp.Status
WORKDAY_START, WORKDAY_END = 9, 19  # answers and calls of the demo fall in these hours


class _Cast:
    """The demo people and the moment the loader runs."""

    def __init__(self) -> None:
        users = User.objects.in_bulk(
            ["visitor", "supervisor", "quality", "agent", "manager"],
            field_name="username",
        )
        self.visitor = users["visitor"]
        self.supervisor = users["supervisor"]
        self.quality = users["quality"]
        self.agent = users["agent"]
        self.manager = users["manager"]
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.midnight = timezone.make_aware(datetime.combine(self.today, time.min))
        next_month = (self.today.replace(day=1) + timedelta(days=32)).replace(day=1)
        self.month_end = next_month - timedelta(days=1)


def _working_hours(moment: datetime, followup: FollowUp | None = None) -> datetime:
    """`moment`, or the next moment within the demo's working hours (and, for a
    follow-up, outside its quiet hours)."""
    local = timezone.localtime(moment)
    if local.hour < WORKDAY_START:
        local = local.replace(hour=WORKDAY_START, minute=5, second=0, microsecond=0)
    elif local.hour >= WORKDAY_END:
        local = (local + timedelta(days=1)).replace(
            hour=WORKDAY_START, minute=5, second=0, microsecond=0
        )
    for _step in range(48):
        if followup is None or not followup_services.followup_in_quiet_hours(
            followup, now=local
        ):
            break
        local += timedelta(hours=1)
    return local


def _recent_working_moment(cast: _Cast) -> datetime:
    """A moment within the working hours, at most two hours ago: today's when it is one,
    else late yesterday afternoon."""
    local = timezone.localtime(cast.now - timedelta(hours=2))
    if WORKDAY_START <= local.hour < WORKDAY_END and local.date() == cast.today:
        return local
    return _yesterday_at(cast, WORKDAY_END - 1)


def _yesterday_at(cast: _Cast, hour: int, minute: int = 0) -> datetime:
    day = cast.today - timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


# --- Follow-ups ------------------------------------------------------------------------------

SATISFIED_COMMENTS = [
    "The technician was on time and explained everything.",
    "Fixed quickly, very polite engineer.",
    "",
    "Good service, but the hotline wait was long.",
    "",
    "Clean work, wore shoe covers.",
    "Happy with the repair.",
    "",
]
DISSATISFIED = [
    # score, problem solved, comment, topics, conduct item not done
    (2, False, "It leaks again the next day. Nobody called me back.", ["quality"], ""),
    (1, False, "The technician came two hours late and left a mess.",
     ["timeliness", "attitude"], "clean_up_the_site"),
    (2, True, "Fixed, but I had to take a day off work twice.", ["delivery"], ""),
]  # fmt: skip


def _conduct(followup: FollowUp, missed: str = "") -> dict[str, bool]:
    """The conduct answers of the task's questionnaire: all done but `missed`."""
    questions = followup.questionnaire.questions if followup.questionnaire else {}
    return {
        item["code"]: item["code"] != missed for item in questions.get("conduct", [])
    }


def _opt_out(cast: _Cast, customers) -> None:
    for customer in customers:
        archive_services.customer_update(
            customer=customer, actor=cast.agent, consent_service=False,
            source="phone",
        )  # fmt: skip


def _followups(cast: _Cast) -> None:
    """Follow-up tasks for every case waiting for one, scheduled when the case was
    resolved (one on the NPS pilot's questionnaire); the hourly sweep makes the open
    windows due; then answers and attempts."""
    waiting = Ticket.objects.filter(status="awaiting_follow_up").order_by("pk")
    # Two customers said on the phone they want no more service calls: their tasks are
    # declined at once (and wait for a supervisor's note).
    _opt_out(cast, [ticket.customer for ticket in waiting[:2]])
    pilot = _nps_case(cast, waiting)
    for ticket in waiting:
        if pilot is None or ticket.pk != pilot.pk:
            followup_services.followup_schedule_for_ticket(
                ticket_id=ticket.pk, now=ticket.resolved_at
            )
    if pilot is not None:
        _nps_pilot(cast, pilot)
    # Demo only: the tasks were made when their case was resolved.
    FollowUp.objects.filter(ticket__isnull=False).update(
        created_at=Subquery(
            Ticket.objects.filter(pk=OuterRef("ticket_id")).values("resolved_at")[:1]
        )
    )
    followup_services.followup_sweep(now=cast.now)
    if pilot is not None:
        _nps_answer(cast, pilot)
    tasks = list(
        FollowUp.objects.filter(
            ticket__isnull=False, status__in=[S.DUE, S.IN_PROGRESS]
        ).select_related("ticket__unit", "customer").order_by("opens_at", "pk")
    )  # fmt: skip
    tasks.reverse()  # oldest last: pop() takes the oldest first
    _unreachable(cast, tasks)
    _dissatisfied(cast, tasks)
    _satisfied(cast, tasks)
    _refused_and_tried(cast, tasks)
    # The quality manager is drafting the next version of the questionnaire.
    active = Questionnaire.objects.filter(status=Questionnaire.Status.ACTIVE).first()
    if active is not None:
        followup_services.questionnaire_new_version(
            actor=cast.quality, questionnaire=active
        )


NPS_QUESTION = "How likely are you to recommend us to a friend or colleague?"


def _nps_case(cast: _Cast, waiting) -> Ticket | None:
    """The case of the NPS pilot: the one resolved last whose follow-up window is open
    now (its task is due, not among the oldest the answers below take), its customer
    agreeing to service calls. None when the cases' tasks exist already (made when the
    cases were resolved, by eager Celery outside a transaction): no pilot then."""
    candidates = (
        waiting.filter(
            customer__consent_service=True,
            customer__anonymised_at__isnull=True,
            follow_ups=None,
        )
        .select_related("standard_version")
        .order_by("-resolved_at", "-pk")
    )
    for ticket in candidates:
        window, _policy = policy_for(ticket.standard_version)
        opens = ticket.resolved_at + timedelta(hours=window["opens"])
        closes = ticket.resolved_at + timedelta(hours=window["closes"])
        if opens <= cast.now < closes:
            return ticket
    return None


def _nps_pilot(cast: _Cast, ticket: Ticket) -> None:
    """The quality manager pilots an NPS version (0–10) of the active questionnaire on
    one case: it is active while the case's task is made, then a copy of the CSAT version
    is active again (tasks keep the version they were asked with)."""
    csat = Questionnaire.objects.filter(status=Questionnaire.Status.ACTIVE).first()
    if csat is not None:
        nps = followup_services.questionnaire_new_version(
            actor=cast.quality, questionnaire=csat
        )
        followup_services.questionnaire_update(
            actor=cast.quality, questionnaire=nps, title=f"{csat.title} (NPS pilot)",
            scale=SurveyScale.NPS10, questions={**csat.questions, "score": NPS_QUESTION},
            standard=csat.standard,
        )  # fmt: skip
        followup_services.questionnaire_activate(actor=cast.quality, questionnaire=nps)
    followup_services.followup_schedule_for_ticket(
        ticket_id=ticket.pk, now=ticket.resolved_at
    )
    if csat is not None:
        followup_services.questionnaire_activate(
            actor=cast.quality,
            questionnaire=followup_services.questionnaire_new_version(
                actor=cast.quality, questionnaire=csat
            ),
        )


def _nps_answer(cast: _Cast, ticket: Ticket) -> None:
    """The pilot's customer answers today, a promoter (9): within today's working hours,
    half an hour after the window opened at the earliest, or now when no such moment has
    come yet (so the answer falls in this month on its first day too)."""
    followup = FollowUp.objects.filter(
        ticket=ticket,
        status__in=[S.DUE, S.IN_PROGRESS],
        questionnaire__scale=SurveyScale.NPS10,
    ).first()
    if followup is None:
        return
    start = max(followup.opens_at, cast.midnight) + timedelta(minutes=30)
    moment = min(_working_hours(start, followup), cast.now)
    followup_services.followup_complete(
        followup=followup, actor=cast.visitor, score=9, resolved=True,
        conduct=_conduct(followup), now=moment,
    )  # fmt: skip


def _attempts(
    cast: _Cast, followup: FollowUp, count: int, outcome: str = "no_answer"
) -> bool:
    """`count` unanswered calls at working-hours moments after the window opened; none
    (False) when they would fall in the future."""
    moments, moment = [], followup.opens_at
    for _number in range(count):
        moment = _working_hours(moment + timedelta(hours=4), followup)
        moments.append(moment)
    if moments[-1] > cast.now:
        return False
    for moment in moments:
        followup.refresh_from_db()
        followup_services.followup_attempt(
            followup=followup, actor=cast.visitor, channel=followup.next_channel,
            outcome=outcome, note="No answer." if outcome == "no_answer" else
            "The customer does not want to be called.", now=moment,
        )  # fmt: skip
    return True


def _unreachable(cast: _Cast, tasks: list[FollowUp]) -> None:
    """Three customers never answered: unreachable; a supervisor closes one case with a
    note, the others wait on the "Needs a supervisor" tab."""
    closed = False
    for _number in range(3):
        if not tasks:
            return
        followup = tasks.pop()
        if not _attempts(cast, followup, followup.max_attempts):
            continue
        followup.refresh_from_db()
        supervised = followup.ticket.unit.code in {"sh-hotline", "sh-workshop"}
        if not closed and supervised and followup.status == S.UNREACHABLE:
            followup_services.followup_close_unreachable(
                followup=followup, actor=cast.supervisor,
                note="Called three times and sent an SMS; the repair report shows the "
                "fault fixed and tested. Closing without an answer.",
                now=_recent_working_moment(cast),
            )  # fmt: skip
            closed = True


def _answer_at(
    followup: FollowUp, preferred: datetime, cast: _Cast, *, in_window: bool = True
) -> datetime | None:
    """When the customer answered: `preferred` when it falls in the task's window (or,
    with `in_window` False, anywhere after it opened), else the first working-hours
    moment after the window opened (on time when the window was still open); None when
    that is still to come."""
    if followup.opens_at <= preferred <= min(followup.closes_at, cast.now):
        return preferred
    first = _working_hours(followup.opens_at + timedelta(minutes=30))
    if not in_window and followup.opens_at <= preferred <= cast.now:
        return preferred
    return first if first <= cast.now else None


def _dissatisfied(cast: _Cast, tasks: list[FollowUp]) -> None:
    """Three dissatisfied answers reopen their cases to the first owner; the first one is
    reworked, resolved again and gets its second follow-up."""
    reworked = False
    for score, resolved, comment, topics, missed in DISSATISFIED:
        if not tasks:
            return
        followup = tasks.pop()
        # The first answer is the day before yesterday's (that day's QA sample).
        preferred = _yesterday_at(cast, 11) - timedelta(days=1)
        moment = _answer_at(followup, preferred, cast, in_window=reworked)
        if moment is None:
            continue
        followup_services.followup_complete(
            followup=followup, actor=cast.visitor, score=score, resolved=resolved,
            comment=comment, conduct=_conduct(followup, missed), topics=topics,
            now=moment,
        )  # fmt: skip
        if reworked:
            continue
        ticket = Ticket.objects.get(pk=followup.ticket_id)
        worker = ticket.handler or ticket.first_owner
        ticket_services.ticket_transition(ticket=ticket, action="start", actor=worker)
        ticket_services.ticket_inform_customer(
            ticket=ticket, actor=worker,
            message="Replaced the faulty part once more and tested it twice.",
        )  # fmt: skip
        ticket.refresh_from_db()
        ticket_services.ticket_resolve(
            ticket=ticket, actor=worker, cause_code=ticket.cause_code or "REWORK",
            liability=ticket.liability or "producer_defect",
            resolution="Second visit: replaced the part again and tested.",
        )  # fmt: skip
        followup_services.followup_schedule_for_ticket(ticket_id=ticket.pk)
        reworked = True


def _satisfied(cast: _Cast, tasks: list[FollowUp]) -> None:
    """Eight satisfied answers (yesterday where the window allows: the QA sample is drawn
    from yesterday's answers) close their cases."""
    for number, comment in enumerate(SATISFIED_COMMENTS):
        if not tasks:
            return
        followup = tasks.pop()
        preferred = _yesterday_at(cast, 10) + timedelta(minutes=35 * number)
        # The first answer is yesterday's in any case, so QA has a sample to draw.
        moment = _answer_at(followup, preferred, cast, in_window=number > 0)
        if moment is None:
            continue
        followup_services.followup_complete(
            followup=followup, actor=cast.visitor, score=5 if number % 3 else 4,
            resolved=True, comment=comment, conduct=_conduct(followup),
            topics=["timeliness"] if "wait" in comment else [], now=moment,
        )  # fmt: skip


def _refused_and_tried(cast: _Cast, tasks: list[FollowUp]) -> None:
    """One customer refuses the call (declined); two were tried once (in progress)."""
    if tasks:
        _attempts(cast, tasks.pop(), 1, outcome="refused")
    for _number in range(2):
        if tasks:
            _attempts(cast, tasks.pop(), 1)


# --- Voice of the customer -------------------------------------------------------------------

# (source, text, product model code or "", topic codes, status to reach, reply)
ITEMS = [
    ("contact", "Please offer installation in the evening: I work until 18:00 every day.",
     "AC-35-INV", ["delivery"], "new", ""),
    ("dealer", "Customers keep asking why the compressor warranty is not longer than the "
     "fridge's.", "RF-520-DD", ["quality"], "triaged", ""),
    ("complaint", "The hotline put me on hold for 25 minutes.", "", ["timeliness"],
     "answered", "Sorry for the wait: we added two agents to the evening shift."),
    ("staff", "Technicians ask for a printed fee schedule to hand to customers.", "",
     ["price"], "actioned", "Printed fee schedules are now in every service kit."),
    ("contact", "The TV remote's battery cover breaks easily.", "TV-65-OLED", ["quality"],
     "no_action", "Thank you: the cover is replaced free of charge at any service point; "
     "the design stays as it is."),
    ("dealer", "Can the notebook come with a longer charger cable?", "NB-14-PRO",
     ["quality"], "no_action", "The cable length follows the safety certification."),
    ("contact", "The washing machine manual does not explain the drum-clean programme.",
     "WM-8KG-F1", ["quality"], "actioned", "The next print of the manual explains it; "
     "we sent you the page by e-mail."),
]  # fmt: skip


def _items(cast: _Cast) -> None:
    """Feedback items in every status: the survey comments of the answered follow-ups
    (the dissatisfied ones new or triaged, one overdue; the others answered) and what customers,
    dealers and staff said; the open change request on the service standard cites the
    request for evening slots."""
    models = {m.code: m for m in ProductModel.objects.all()}
    customers = list(
        Ticket.objects.filter(status="closed").values_list("customer", flat=True)[:20]
    )
    items = []
    for number, (source, text, model, topics, target, reply) in enumerate(ITEMS):
        item = voice_services.feedback_item_create(
            actor=cast.agent, source=source, text=text,
            product_model=models.get(model), topic_codes=topics,
            customer=_customer(customers, number) if source == "contact" else None,
        )  # fmt: skip
        items.append((item, target, reply))
    surveys = FollowUp.objects.filter(status=S.COMPLETED).exclude(comment="")
    for followup in surveys.order_by("completed_at", "pk"):
        item = voice_services.feedback_item_from_followup(followup)
        if followup.result == FollowUp.Result.DISSATISFIED:
            items.append((item, "new" if len(items) % 2 else "triaged", ""))
        else:
            items.append((item, "answered", "Thank you for your kind words!"))
    for item, target, reply in items:
        if target == "triaged":
            voice_services.feedback_item_triage(
                item=item, actor=cast.quality, owner=cast.quality
            )
        elif target == "answered":
            voice_services.feedback_item_answer(
                item=item, actor=cast.quality, reply=reply
            )
        elif target == "actioned":
            voice_services.feedback_item_mark_actioned(
                item=item, actor=cast.quality, reply=reply
            )
        elif target == "no_action":
            voice_services.feedback_item_no_action(
                item=item, actor=cast.quality, reason=reply
            )
    request = ChangeRequest.objects.filter(status=ChangeRequest.Status.OPEN).first()
    if request is not None:
        voice_services.feedback_item_cite(
            item=items[0][0], change_request=request, actor=cast.quality
        )
    # Demo only: the first survey complaint came in twelve days ago and is overdue.
    late = FeedbackItem.objects.filter(source="survey", status="new").first()
    if late is not None:
        received = cast.now - timedelta(days=12)
        FeedbackItem.objects.filter(pk=late.pk).update(
            created_at=received,
            reply_due_on=timezone.localdate(received)
            + timedelta(days=voice_services.feedback_reply_days(ticket=late.ticket)),
        )


def _customer(ids: list[int], number: int) -> Customer | None:
    return Customer.objects.get(pk=ids[number % len(ids)]) if ids else None


def _qa(cast: _Cast) -> None:
    """The daily QA samples of the last two days' answers (as the daily job would have
    drawn them); QA called yesterday's customer again and heard another story: a finding
    against the follow-up. The other re-call waits to be made."""
    for days_ago in (1, 0):
        voice_services.qa_sampling(now=cast.now - timedelta(days=days_ago))
    recall = (
        QaRecall.objects.filter(followup__result=FollowUp.Result.SATISFIED)
        .select_related("followup")
        .order_by("-sampled_on", "pk")
        .first()
    )
    if recall is None:
        return
    voice_services.qa_recall_record(
        recall=recall, actor=cast.quality, score=2, resolved=False,
        note="The customer says the fault came back the day after the follow-up call.",
    )  # fmt: skip


def _notices(cast: _Cast) -> None:
    """The quality notices of the previous month (the month's cases, by product model);
    Production acknowledges the first and answers it with an improvement action due at
    the end of this month, and reports it done today (by its due day; it is re-measured
    after next month). The quality manager also sits in Production for the demo (notices
    are acknowledged and answered by the addressed unit's members)."""
    voice_services.quality_notice_generate(now=cast.now)
    notice = (
        QualityNotice.objects.order_by("-total_cases", "pk")
        .prefetch_related("recipients__unit")
        .first()
    )
    if notice is None:
        return
    production = Unit.objects.get(code="production")
    org_services.membership_set(user=cast.quality, unit=production)
    recipient = notice.recipients.get(unit=production)
    voice_services.quality_notice_acknowledge(recipient=recipient, actor=cast.quality)
    top = (notice.top_faults or [{}])[0].get("code", "")
    action = voice_services.improvement_action_create(
        notice=notice, unit=production, actor=cast.quality, owner=cast.quality,
        fault_code=top, due_on=cast.month_end,
        description="Add a leak test under load to the end-of-line check and tighten the "
        "supplier's seal tolerance.",
    )  # fmt: skip
    voice_services.improvement_action_mark_done(action=action, actor=cast.quality)


# --- Care ------------------------------------------------------------------------------------

REMINDER_EN = "Dear {customer}, your {model_name} ({serial}) {programme}: {due_date}."
REMINDER_ZH = "{customer}您好：您的{model_name}（{serial}）{programme}：{due_date}。"


def _care(cast: _Cast) -> None:
    """Four programmes, each run once: warranty-expiry and maintenance reminders, an
    information message to customers who agreed to marketing, and a safety recall of a
    serial range of one TV model (calls on the follow-up worklist). A few owners opted
    out of service contact, so the runs also skip with their reasons."""
    soon = OwnedProduct.objects.filter(
        validity_end__gte=cast.today,
        validity_end__lte=cast.today + timedelta(days=30),
    ).order_by("pk")
    _opt_out(
        cast, {product.customer for product in soon.select_related("customer")[:4]}
    )
    tv = ProductModel.objects.get(code="TV-65-OLED")
    serials = sorted(
        OwnedProduct.objects.filter(model=tv).values_list("serial", flat=True)
    )
    recall_range = serials[2:10] or serials
    programmes = [
        {
            "name": "Warranty ends in 30 days",
            "kind": "warranty_expiry",
            "days_before": 30,
            "validity_basis": "validity_end",
            "channels": ["sms", "email"],
            "subject_en": "Your warranty ends soon",
            "body_en": REMINDER_EN.replace("{due_date}", "{validity_end}"),
            "body_zh": REMINDER_ZH.replace("{due_date}", "{validity_end}"),
            "description": "Offer an extended warranty before the validity ends.",
        },
        {
            "name": "Yearly maintenance reminder",
            "kind": "maintenance_due",
            "days_before": 30,
            "channels": ["sms"],
            "body_en": REMINDER_EN,
            "body_zh": REMINDER_ZH,
            "description": "Washing machines, air conditioners and cars: every 12 months.",
        },
        {
            "name": "New air-conditioner cleaning service",
            "kind": "information",
            "segments": ["regular", "key"],
            "channels": ["email", "sms"],
            "subject_en": "New: deep cleaning for your air conditioner",
            "body_en": "Dear {customer}, book our new deep-cleaning service before summer.",
            "body_zh": "{customer}您好：夏季前可预约空调深度清洗服务。",
            "description": "Only customers who agreed to marketing messages.",
        },
        {
            "name": f"Safety recall: {tv.code} power board",
            "kind": "recall",
            "product_models": [tv],
            "serial_from": recall_range[0],
            "serial_to": recall_range[-1],
            "channels": ["call", "sms"],
            "body_en": "Dear {customer}, your {model} ({serial}) needs a free power board "
            "replacement. We will call you to book a visit.",
            "body_zh": "{customer}您好：您的{model}（{serial}）需免费更换电源板，我们将致电预约。",
            "description": "Power board capacitor may overheat; free replacement at home.",
        },
    ]
    for fields in programmes:
        programme = care_services.care_programme_create(actor=cast.quality, **fields)
        care_services.care_run(actor=cast.quality, programme=programme, now=cast.now)


# Each part runs once: skipped when rows of its kind exist (a second run adds nothing).
PARTS = [
    # Answered ones: with eager Celery the cases' own tasks may exist already.
    (
        "follow-ups",
        lambda: FollowUp.objects.filter(ticket__isnull=False, status=S.COMPLETED),
        _followups,
    ),
    ("feedback items", lambda: FeedbackItem.objects.all(), _items),
    ("QA re-calls", lambda: QaRecall.objects.all(), _qa),
    ("quality notices", lambda: QualityNotice.objects.all(), _notices),
    ("care programmes", lambda: CareProgramme.objects.all(), _care),
]


@transaction.atomic
def load(stdout=None) -> None:
    """Create the loop's demo data on the demo cases (each part once)."""
    if not Ticket.objects.exists():
        return
    cast = _Cast()
    for label, existing, build in PARTS:
        if existing().exists():
            continue
        build(cast)
        if stdout:
            stdout.write(f"  loop: {label}")
