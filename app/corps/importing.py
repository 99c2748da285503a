"""Enrolment from a CSV file: decode it, read the header, check every row by the service's rules, and say
what is wrong line by line. Nothing here writes: the caller imports only a report that is clean.

Shared by the import pages, the JSON API and `yimi corps import`."""

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass, field

from app.core.errors import InvalidInput
from app.core.i18n import N_, gettext, translations
from app.corps import service
from app.corps.models import AVATARS, REAL_NAME, ChildCreate

MAX_ROWS = 2000
# Each column by its English name and the headers accepted for it (compared case-insensitively).
COLUMNS: dict[str, tuple[str, ...]] = {
    "display_name": ("display_name", "nickname", "昵称"),
    "birth_year": ("birth_year", "出生年份"),
    "birth_month": ("birth_month", "出生月份"),
    "avatar": ("avatar", "头像"),
    "real_name": ("real_name", "真实姓名"),
    "confirmed_nickname": ("confirmed_nickname", "确认昵称"),
}
REQUIRED = ("display_name", "birth_year", "birth_month")
YES = {"1", "y", "yes", "true", "x", "是", "确认", "对"}


@dataclass
class Problem:
    """A message id and its values, translated when shown (pages, API, command)."""

    message: str
    variables: dict[str, object] = field(default_factory=dict)

    def text(self) -> str:
        return gettext(self.message, **self.variables)


@dataclass
class ImportRow:
    line: int
    display_name: str
    birth_year: str
    birth_month: str
    avatar: str
    has_real_name: bool
    problems: list[Problem]
    data: ChildCreate | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    # About the whole file (encoding, header, size): when there is one, the rows were not checked.
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows) and all(r.ok for r in self.rows)

    @property
    def bad_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.ok]

    def children(self) -> list[ChildCreate]:
        if not self.ok:
            raise ValueError("only a clean report can be imported")
        return [r.data for r in self.rows if r.data is not None]

    def first_problem(self) -> Problem:
        """One message for the whole report (API errors, the command's summary)."""
        if self.problems:
            return self.problems[0]
        return Problem(
            N_("%(count)s of %(total)s lines need correcting. Nothing was imported."),
            {"count": len(self.bad_rows), "total": len(self.rows)},
        )


def decode(raw: bytes) -> str | None:
    """UTF-8 (with or without the BOM Excel writes) or GBK/GB18030 (what Chinese Excel saves as 'CSV');
    None for anything else, or for what is not text at all (a spreadsheet, UTF-16)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" for ch in text):
            return None
        return text
    return None


def _header_key(cell: str) -> str:
    return unicodedata.normalize("NFKC", cell).strip().casefold().replace(" ", "_").replace("-", "_")


_ALIASES = {_header_key(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


def _column_label(name: str) -> str:
    english, *_rest, chinese = COLUMNS[name]
    return f"{english} ({chinese})"


def _avatars() -> dict[str, str]:
    """Avatar keys, and the words under them in English and Chinese, to the key."""
    found: dict[str, str] = {}
    chinese = translations("zh_Hans")
    for key, word in AVATARS.items():
        for name in (key, word, chinese.gettext(word)):
            found[_header_key(name)] = key
    return found


def _number(value: str, suffix: str) -> int | None:
    value = unicodedata.normalize("NFKC", value).strip().removesuffix(suffix).strip()
    return int(value) if value.isdigit() else None


def _problem(exc: InvalidInput) -> Problem:
    return Problem(exc.detail, dict(exc.variables))


def read(raw: bytes, *, existing_keys: set[str], today: dt.date | None = None) -> ImportReport:
    """Check a whole file; `existing_keys` are the nicknames already in the group (service.existing_name_keys)."""
    text = decode(raw)
    if text is None:
        return ImportReport(
            problems=[
                Problem(
                    N_(
                        "We could not read this file. Please save it as a CSV file in UTF-8 or GBK "
                        "(in Excel: Save as, then 'CSV UTF-8')."
                    )
                )
            ]
        )
    return check(text, existing_keys=existing_keys, today=today)


def _delimiter(first_line: str) -> str:
    for candidate in (",", "\t", ";"):
        if candidate in first_line:
            return candidate
    return ","


def check(text: str, *, existing_keys: set[str], today: dt.date | None = None) -> ImportReport:
    report = ImportReport()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            report.problems.append(Problem(N_("The file is empty.")))
            return report
        columns: dict[str, int] = {}
        for index, cell in enumerate(header):
            name = _ALIASES.get(_header_key(cell))
            if name is None:
                if cell.strip():
                    report.ignored_columns.append(cell.strip())
            elif name in columns:
                report.problems.append(Problem(N_("The column %(column)s appears twice in the first line."), {"column": cell.strip()}))
            else:
                columns[name] = index
        missing = [_column_label(name) for name in REQUIRED if name not in columns]
        if missing:
            report.problems.append(
                Problem(
                    N_("The first line must name the columns. Missing: %(columns)s."),
                    {"columns": ", ".join(missing)},
                )
            )
        if report.problems:
            return report
        seen: dict[str, int] = {}
        avatars = _avatars()
        count = 0
        end_of_previous = reader.line_num
        for cells in reader:
            line = end_of_previous + 1
            end_of_previous = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                continue  # only counted: the whole file is refused below
            report.rows.append(_check_row(line, cells, columns, avatars, seen, existing_keys, today))
    except csv.Error:
        report.problems.append(Problem(N_("This is not a CSV file we can read (line %(line)s)."), {"line": reader.line_num}))
        report.rows = []
        return report
    if count > MAX_ROWS:
        report.problems.append(
            Problem(N_("The file has %(count)s children; at most %(max)s can be imported at once. Please split it."), {"count": count, "max": MAX_ROWS})
        )
        report.rows = []
    elif count == 0:
        report.problems.append(Problem(N_("The file has no children in it, only the first line.")))
    return report


def _check_row(
    line: int,
    cells: list[str],
    columns: dict[str, int],
    avatars: dict[str, str],
    seen: dict[str, int],
    existing_keys: set[str],
    today: dt.date | None,
) -> ImportRow:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    row = ImportRow(
        line=line,
        display_name=cell("display_name"),
        birth_year=cell("birth_year"),
        birth_month=cell("birth_month"),
        avatar=cell("avatar"),
        has_real_name=bool(cell("real_name")),
        problems=[],
    )
    confirmed = _header_key(cell("confirmed_nickname")) in YES
    # Each rule separately, so that a line lists everything wrong with it at once.
    try:
        nickname = service.validate_pseudonym(row.display_name, confirmed_nickname=confirmed)
    except InvalidInput as exc:
        nickname = None
        row.problems.append(_problem(exc))
    year, month = _number(row.birth_year, "年"), _number(row.birth_month, "月")
    if year is None or month is None:
        row.problems.append(Problem(N_("The birth year and month must be numbers, like 2015 and 9.")))
    else:
        try:
            service.validate_birth(year, month, today)
        except InvalidInput as exc:
            row.problems.append(_problem(exc))
    avatar = None
    if row.avatar:
        avatar = avatars.get(_header_key(row.avatar))
        if avatar is None:
            row.problems.append(Problem(N_("There is no avatar called %(avatar)s. Leave it empty to have one chosen."), {"avatar": row.avatar}))
    try:
        REAL_NAME.clean(cell("real_name"))
    except InvalidInput as exc:
        row.problems.append(_problem(exc))
    if nickname is not None:
        key = service.name_key(nickname)
        if key in seen:
            row.problems.append(Problem(N_("The nickname %(name)s is already on line %(line)s."), {"name": nickname, "line": seen[key]}))
        elif key in existing_keys:
            row.problems.append(Problem(N_("There is already a child called %(name)s in this group. Please choose another nickname."), {"name": nickname}))
        seen.setdefault(key, line)
    if row.problems:
        return row
    data = ChildCreate(
        display_name=row.display_name,
        avatar=avatar,
        birth_year=year,  # type: ignore[arg-type]
        birth_month=month,  # type: ignore[arg-type]
        real_name=cell("real_name") or None,
        confirmed_nickname=confirmed,
    )
    try:
        service.validate_child(data, today)  # every rule enrolment applies, should it gain one more
    except InvalidInput as exc:
        row.problems.append(_problem(exc))
        return row
    row.data = data
    return row
