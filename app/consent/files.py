"""Consent as files (ARCHITECTURE.md, "Consent as files"): read consent/purposes.toml and the notice
versions under consent/notices/<notice>/<version>/<audience>.<locale>.md, and check them.

Pure functions, no database: `yimi consent sync` stores what they return as immutable NoticeVersion and
NoticeText rows, and refuses a loaded version whose sha256 has changed.

Front matter is a block of `key: value` lines between two `---` lines at the top of a notice file;
values are `true`/`false`, `[a, b]` lists, a date, or text (optionally in double quotes).
In a notice that declares `sections`, every `## ` heading ends with its anchor: `## Heading {#anchor}`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from app.consent.models import Audience, Purpose
from app.core.config import BASE_DIR
from app.core.i18n import LOCALES

CONSENT_DIR = BASE_DIR / "consent"
PURPOSES_FILE = CONSENT_DIR / "purposes.toml"
NOTICES_DIR = CONSENT_DIR / "notices"

AUDIENCES: tuple[str, ...] = tuple(audience.value for audience in Audience)
GUARDIAN = Audience.GUARDIAN.value
# CPIP Art. 10(1) (with PIPL Art. 17): what a guardian must be told before deciding, one section each:
# who processes and how to reach them; purposes, methods and scope; retention and storage place;
# security measures; consequences of refusing; complaint and report channels; access, correction,
# deletion and withdrawal.
CPIP_ART10_SECTIONS = ("controller", "purposes", "retention", "security", "refusal", "complaints", "rights")
# The point a purpose's retention_days count from.
RETENTION_FROM = ("programme_year_end", "collection", "sent")
# Only participate may be a condition of taking part; refusing any other purpose never blocks it (DP-06).
REQUIRED_PURPOSES = frozenset({Purpose.PARTICIPATE.value})

FRONT_MATTER_KEYS = {"title", "effective_date", "material_change", "change_summary", "sections"}
_REQUIRED_FRONT_MATTER = ("title", "effective_date", "material_change")
_KEY_LINE = re.compile(r"^(?P<key>[a-z_]+):(?:\s+(?P<value>.*?))?\s*$")
_HEADING = re.compile(r"^## +(?P<text>.*?)(?:\s*\{#(?P<anchor>[A-Za-z0-9_-]+)\})?\s*$")


class ConsentFileError(ValueError):
    """A consent file that cannot be read at all (syntax or type); validate() reports everything else."""


# ---- purposes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurposeCopy:
    heading: str
    text: str


@dataclass(frozen=True)
class DataCategory:
    code: str
    label: dict[str, str]  # locale -> words; empty when purposes.toml does not define the code


@dataclass(frozen=True)
class PurposeDef:
    code: str
    data_categories: tuple[DataCategory, ...]
    why: dict[str, str]  # locale -> text
    retention: dict[str, str]
    retention_days: int
    retention_from: str
    recipients: dict[str, str]
    public_display: bool
    needs_separate_consent: bool
    required_for_participation: bool
    copy: dict[str, dict[str, PurposeCopy]]  # audience -> locale -> copy


def load_purposes(path: Path = PURPOSES_FILE) -> dict[str, PurposeDef]:
    """The purposes of purposes.toml, in file order, by code."""
    where = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConsentFileError(f"{where}: {exc}") from exc
    labels = data.get("data_categories", {})
    purposes: dict[str, PurposeDef] = {}
    for code, entry in data.get("purposes", {}).items():
        at = f"{where}: purpose '{code}'"
        categories = tuple(
            DataCategory(code=str(category), label=_words(labels.get(category, {}), f"{at}, data category"))
            for category in _typed(entry, "data_categories", list, at)
        )
        copy = {
            audience: {
                locale: _copy(texts, f"{at}, copy.{audience}.{locale}")
                for locale, texts in _typed(by_locale, None, dict, f"{at}, copy.{audience}").items()
            }
            for audience, by_locale in _typed(entry, "copy", dict, at).items()
        }
        purposes[code] = PurposeDef(
            code=code,
            data_categories=categories,
            why=_words(_typed(entry, "why", dict, at), at),
            retention=_words(_typed(entry, "retention", dict, at), at),
            retention_days=_typed(entry, "retention_days", int, at),
            retention_from=_typed(entry, "retention_from", str, at),
            recipients=_words(_typed(entry, "recipients", dict, at), at),
            public_display=_typed(entry, "public_display", bool, at),
            needs_separate_consent=_typed(entry, "needs_separate_consent", bool, at),
            required_for_participation=_typed(entry, "required_for_participation", bool, at),
            copy=copy,
        )
    return purposes


def _typed(entry: object, key: str | None, kind: type, at: str):
    value = entry if key is None else (entry.get(key) if isinstance(entry, dict) else None)
    # bool is a subclass of int: `retention_days = true` is a mistake, not the number 1.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        name = f"`{key}`" if key else "the table"
        raise ConsentFileError(f"{at}: {name} must be {kind.__name__} (found {value!r})")
    return value


def _copy(texts: object, at: str) -> PurposeCopy:
    words = _words(_typed(texts, None, dict, at), at)
    unknown = words.keys() - {"heading", "text"}
    if unknown:
        raise ConsentFileError(f"{at}: unknown keys {', '.join(sorted(unknown))} (expected heading and text)")
    return PurposeCopy(heading=words.get("heading", ""), text=words.get("text", ""))


def _words(value: object, at: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConsentFileError(f"{at}: expected a table of texts, e.g. zh_Hans = \"…\" and en = \"…\"")
    return {locale: text.strip() for locale, text in value.items()}


# ---- notices ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticePart:
    """The text under one `## ` heading (the part before the first heading has no anchor and no heading)."""

    anchor: str | None
    heading: str
    body: str


@dataclass(frozen=True)
class NoticeTextFile:
    audience: str
    locale: str
    filename: str
    title: str
    effective_date: dt.date
    material_change: bool
    change_summary: str
    sections: tuple[str, ...]  # the anchors the front matter declares, in order
    body: str  # Markdown, line endings normalised, without surrounding blank lines

    @property
    def headings(self) -> tuple[tuple[str | None, str], ...]:
        """(anchor, text) of every `## ` heading of the body, in order."""
        return tuple((part.anchor, part.heading) for part in self.parts if part.heading)

    @property
    def parts(self) -> tuple[NoticePart, ...]:
        """The body cut at its `## ` headings: a page renders each part with `<h2 id="anchor">`, since
        the Markdown renderer does not know the `{#anchor}` syntax."""
        parts: list[NoticePart] = []
        anchor, heading, lines = None, "", []
        for line in self.body.split("\n"):
            match = _HEADING.match(line)
            if match:
                if heading or any(lines):
                    parts.append(NoticePart(anchor, heading, "\n".join(lines).strip()))
                anchor, heading, lines = match["anchor"], match["text"], []
            else:
                lines.append(line)
        if heading or any(lines):
            parts.append(NoticePart(anchor, heading, "\n".join(lines).strip()))
        return tuple(parts)

    def canonical(self) -> dict[str, object]:
        """Everything the reader is told, as hashed: any change here changes the sha256."""
        return {
            "audience": self.audience,
            "locale": self.locale,
            "title": self.title,
            "effective_date": self.effective_date.isoformat(),
            "material_change": self.material_change,
            "change_summary": self.change_summary,
            "sections": list(self.sections),
            "body": self.body,
        }

    @property
    def sha256(self) -> str:
        return _sha256(self.canonical())


@dataclass(frozen=True)
class NoticeVersionFile:
    notice: str  # the folder under consent/notices/
    version: str  # the folder under the notice
    texts: tuple[NoticeTextFile, ...]  # sorted by (audience, locale)

    def text(self, audience: str, locale: str) -> NoticeTextFile | None:
        return next((t for t in self.texts if t.audience == audience and t.locale == locale), None)

    @property
    def _lead(self) -> NoticeTextFile | None:
        return self.text(GUARDIAN, "zh_Hans") or (self.texts[0] if self.texts else None)

    @property
    def effective_date(self) -> dt.date | None:
        return self._lead.effective_date if self._lead else None

    @property
    def material_change(self) -> bool:
        # If the files disagree, validate() says so; until then the cautious reading is "material".
        return any(t.material_change for t in self.texts)

    @property
    def change_summary(self) -> dict[str, str]:
        """locale -> the guardian notice's change summary (NoticeVersion.change_summary)."""
        return {t.locale: t.change_summary for t in self.texts if t.audience == GUARDIAN and t.change_summary}

    @property
    def sha256(self) -> str:
        """Of every text of the version, in a fixed order; independent of where the folder lives."""
        return _sha256([t.canonical() for t in sorted(self.texts, key=lambda t: (t.audience, t.locale))])


def load_notice_versions(root: Path = NOTICES_DIR) -> list[NoticeVersionFile]:
    """Every <notice>/<version>/ folder under root, sorted by (notice, version)."""
    versions = []
    for notice_dir in _folders(root):
        for version_dir in _folders(notice_dir):
            texts = [_read_text(path) for path in sorted(version_dir.glob("*.md"))]
            versions.append(
                NoticeVersionFile(
                    notice=notice_dir.name,
                    version=version_dir.name,
                    texts=tuple(sorted(texts, key=lambda t: (t.audience, t.locale, t.filename))),
                )
            )
    return versions


def _folders(path: Path) -> list[Path]:
    if not path.is_dir():
        return []
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def _read_text(path: Path) -> NoticeTextFile:
    where = f"{path.parent.parent.name}/{path.parent.name}/{path.name}"
    # An unknown audience or locale is kept as read, for validate() to report.
    audience, _, locale = path.name.removesuffix(".md").partition(".")
    meta, body = parse_front_matter(path.read_text(encoding="utf-8"), where)
    missing = [key for key in _REQUIRED_FRONT_MATTER if key not in meta]
    if missing:
        raise ConsentFileError(f"{where}: front matter lacks {', '.join(missing)}")
    try:
        effective_date = dt.date.fromisoformat(str(meta["effective_date"]))
    except ValueError as exc:
        raise ConsentFileError(f"{where}: effective_date must be a date like 2026-11-29") from exc
    if not isinstance(meta["material_change"], bool):
        raise ConsentFileError(f"{where}: material_change must be true or false")
    sections = meta.get("sections", [])
    if not isinstance(sections, list):
        raise ConsentFileError(f"{where}: sections must be a list like [controller, purposes]")
    for key in ("title", "change_summary"):
        if not isinstance(meta.get(key, ""), str):
            raise ConsentFileError(f"{where}: {key} must be text")
    return NoticeTextFile(
        audience=audience,
        locale=locale,
        filename=path.name,
        title=str(meta["title"]),
        effective_date=effective_date,
        material_change=meta["material_change"],
        change_summary=str(meta.get("change_summary", "")),
        sections=tuple(sections),
        body=body,
    )


def parse_front_matter(text: str, where: str = "notice") -> tuple[dict[str, str | bool | list[str]], str]:
    """The `key: value` lines between the opening and closing `---`, and the body after them."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ConsentFileError(f"{where}: must start with a front matter block between two '---' lines")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ConsentFileError(f"{where}: the front matter has no closing '---' line") from None
    meta: dict[str, str | bool | list[str]] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip():
            continue
        match = _KEY_LINE.match(line)
        if not match:
            raise ConsentFileError(f"{where}, line {number}: expected `key: value`, found {line!r}")
        key = match["key"]
        if key not in FRONT_MATTER_KEYS:
            raise ConsentFileError(f"{where}, line {number}: unknown key '{key}' (known: {', '.join(sorted(FRONT_MATTER_KEYS))})")
        if key in meta:
            raise ConsentFileError(f"{where}, line {number}: '{key}' appears twice")
        meta[key] = _value(match["value"] or "")
    return meta, "\n".join(lines[end + 1 :]).strip()


def _value(raw: str) -> str | bool | list[str]:
    if raw in ("true", "false"):
        return raw == "true"
    if raw.startswith("[") and raw.endswith("]"):
        return [_unquote(item.strip()) for item in raw[1:-1].split(",") if item.strip()]
    return _unquote(raw)


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    return raw


def _sha256(value: object) -> str:
    canonical = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# ---- checks -------------------------------------------------------------------------------------------


def validate(purposes: dict[str, PurposeDef], versions: list[NoticeVersionFile]) -> list[str]:
    """Every problem found, in words a reviewer can act on; an empty list when all is well."""
    return _check_purposes(purposes) + [problem for version in versions for problem in _check_version(version)]


def _check_purposes(purposes: dict[str, PurposeDef]) -> list[str]:
    problems = []
    known = {purpose.value for purpose in Purpose}
    for code in sorted(known - purposes.keys()):
        problems.append(f"purposes.toml: purpose '{code}' (app.consent.models.Purpose) is missing")
    for code, purpose in purposes.items():
        at = f"purposes.toml: purpose '{code}'"
        if code not in known:
            problems.append(f"{at} is unknown: not in app.consent.models.Purpose ({', '.join(sorted(known))})")
        for name in ("why", "retention", "recipients"):
            problems += [f"{at}: {name} has no {locale} text" for locale in LOCALES if not getattr(purpose, name).get(locale)]
        if not purpose.data_categories:
            problems.append(f"{at}: data_categories is empty")
        for category in purpose.data_categories:
            problems += [
                f"{at}: data category '{category.code}' has no {locale} words in [data_categories.{category.code}]"
                for locale in LOCALES
                if not category.label.get(locale)
            ]
        if purpose.retention_days <= 0:
            problems.append(f"{at}: retention_days must be a positive number of days")
        if purpose.retention_from not in RETENTION_FROM:
            problems.append(f"{at}: retention_from must be one of {', '.join(RETENTION_FROM)}")
        if purpose.required_for_participation and code not in REQUIRED_PURPOSES:
            problems.append(f"{at}: only {', '.join(sorted(REQUIRED_PURPOSES))} may be required for participation (DP-06)")
        if purpose.public_display and not purpose.needs_separate_consent:
            problems.append(f"{at}: public display needs separate consent (PIPL Art. 25)")
        problems += [f"{at}: copy for unknown audience '{a}'" for a in purpose.copy if a not in AUDIENCES]
        for audience in AUDIENCES:
            by_locale = purpose.copy.get(audience, {})
            problems += [f"{at}: copy.{audience} has unknown locale '{loc}'" for loc in by_locale if loc not in LOCALES]
            for locale in LOCALES:
                copy = by_locale.get(locale)
                if copy is None:
                    problems.append(f"{at}: no copy for {audience} in {locale}")
                elif not (copy.heading and copy.text):
                    problems.append(f"{at}: copy for {audience} in {locale} needs both a heading and a text")
    return problems


def _check_version(version: NoticeVersionFile) -> list[str]:
    at = f"notices/{version.notice}/{version.version}"
    problems = []
    # The columns of NoticeVersion and NoticeText that `yimi consent sync` fills.
    if len(version.notice) > 60 or len(version.version) > 40:
        problems.append(f"{at}: notice folder names are at most 60 characters, version folder names at most 40")
    present = {(t.audience, t.locale) for t in version.texts}
    for audience in AUDIENCES:
        for locale in LOCALES:
            if (audience, locale) not in present:
                problems.append(f"{at}: missing {audience}.{locale}.md")
    for text in version.texts:
        where = f"{at}/{text.filename}"
        if text.audience not in AUDIENCES:
            problems.append(f"{where}: unknown audience '{text.audience}' (expected {', '.join(AUDIENCES)})")
        if text.locale not in LOCALES:
            problems.append(f"{where}: unknown locale '{text.locale}' (expected {', '.join(LOCALES)})")
        if not text.title or not text.body:
            problems.append(f"{where}: needs a title and a body")
        if len(text.title) > 200:
            problems.append(f"{where}: the title is longer than 200 characters")
        if text.material_change and not text.change_summary:
            problems.append(f"{where}: a material change needs a change_summary saying what changed")
        problems += _check_sections(text, where)
    for field in ("effective_date", "material_change"):
        if len({getattr(t, field) for t in version.texts}) > 1:
            problems.append(f"{at}: the files disagree on {field}")
    return problems


def _check_sections(text: NoticeTextFile, where: str) -> list[str]:
    problems = []
    anchors = tuple(anchor for anchor, _ in text.headings if anchor)
    if text.audience == GUARDIAN:
        for key in CPIP_ART10_SECTIONS:
            if key not in text.sections:
                problems.append(f"{where}: front matter `sections` lacks '{key}' (CPIP Art. 10)")
            if key not in anchors:
                problems.append(f"{where}: no '## … {{#{key}}}' heading (CPIP Art. 10)")
    if text.sections:
        unanchored = [heading for anchor, heading in text.headings if not anchor]
        problems += [f"{where}: heading '{h}' has no {{#anchor}}" for h in unanchored]
        if anchors != text.sections:
            problems.append(
                f"{where}: the headings' anchors ({', '.join(anchors)}) differ from `sections` "
                f"({', '.join(text.sections)})"
            )
    return problems
