"""Forms of the follow-up pages: an attempt, the answer (built from the task's
questionnaire), the supervisor's closing note, the answer link, the questionnaire editor."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.forms import BootstrapFormMixin
from feedback.followups import questionnaires
from feedback.models import FollowUp, FollowUpAttempt, Questionnaire
from standards.models import StandardDocument
from standards.parameters import ContactChannel, SurveyScale

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
CONDUCT_CHOICES = [("", _("Not asked")), ("yes", _("Yes")), ("no", _("No"))]


class AttemptForm(BootstrapFormMixin, forms.Form):
    """An attempt that got no answer (or a refusal)."""

    channel = forms.ChoiceField(label=_("Channel"), choices=ContactChannel.choices)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (FollowUpAttempt.Outcome.NO_ANSWER, _("No answer")),
            (FollowUpAttempt.Outcome.REFUSED, _("Refused")),
        ],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class AnswerForm(BootstrapFormMixin, forms.Form):
    """The questionnaire's answer: the score on its scale, problem solved, each conduct
    question, topic codes and free text; staff also say how they reached the customer
    and whether the customer complains about the service itself."""

    score = forms.TypedChoiceField(
        label=_("Score"), coerce=int, widget=forms.RadioSelect
    )
    resolved = forms.TypedChoiceField(
        label=_("Problem solved?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"), required=False, widget=forms.CheckboxSelectMultiple
    )
    service_complaint = forms.BooleanField(
        label=_("The customer complains about the service itself"), required=False
    )

    def __init__(
        self, *args, questionnaire: Questionnaire | None, staff=True, **kwargs
    ):
        super().__init__(*args, **kwargs)
        scale = questionnaire.scale if questionnaire else SurveyScale.CSAT5
        questions = questionnaire.questions if questionnaire else {}
        low, high = questionnaires.score_range(scale)
        self.fields["score"].choices = [(n, str(n)) for n in range(low, high + 1)]
        if questions.get("score"):
            self.fields["score"].label = questions["score"]
        if questions.get("resolved"):
            self.fields["resolved"].label = questions["resolved"]
        if questions.get("comment"):
            self.fields["comment"].label = questions["comment"]
        self.fields["topics"].choices = [
            (item["code"], item["label"]) for item in questions.get("topics", [])
        ]
        self.conduct_names = []
        for item in questions.get("conduct", []):
            name = f"conduct_{item['code']}"
            self.fields[name] = forms.ChoiceField(
                label=item["text"], choices=CONDUCT_CHOICES, required=False
            )
            self.conduct_names.append((name, item["code"]))
        if staff:
            self.fields["channel"] = forms.ChoiceField(
                label=_("Reached by"),
                choices=[
                    (value, label)
                    for value, label in FollowUp.Via.choices
                    if value != FollowUp.Via.LINK
                ],
            )
        else:
            del self.fields["service_complaint"]
        self.apply_bootstrap()

    @property
    def conduct_fields(self):
        return [self[name] for name, _code in self.conduct_names]

    def answer(self) -> dict:
        """The cleaned answer as the service's keyword arguments."""
        data = self.cleaned_data
        answer = {
            "score": data["score"],
            "resolved": data["resolved"],
            "comment": data.get("comment", ""),
            "topics": data.get("topics", []),
            "conduct": {
                code: data[name] == "yes"
                for name, code in self.conduct_names
                if data.get(name)
            },
            "service_complaint": data.get("service_complaint", False),
        }
        if "channel" in data:
            answer["via"] = data["channel"]
        return answer


class CloseNoteForm(BootstrapFormMixin, forms.Form):
    """The supervisor's note that closes an unreachable customer's case."""

    note = forms.CharField(
        label=_("Supervisor's note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class SendLinkForm(BootstrapFormMixin, forms.Form):
    """Send the answer link by SMS or e-mail."""

    channel = forms.ChoiceField(
        label=_("Send by"),
        choices=[
            (ContactChannel.SMS, ContactChannel.SMS.label),
            (ContactChannel.EMAIL, ContactChannel.EMAIL.label),
        ],
    )


def _lines(items: list[dict], text_key: str) -> str:
    return "\n".join(f"{item['code']}: {item[text_key]}" for item in items)


def _parse_lines(value: str, text_key: str) -> list[dict]:
    items = []
    for line in value.splitlines():
        if not line.strip():
            continue
        code, sep, text = line.partition(":")
        if not sep:
            code, text = questionnaires.slug(line), line
        items.append({"code": code.strip(), text_key: text.strip()})
    return items


class QuestionnaireCreateForm(BootstrapFormMixin, forms.Form):
    """A new questionnaire: its code, title and scale (questions start from the
    defaults)."""

    code = forms.SlugField(label=_("Code"), max_length=50)
    title = forms.CharField(label=_("Title"), max_length=200)
    scale = forms.ChoiceField(label=_("Scale"), choices=SurveyScale.choices)


class QuestionnaireForm(BootstrapFormMixin, forms.Form):
    """The questionnaire editor: scale, the questions, conduct questions and topic codes
    one a line as `code: text`."""

    title = forms.CharField(label=_("Title"), max_length=200)
    scale = forms.ChoiceField(label=_("Scale"), choices=SurveyScale.choices)
    standard = forms.ModelChoiceField(
        label=_("Standard"),
        queryset=StandardDocument.objects.filter(kind=StandardDocument.Kind.SERVICE),
        required=False,
    )
    score = forms.CharField(label=_("Satisfaction question"), max_length=300)
    resolved = forms.CharField(label=_("“Problem solved?” question"), max_length=300)
    conduct = forms.CharField(
        label=_("Conduct questions"),
        help_text=_(
            "One a line: code: question (e.g. shoe_covers: Did they wear shoe covers?)"
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )
    comment = forms.CharField(
        label=_("Free-text question"), max_length=300, required=False
    )
    topics = forms.CharField(
        label=pgettext_lazy("questionnaire", "Topic codes"),
        help_text=_("One a line: code: label (e.g. price: Fees)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )

    @classmethod
    def initial_for(cls, questionnaire: Questionnaire) -> dict:
        questions = questionnaire.questions or {}
        return {
            "title": questionnaire.title,
            "scale": questionnaire.scale,
            "standard": questionnaire.standard_id,
            "score": questions.get("score", ""),
            "resolved": questions.get("resolved", ""),
            "comment": questions.get("comment", ""),
            "conduct": _lines(questions.get("conduct", []), "text"),
            "topics": _lines(questions.get("topics", []), "label"),
        }

    def questions(self) -> dict:
        """The `questions` dictionary from the cleaned fields."""
        data = self.cleaned_data
        return {
            "score": data["score"],
            "resolved": data["resolved"],
            "comment": data.get("comment", ""),
            "conduct": _parse_lines(data.get("conduct", ""), "text"),
            "topics": _parse_lines(data.get("topics", ""), "label"),
        }
