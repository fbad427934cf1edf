"""Texts with placeholders that people write (saved replies, customer message
templates): plain names in braces and nothing else, so that no format spec, attribute or
index can make a message fail to be written. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _


def braced(names: Iterable[str]) -> str:
    """Names as the placeholders they are written as: "{a}, {b}"."""
    return ", ".join("{" + name + "}" for name in names)


def _pattern(names: Iterable[str]) -> re.Pattern:
    return re.compile(r"\{(" + "|".join(re.escape(name) for name in names) + r")\}")


def placeholder_error(text: str, names: Iterable[str]) -> str:
    """What is wrong with the braces of `text` ("" when every brace is one of `names`)."""
    names = list(names)
    rest = _pattern(names).sub("", text) if names else text
    if "{" not in rest and "}" not in rest:
        return ""
    unknown = sorted(set(re.findall(r"\{([^{}]*)\}", rest)))
    if unknown:
        return _("Unknown placeholder %(found)s: use %(names)s.") % {
            "found": braced(unknown),
            "names": braced(names) or "—",
        }
    return _("Braces are only for the placeholders %(names)s.") % {
        "names": braced(names) or "—"
    }


def fill(text: str, values: Mapping[str, object]) -> str:
    """`text` with each placeholder of `values` replaced by its value."""
    if not values:
        return text
    return _pattern(values).sub(lambda match: str(values[match.group(1)]), text)
