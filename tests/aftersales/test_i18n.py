"""The zh_Hans catalogue is complete and its compiled .mo is shipped and current."""

import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"


def po_entries() -> dict[str, str]:
    """msgid → msgstr of the non-obsolete, non-plural entries of our .po file."""
    entries = {}
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        if block.lstrip().startswith("#~") or "msgid_plural" in block:
            continue
        match = re.search(r'^msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', block, re.M)
        if match:
            msgid, msgstr = (
                "".join(re.findall(r'"(.*)"', part)) for part in match.groups()
            )
            if msgid:
                entries[msgid] = msgstr
    return entries


def test_every_message_has_a_chinese_translation():
    entries = po_entries()
    assert len(entries) > 50
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []
    assert not re.search(
        r'#, fuzzy\n(#.*\n)*msgid "[^"]', PO.read_text(encoding="utf-8")
    )


def test_compiled_catalogue_matches_the_po_file():
    catalogue = gettext.GNUTranslations((PO.with_suffix(".mo")).open("rb"))
    stale = [
        msgid
        for msgid, msgstr in po_entries().items()
        if "\\" not in msgid and catalogue.gettext(msgid) != msgstr
    ]
    assert stale == [], "run `make messages` to recompile the catalogue"
