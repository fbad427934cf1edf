"""Serializers of the follow-ups API: read-only output, one input serializer per command."""

from rest_framework import serializers

from feedback.models import FollowUp, FollowUpAttempt, Questionnaire
from standards.parameters import ContactChannel


class FollowUpAttemptSerializer(serializers.ModelSerializer):
    """One attempt: when, channel, outcome, by whom (empty: the system sent a link)."""

    class Meta:
        model = FollowUpAttempt
        fields = ["id", "at", "channel", "outcome", "by", "note"]
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    """A follow-up task with its window, assignment, attempts and (when completed) the
    answer, its result and timeliness (`early`/`on_time`/`late`)."""

    ticket_number = serializers.CharField(
        source="ticket.number", read_only=True, default=None
    )
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    attempts = FollowUpAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = FollowUp
        fields = [
            "id", "kind", "round", "previous", "status", "result", "ticket",
            "ticket_number", "customer", "customer_name", "questionnaire", "unit",
            "assigned_to", "opens_at", "closes_at", "due_at", "attempts_count",
            "max_attempts", "next_attempt_at", "next_channel", "score", "resolved",
            "comment", "conduct", "topics", "service_complaint", "linked_complaint",
            "timeliness", "completed_via", "completed_at", "completed_by", "ended_at",
            "supervisor_note", "attempts", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class FollowUpAttemptInputSerializer(serializers.Serializer):
    """An attempt that got no answer, or a refusal."""

    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    outcome = serializers.ChoiceField(
        choices=[
            FollowUpAttempt.Outcome.NO_ANSWER.value,
            FollowUpAttempt.Outcome.REFUSED.value,
        ]
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpCompleteInputSerializer(serializers.Serializer):
    """The customer's answer: score on the questionnaire's scale, problem solved,
    comment, conduct answers {code: bool}, topic codes, a complaint about the service
    itself, and how the customer was reached (default phone)."""

    score = serializers.IntegerField()
    resolved = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    conduct = serializers.DictField(
        child=serializers.BooleanField(), required=False, default=dict
    )
    topics = serializers.ListField(
        child=serializers.CharField(), required=False, default=list
    )
    service_complaint = serializers.BooleanField(required=False, default=False)
    channel = serializers.ChoiceField(
        choices=[c for c in FollowUp.Via.values if c != FollowUp.Via.LINK],
        required=False,
        default=FollowUp.Via.PHONE,
    )


class FollowUpSendLinkInputSerializer(serializers.Serializer):
    """Send the answer link by SMS or e-mail."""

    channel = serializers.ChoiceField(
        choices=[ContactChannel.SMS.value, ContactChannel.EMAIL.value],
        required=False,
        default=ContactChannel.SMS.value,
    )


class FollowUpCloseCaseInputSerializer(serializers.Serializer):
    """The supervisor's note that closes an unreachable customer's case."""

    note = serializers.CharField()


class QuestionnaireSerializer(serializers.ModelSerializer):
    """A questionnaire version with its questions."""

    class Meta:
        model = Questionnaire
        fields = [
            "id", "code", "version", "title", "status", "scale", "questions",
            "standard", "activated_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
