"""One table of legal defaults (style.md B.1 "one home per rule"): the values live in
`standards.legal_data.LEGAL_DEFAULTS` and nowhere else. The seeded rule sets are built from
it, the entitlement engine falls back on that very object (and on another table passed in),
the legal-clock sweep uses the engine's fallbacks, the company standard's defaults start from
it — and none of tickets/entitlement.py, tickets/repairs/services.py, standards/parameters.py
pairs a legal key with a number of its own again."""

from __future__ import annotations

import ast
import inspect
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from standards import parameters
from standards.legal_data import LEGAL_DEFAULTS, LEGAL_RULE_SETS
from tickets import entitlement
from tickets.entitlement import Facts, compute
from tickets.repairs import services as repair_services

ROOT = Path(__file__).resolve().parents[2]
LEGAL_KEYS = {key for section in LEGAL_DEFAULTS.values() for key in section}
# The modules that once held their own copies of the legal defaults.
READERS = [
    "tickets/entitlement.py",
    "tickets/repairs/services.py",
    "standards/parameters.py",
]


def _own_numbers(source: str) -> list[str]:
    """Every place where a legal key is paired with a numeric literal: a dict entry
    (`"return_window_days": 7`) or a call argument right after the key
    (`legal.get("parts_wait_max_days", 90)`, `_value(s, l, "return_window_days", 7)`)."""

    def is_key(node: ast.AST | None) -> bool:
        return isinstance(node, ast.Constant) and node.value in LEGAL_KEYS

    def is_number(node: ast.AST | None) -> bool:
        if isinstance(node, ast.UnaryOp):
            node = node.operand
        return (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
        )

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            pairs = zip(node.keys, node.values, strict=True)
        elif isinstance(node, ast.Call):
            pairs = zip(node.args, node.args[1:], strict=False)
        else:
            continue
        found += [
            f"line {key.lineno}: {key.value!r} -> {ast.unparse(value)}"
            for key, value in pairs
            if is_key(key) and is_number(value)
        ]
    return found


@pytest.mark.parametrize("path", READERS)
def test_no_reader_defines_its_own_legal_default(path):
    assert _own_numbers((ROOT / path).read_text("utf-8")) == []


@pytest.mark.parametrize(
    "snippet",
    [
        '_ENGINE_DEFAULTS = {"return_window_days": 7}',
        'days = int(_value(standard, legal, "parts_wait_max_days", 90))',
        'limit = legal.get("single_repair_spare_car_days", 5)',
        'DEFAULTS = {"entitlement": {"burden_shift_months": 6}}',
    ],
)
def test_the_check_catches_an_inline_default(snippet):
    assert _own_numbers(snippet)


def test_the_engine_falls_back_on_the_table_itself():
    assert entitlement.DEFAULTS is LEGAL_DEFAULTS
    assert inspect.signature(compute).parameters["defaults"].default is LEGAL_DEFAULTS


def _copy_with(section: str, key: str, value: int) -> dict[str, dict[str, int]]:
    table = {name: dict(values) for name, values in LEGAL_DEFAULTS.items()}
    table[section][key] = value
    return table


START = date(2026, 3, 2)


def _facts(category: str = "tv", day: int = 100, **facts: Any) -> Facts:
    """A fault `day` days into a year-long validity; no standard, no law named."""
    values: dict[str, Any] = {
        "category": category,
        "report_date": START + timedelta(days=day),
        "validity_start": START,
        "validity_end": START + timedelta(days=364),
        "invoice_price": Decimal("1000.00"),
    }
    return Facts(**{**values, **facts})


@pytest.mark.parametrize(
    ("section", "key", "value", "facts"),
    [
        ("household", "return_window_days", 10, _facts(day=9)),
        ("household", "exchange_window_days", 21, _facts(day=20)),
        ("household", "repeat_repair_threshold", 3, _facts(failed_repairs=2)),
        ("household", "parts_wait_max_days", 100, _facts(parts_wait_days=91)),
        (
            "household",
            "repairer_fault_max_repair_days",
            40,
            _facts(repairer_fault_repair_days=31),
        ),
        (
            "vehicle",
            "cumulative_repair_days_max",
            40,
            _facts("vehicle", cumulative_repair_days=31),
        ),
        (
            "vehicle",
            "repeat_repair_threshold",
            6,
            _facts("vehicle", same_problem_repairs=5),
        ),
        (
            "vehicle",
            "single_repair_spare_car_days",
            10,
            _facts("vehicle", current_repair_days=6),
        ),
    ],
)
def test_a_changed_copy_of_the_table_changes_the_engine_result(
    section, key, value, facts
):
    def run(defaults=None) -> dict[str, Any]:
        extra = {} if defaults is None else {"defaults": defaults}
        return compute(
            facts, standard={}, legal={}, citations={}, **extra
        ).as_snapshot()

    assert run() == run(LEGAL_DEFAULTS)
    assert run(_copy_with(section, key, value)) != run()


def test_the_sweep_uses_the_engine_fallbacks():
    assert repair_services.entitlement.DEFAULTS is LEGAL_DEFAULTS
    for key in repair_services._DAY_LIMITS:
        section = "vehicle" if key in repair_services._LEGAL_ONLY else "household"
        assert repair_services._engine_default(key) == LEGAL_DEFAULTS[section].get(key)


def test_the_seeded_rule_sets_are_built_from_the_table():
    families = {
        "cn-sanbao-1995": ["household"],
        "cn-consumer-law-2013": ["household", "consumer"],
        "cn-consumer-regulation-2024": ["household", "consumer"],
        "cn-vehicles-2021": ["vehicle"],
    }
    for rule_set in LEGAL_RULE_SETS:
        expected = {
            key: value
            for family in families[rule_set["code"]]
            for key, value in LEGAL_DEFAULTS[family].items()
        }
        numbers = {
            key: value
            for key, value in rule_set["parameters"].items()
            if isinstance(value, int)
        }
        assert numbers == expected, rule_set["code"]


def test_the_company_standard_starts_from_the_table():
    defaults = parameters.DEFAULT_SERVICE_PARAMETERS["entitlement"]
    table = {**LEGAL_DEFAULTS["household"], **LEGAL_DEFAULTS["consumer"]}
    numbers = {k: v for k, v in defaults.items() if isinstance(v, int)}
    assert numbers == {key: table[key] for key in numbers}
    # Every numeric parameter checked against the law names a value of the table.
    for field in parameters.SCHEMA:
        if field.legal_key and field.kind in {"days", "months", "count"}:
            assert field.legal_key in LEGAL_KEYS, field.path
