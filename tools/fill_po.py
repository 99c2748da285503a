"""Fill empty translations in the catalogs from JSON files of Chinese words (a tool for the team, not the app).

    python tools/fill_po.py words.json [more.json …]

Each JSON file maps a msgid (or "context\\u0004msgid") to its Chinese. Empty zh_Hans entries found there are
filled; empty en entries get their msgid (English is the source language). Run `make i18n` before (to extract)
and after (to compile). Entries already translated are left as they are."""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "app" / "locales"


def key(message) -> str:
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return f"{message.context}\u0004{msgid}" if message.context else msgid


def main(paths: list[str]) -> int:
    words: dict[str, str] = {}
    for path in paths:
        words.update(json.loads(Path(path).read_text(encoding="utf-8")))
    missing = []
    for locale in ("zh_Hans", "en"):
        po_path = ROOT / locale / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        for message in catalog:
            if not message.id or message.string and (not isinstance(message.string, tuple) or all(message.string)):
                continue
            if isinstance(message.id, tuple):  # plural
                if locale == "en":
                    message.string = message.id
                elif key(message) in words:
                    message.string = (words[key(message)],)
                else:
                    missing.append(key(message))
                continue
            if locale == "en":
                message.string = message.id
            elif key(message) in words:
                message.string = words[key(message)]
            else:
                missing.append(key(message))
        with po_path.open("wb") as handle:
            write_po(handle, catalog, width=0, omit_header=False, sort_output=True, include_previous=False)
    for item in missing:
        print("untranslated:", item.replace("\u0004", " | "))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
