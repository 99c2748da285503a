"""The screening's data files (app/moderation/data/*.txt): one phrase a line under [sections], with an optional
confidence or option after "|". Read here, below every detector, so that the lexicon and the normaliser can
both use them without importing each other (issue 15)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True, slots=True)
class Entry:
    text: str
    section: str
    confidence: float | None = None
    option: str | None = None


def parse(path: Path) -> list[Entry]:
    """Read one lexicon file; a malformed line raises with its line number so review catches it."""
    entries: list[Entry] = []
    section = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if not section:
            raise ValueError(f"{path.name}:{number}: entry before the first [section]")
        text, _, opt = line.partition("|")
        text, opt = text.strip(), opt.strip()
        confidence: float | None = None
        option: str | None = None
        if opt:
            try:
                confidence = float(opt)
            except ValueError:
                option = opt
        entries.append(Entry(text, section, confidence, option))
    return entries


def sections(name: str) -> dict[str, list[Entry]]:
    """A file's entries grouped by section, in file order."""
    grouped: dict[str, list[Entry]] = {}
    for entry in parse(DATA_DIR / name):
        grouped.setdefault(entry.section, []).append(entry)
    return grouped
