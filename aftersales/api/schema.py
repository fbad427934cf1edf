"""Post-processing of the OpenAPI schema (drf-spectacular): the schema says what the API
really answers (issue #14, schemathesis' findings)."""

from __future__ import annotations

BLANK = {"type": "string", "maxLength": 0}


def _blankable_emails(node):
    """An e-mail field of ours may be empty (no address on record): `format: email`
    alone would call every empty one a violation."""
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "email":
            described = {key: value for key, value in node.items() if key != "format"}
            return {
                **{k: v for k, v in described.items() if k in {"description", "title",
                                                              "readOnly", "writeOnly"}},
                "anyOf": [
                    {k: v for k, v in node.items()
                     if k not in {"description", "title", "readOnly", "writeOnly"}},
                    BLANK,
                ],
            }  # fmt: skip
        return {key: _blankable_emails(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_blankable_emails(item) for item in node]
    return node


LOCAL_TIME = r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"


def _local_times(node):
    """Times of day are local wall-clock times ("21:00:00"), without the offset that
    JSON Schema's `format: time` demands: say so with a pattern."""
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            return {**{k: v for k, v in node.items() if k != "format"},
                    "pattern": LOCAL_TIME}  # fmt: skip
        return {key: _local_times(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_local_times(item) for item in node]
    return node


def postprocess(result, generator, request, public):
    """SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] (after the enum hook)."""
    return _local_times(_blankable_emails(result))
