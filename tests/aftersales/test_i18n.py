"""The zh_Hans catalogue is complete and its compiled .mo is shipped and current."""

import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _field(block: str, name: str) -> str | None:
    """The text of `name` ("msgctxt", "msgid", "msgstr") in one .po entry, joined."""
    match = re.search(rf'^{name} ((?:".*"\n?)+)', block, re.M)
    if match is None:
        return None
    return "".join(re.findall(r'"(.*)"', match.group(1)))


def po_entries() -> dict[tuple[str, str], str]:
    """(context, msgid) → msgstr of the non-obsolete, non-plural entries of our .po file."""
    entries = {}
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        body = "\n".join(lines) + "\n"
        if not lines or "msgid_plural" in body:
            continue
        msgid = _field(body, "msgid")
        if msgid:
            entries[(_field(body, "msgctxt") or "", msgid)] = (
                _field(body, "msgstr") or ""
            )
    return entries


def test_every_message_has_a_chinese_translation():
    entries = po_entries()
    assert len(entries) > 50
    assert [key for key, msgstr in entries.items() if not msgstr] == []
    assert not re.search(
        r'#, fuzzy\n(#.*\n)*(msgctxt .*\n)?msgid "[^"]', PO.read_text("utf-8")
    )


def test_compiled_catalogue_matches_the_po_file():
    catalogue = gettext.GNUTranslations(PO.with_suffix(".mo").open("rb"))
    stale = [
        (context, msgid)
        for (context, msgid), msgstr in po_entries().items()
        if "\\" not in msgid
        and (
            catalogue.pgettext(context, msgid) if context else catalogue.gettext(msgid)
        )
        != msgstr
    ]
    assert stale == [], "run `make messages` to recompile the catalogue"
