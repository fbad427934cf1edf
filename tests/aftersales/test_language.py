"""No English fragments in a Chinese text (issue #13): job names, legal citations and the
placeholders of texts people write have one translated, checked home."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

from aftersales.models import JOB_LABELS, JobRun
from standards.legal_data import LEGAL_RULE_SETS
from standards.selectors import citation_text

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "aftersales",
    "standards",
    "customers",
    "tickets",
    "feedback",
    "portal",
    "dashboards",
]
# Latin words a Chinese citation may keep: the platform's own acronym.
KEPT = {"ODR"}


def job_names_in_code() -> set[str]:
    names = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", None) == "job_run"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    names.add(node.args[0].value)
    return names


def test_every_scheduled_job_has_a_name_in_words():
    names = job_names_in_code()
    assert "sla_sweep" in names
    assert names - set(JOB_LABELS) == set()


def test_a_job_run_is_shown_in_the_readers_language():
    run = JobRun(name="outbox_sweep")
    with translation.override("zh-hans"):
        assert run.label == "发件箱：重发未发出的消息"
    with translation.override("en"):
        assert run.label == "Outbox: resend what was not sent"
    assert JobRun(name="made_up").label == "made_up"


@pytest.mark.parametrize(
    ("rule_set", "key"),
    [
        (rule_set["code"], key)
        for rule_set in LEGAL_RULE_SETS
        for key in rule_set["citations"]
    ],
)
def test_every_seeded_citation_reads_in_chinese(rule_set, key):
    [citation] = [r["citations"][key] for r in LEGAL_RULE_SETS if r["code"] == rule_set]
    with translation.override("zh-hans"):
        text = citation_text(citation)
    words = set(re.findall(r"[A-Za-z]{2,}", text)) - KEPT
    assert words == set(), text
    with translation.override("en"):
        assert citation_text(citation) == citation


def test_an_article_and_a_companys_own_citation():
    with translation.override("zh-hans"):
        assert citation_text(
            "《某法》 Art. 25: refund within 7 days of receiving the returned goods"
        ) == ("《某法》 第25条：收到退货之日起7日内退款")
        assert citation_text("Our own rule: call back in an hour") == (
            "Our own rule：call back in an hour"
        )
        assert citation_text("") == ""
