"""Service-standard parameters (standards/parameters.py): schema validation, the legal floor,
the diff between versions, and dotted-path access. Pure: no database."""

from __future__ import annotations

import copy

import pytest

from standards import parameters as params
from standards.legal_data import LEGAL_RULE_SETS
from standards.parameters import (
    DEFAULT_SERVICE_PARAMETERS,
    SCHEMA_BY_PATH,
    diff_parameters,
    flatten,
    get_path,
    set_path,
    validate_service_parameters,
)

# The seeded sets, as selectors.legal_rule_sets_for_validation() gives them.
LEGAL = {
    data["code"]: {
        "name": data["name"],
        "parameters": data["parameters"],
        "citations": data["citations"],
    }
    for data in LEGAL_RULE_SETS
}
BY_CODE = {data["code"]: data for data in LEGAL_RULE_SETS}
REGULATION_2024 = "cn-consumer-regulation-2024"


def with_changes(changes: dict) -> dict:
    parameters = copy.deepcopy(DEFAULT_SERVICE_PARAMETERS)
    for path, value in changes.items():
        set_path(parameters, path, value)
    return parameters


def validate(changes: dict) -> dict[str, list[str]]:
    return validate_service_parameters(with_changes(changes), legal_rule_sets=LEGAL)


def looser_message(code: str, legal_key: str, shown: object) -> str:
    data = BY_CODE[code]
    return (
        f"Looser than the law: {data['name']} gives {shown} "
        f"({data['citations'][legal_key]}); a standard may be stricter, never looser."
    )


# --- The defaults and the legal floor --------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["cn-sanbao-1995", "cn-consumer-law-2013", "cn-consumer-regulation-2024"]
)
def test_default_parameters_are_valid_against_the_household_sets(code):
    assert validate({"entitlement.legal_rule_set": code}) == {}


def test_default_parameters_are_valid_as_seeded():
    assert (
        DEFAULT_SERVICE_PARAMETERS["entitlement"]["legal_rule_set"] == REGULATION_2024
    )
    assert (
        validate_service_parameters(DEFAULT_SERVICE_PARAMETERS, legal_rule_sets=LEGAL)
        == {}
    )


def test_validation_does_not_change_its_input():
    parameters = with_changes({"entitlement.return_window_days": 3})
    before = copy.deepcopy(parameters)
    validate_service_parameters(parameters, legal_rule_sets=LEGAL)
    assert parameters == before


# (path, legal key, looser value, value shown as the law's, stricter value)
LEGAL_BOUND_FIELDS = [
    # min-bound: the law's value is the least a standard may give
    ("entitlement.return_window_days", "return_window_days", 3, 7, 10),
    ("entitlement.exchange_window_days", "exchange_window_days", 14, 15, 30),
    ("entitlement.no_reason_return_days", "no_reason_return_days", 6, 7, 15),
    ("entitlement.burden_shift_months", "burden_shift_months", 5, 6, 12),
    # max-bound: the law's value is the most a standard may demand
    ("entitlement.repeat_repair_threshold", "repeat_repair_threshold", 3, 2, 1),
    ("entitlement.repairer_fault_max_repair_days", "repairer_fault_max_repair_days", 31, 30, 20),
    ("entitlement.parts_wait_max_days", "parts_wait_max_days", 91, 90, 60),
    # rank-bound: a later start of validity is more favourable to the customer
    ("entitlement.validity_start_basis", "validity_start_basis", "invoice",
     "Installation, else delivery", None),
    ("entitlement.validity_start_basis", "validity_start_basis", "delivery",
     "Installation, else delivery", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "legal_key", "looser", "shown", "stricter"), LEGAL_BOUND_FIELDS
)
def test_a_looser_value_names_the_law_and_its_value(
    path, legal_key, looser, shown, stricter
):
    errors = validate({path: looser})
    assert errors == {path: [looser_message(REGULATION_2024, legal_key, shown)]}


@pytest.mark.parametrize(
    ("path", "stricter"),
    [(path, stricter) for path, _k, _l, _s, stricter in LEGAL_BOUND_FIELDS if stricter],
)
def test_a_stricter_value_is_accepted(path, stricter):
    assert validate({path: stricter}) == {}


@pytest.mark.parametrize("path", sorted({path for path, *_rest in LEGAL_BOUND_FIELDS}))
def test_the_legal_value_itself_is_accepted(path):
    legal_key = SCHEMA_BY_PATH[path].legal_key
    value = LEGAL[REGULATION_2024]["parameters"][legal_key]
    assert validate({path: value}) == {}


def test_the_example_return_window_message_reads_in_full():
    assert validate({"entitlement.return_window_days": 3}) == {
        "entitlement.return_window_days": [
            "Looser than the law: Consumer Rights Protection Law and its implementing "
            "regulation 2024 gives 7 (《部分商品修理更换退货责任规定》(1995): performance "
            "fault within 7 days — return, exchange or repair); a standard may be "
            "stricter, never looser."
        ]
    }


@pytest.mark.parametrize(
    ("code", "path", "value", "expected"),
    [
        # Under the 1995 provisions validity may start at the invoice date …
        ("cn-sanbao-1995", "entitlement.validity_start_basis", "invoice", {}),
        # … which has no distance-sales rule, so a shorter no-reason window is not checked.
        ("cn-sanbao-1995", "entitlement.no_reason_return_days", 3, {}),
        # The vehicles provisions allow up to 4 repairs of the same problem.
        ("cn-vehicles-2021", "entitlement.repeat_repair_threshold", 4, {}),
        ("cn-vehicles-2021", "entitlement.validity_start_basis", "delivery", {}),
    ],
)
def test_the_yardstick_is_the_set_the_standard_names(code, path, value, expected):
    changes = {"entitlement.legal_rule_set": code, path: value}
    if code == "cn-vehicles-2021":
        changes["entitlement.exchange_window_days"] = 60
    assert validate(changes) == expected


def test_the_vehicles_set_refuses_the_household_exchange_window():
    errors = validate({"entitlement.legal_rule_set": "cn-vehicles-2021"})
    assert errors == {
        "entitlement.exchange_window_days": [
            looser_message("cn-vehicles-2021", "exchange_window_days", 60)
        ]
    }


def test_an_unknown_legal_rule_set_is_a_choice_error_and_skips_the_legal_check():
    errors = validate(
        {
            "entitlement.legal_rule_set": "cn-unknown",
            "entitlement.return_window_days": 1,
        }
    )
    assert errors == {
        "entitlement.legal_rule_set": [
            "“cn-unknown” is not one of the allowed choices."
        ]
    }


def test_a_value_with_a_type_error_gets_no_legal_message_on_top():
    errors = validate({"entitlement.return_window_days": "abc"})
    assert errors == {"entitlement.return_window_days": ["Enter a number."]}


# --- Types and ranges -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("sla.resolve.P1", "abc", "Enter a number."),
        ("sla.resolve.P1", True, "Enter a number."),
        ("sla.resolve.P1", "Infinity", "Enter a number."),
        ("sla.resolve.P1", -1, "Must be at least 0.25."),
        ("sla.acknowledge.P3", 0, "Must be at least 0.25."),
        ("sla.resolve.P1", 2000.5, "Must be at most 2000."),
        ("sla.onsite.urban", 0.25, "Must be at least 0.5."),
        ("sla.acknowledge.P2", None, "This value is required."),
        ("sla.acknowledge.P2", "", "This value is required."),
        ("sla.handover_acceptance_hours", 721, "Must be at most 720."),
        ("sla.business_hours", "yes", "Must be true or false."),
        ("sla.business_hours", 1, "Must be true or false."),
        ("entitlement.return_window_days", -7, "Must be at least 0."),
        ("entitlement.return_window_days", 7.5, "Enter a whole number."),
        ("entitlement.burden_shift_months", "6.5", "Enter a whole number."),
        ("entitlement.repeat_repair_threshold", 0, "Must be at least 1."),
        ("entitlement.validity_start_basis", "purchase",
         "“purchase” is not one of the allowed choices."),
        ("followup.coverage.repair", 1.5, "Must be at most 1."),
        ("followup.coverage.repair", -0.1, "Must be at least 0."),
        ("followup.max_attempts", 2.5, "Enter a whole number."),
        ("followup.quiet_hours.start", "25:00", "Enter a time as HH:MM."),
        ("followup.quiet_hours.start", "9:00", "Enter a time as HH:MM."),
        ("followup.quiet_hours.end", "08:60", "Enter a time as HH:MM."),
        ("followup.quiet_hours.end", 800, "Enter a time as HH:MM."),
        ("followup.channels", ["phone", "fax"], "Unknown choices: fax."),
        ("followup.channels", ["phone", "fax", "telex"], "Unknown choices: fax, telex."),
        ("followup.channels", "phone", "Enter a list of texts."),
        ("followup.channels", ["phone", ""], "Enter a list of texts."),
        ("followup.channels", [], "This value is required."),
        ("followup.scale", "stars", "“stars” is not one of the allowed choices."),
        ("scope.channel", "fax", "“fax” is not one of the allowed choices."),
        ("scope.category", 5, "Enter a text."),
        ("kpi.complaint_rate.ceiling", 2, "Must be at most 1."),
        ("conduct_checklist", "Wear shoe covers", "Enter a list of texts."),
    ],
)  # fmt: skip
def test_a_value_that_does_not_fit_its_field_is_refused(path, value, message):
    assert validate({path: value}) == {path: [message]}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("sla.resolve.P1", "36"),
        ("sla.acknowledge.P1", 0.25),
        ("sla.business_hours", True),
        ("scope.category", ""),
        ("scope.category", "refrigerator"),
        ("scope.channel", "hotline"),
        ("scope.channel", ""),
        ("kpi.complaint_rate.ceiling", None),
        ("followup.quiet_hours.start", "23:59"),
        ("followup.quiet_hours.end", "00:00"),
        ("followup.channels", ["wechat", "email", "phone", "sms"]),
        ("followup.coverage.consultation", 0),
        ("entitlement.return_window_days", 7.0),
    ],
)
def test_a_value_that_fits_its_field_is_accepted(path, value):
    assert validate({path: value}) == {}


def test_several_errors_are_reported_together_by_path():
    errors = validate(
        {
            "sla.resolve.P1": "abc",
            "followup.quiet_hours.start": "25:00",
            "entitlement.repeat_repair_threshold": 3,
        }
    )
    assert errors == {
        "sla.resolve.P1": ["Enter a number."],
        "entitlement.repeat_repair_threshold": [
            looser_message(REGULATION_2024, "repeat_repair_threshold", 2)
        ],
        "followup.quiet_hours.start": ["Enter a time as HH:MM."],
    }


def test_missing_groups_report_every_required_field():
    errors = validate_service_parameters({}, legal_rule_sets=LEGAL)
    required = [field.path for field in params.SCHEMA if field.required]
    assert list(errors) == required
    assert all(messages == ["This value is required."] for messages in errors.values())


def test_parameters_that_are_not_an_object_are_refused():
    assert validate_service_parameters([], legal_rule_sets=LEGAL) == {
        "parameters": ["Parameters must be an object."]
    }


@pytest.mark.parametrize(("opens", "closes"), [(72, 72), (80, 72), (3, 2.5)])
def test_followup_window_must_close_after_it_opens(opens, closes):
    errors = validate(
        {"followup.opens_after_hours": opens, "followup.closes_after_hours": closes}
    )
    assert errors == {
        "followup.closes_after_hours": ["The window must close after it opens."]
    }


def test_followup_window_that_closes_after_it_opens_is_accepted():
    assert (
        validate({"followup.opens_after_hours": 0, "followup.closes_after_hours": 0.5})
        == {}
    )


# --- Diff -------------------------------------------------------------------------------------


def test_diff_lists_changed_added_and_removed_paths_in_schema_order():
    old = copy.deepcopy(DEFAULT_SERVICE_PARAMETERS)
    new = with_changes(
        {
            "conduct_checklist": ["Show staff ID"],
            "followup.max_attempts": 4,
            "sla.onsite.urban": 24,
            "scope.unit": "br",
            "aaa.note": "x",
        }
    )
    set_path(old, "sla.onsite.urban", 48)
    del new["kpi"]["complaint_rate"]["ceiling"]

    changes = diff_parameters(old, new)

    assert [(c.path, c.old, c.new, c.kind) for c in changes] == [
        ("scope.unit", "", "br", "changed"),
        ("sla.onsite.urban", 48, 24, "changed"),
        ("followup.max_attempts", 3, 4, "changed"),
        ("kpi.complaint_rate.ceiling", 0.00001, None, "removed"),
        (
            "conduct_checklist",
            DEFAULT_SERVICE_PARAMETERS["conduct_checklist"],
            ["Show staff ID"],
            "changed",
        ),
        ("aaa.note", None, "x", "added"),
    ]
    assert changes[1].label == SCHEMA_BY_PATH["sla.onsite.urban"].label
    assert changes[-1].label == "aaa.note"


def test_diff_of_equal_parameters_is_empty():
    assert diff_parameters(DEFAULT_SERVICE_PARAMETERS, with_changes({})) == []
    assert diff_parameters({}, {}) == []


def test_diff_from_nothing_lists_every_leaf_as_added():
    changes = diff_parameters({}, {"sla": {"resolve": {"P1": 48}}})
    assert [(c.path, c.kind) for c in changes] == [("sla.resolve.P1", "added")]


# --- Dotted paths -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "default", "expected"),
    [
        ("sla.resolve.P1", None, 48),
        ("sla.onsite", None, {"urban": 24, "rural": 72}),
        ("sla.resolve.P9", None, None),
        ("sla.resolve.P9", "n/a", "n/a"),
        ("sla.resolve.P1.hours", "n/a", "n/a"),
        ("conduct_checklist.0", "n/a", "n/a"),
        ("nothing", 0, 0),
    ],
)
def test_get_path(path, default, expected):
    assert get_path(DEFAULT_SERVICE_PARAMETERS, path, default) == expected


def test_set_path_creates_the_dictionaries_on_the_way():
    parameters = {"sla": {"resolve": {"P1": 48}}}
    set_path(parameters, "sla.resolve.P2", 72)
    set_path(parameters, "scope.unit", "br")
    set_path(parameters, "top", 1)
    assert parameters == {
        "sla": {"resolve": {"P1": 48, "P2": 72}},
        "scope": {"unit": "br"},
        "top": 1,
    }


def test_flatten_gives_dotted_leaves_and_keeps_lists_whole():
    assert flatten(
        {"a": {"b": 1, "c": {"d": [1, 2]}}, "e": None, "f": {}, "g": "x"}
    ) == {"a.b": 1, "a.c.d": [1, 2], "e": None, "g": "x"}


def test_flatten_of_the_defaults_covers_the_schema():
    flat = flatten(DEFAULT_SERVICE_PARAMETERS)
    assert set(flat) == set(SCHEMA_BY_PATH) - {
        "kpi.complaint_rate.target",
        "kpi.omission_rate.target",
        "kpi.dissatisfaction_rate.target",
        # Counts (open cases, 三包 exceptions, open actions) depend on the department's
        # size: the seeded standard sets no target or limit for them.
        *(f"kpi.{key}.{limit}" for key in ("backlog", "sanbao_exceptions",
                                            "improvement_actions_open")
          for limit in ("target", "ceiling")),
    }  # fmt: skip
    assert flat["followup.quiet_hours.start"] == "21:00"
