"""Normalisation before matching (MOD-07), keeping a map from every normalised character to the original.

Children (and adults who want to reach them) disguise contact details: full-width digits, Chinese numerals,
emoji or spaces between digits, 威信 for 微信. Every detector therefore works on a normalised copy, and
every span is mapped back so that ``original[start:end]`` is exactly the disguised text to redact.

Two views of the same length and positions are produced:

- ``text``: numerals folded to ASCII digits — for phone, QQ, ID, address and class numbers;
- ``plain``: numerals kept as written — for words (一起, 一个, names), so lexicons need not list digit forms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from app.moderation.screening.datafiles import sections

# Characters that carry no meaning and are used to split a number or a word so that filters miss it.
_INVISIBLE = frozenset("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u3164\ufeff\u20e3")
_DROP_CATEGORIES = frozenset({"Cf", "Me", "Mn", "Cc"})

# Numerals that NFKC leaves alone (dingbat and negative circled digits).
_EXTRA_DIGITS: dict[str, str] = {"⓿": "0"}
for _base, _first in (("❶", 1), ("➀", 1), ("➊", 1)):
    for _n in range(10):
        _EXTRA_DIGITS[chr(ord(_base) + _n)] = str((_first + _n) % 10) if _n < 9 else "10"

# Chinese numerals that always fold to a digit in the ``text`` view (financial forms after t2s).
STRONG_NUMERALS: dict[str, str] = {
    "〇": "0", "零": "0", "○": "0",
    "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
    "壹": "1", "贰": "2", "叁": "3", "叄": "3", "肆": "4", "伍": "5", "陆": "6", "柒": "7", "捌": "8", "玖": "9",
}  # fmt: skip
# Characters that are digits only inside a run of digits: 两 (两个), 幺 (read "yao" in phone numbers), o/O.
WEAK_NUMERALS: dict[str, str] = {"两": "2", "幺": "1", "o": "0"}

_MAX_GAP = 4  # separators allowed between two digits (or two Chinese characters) and still removed


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


@cache
def _is_separator(ch: str) -> bool:
    """Spaces, punctuation, symbols and emoji: what children put between digits to hide a number."""
    if ch in "@#%&":
        return False
    if ch.isspace():
        return True
    cat = unicodedata.category(ch)
    return cat[0] in "PS"


@cache
def _fold_char(ch: str) -> str:
    """Width, compatibility forms and case of one character; '' for invisible characters."""
    if ch in _INVISIBLE or "\ufe00" <= ch <= "\ufe0f" or unicodedata.category(ch) in _DROP_CATEGORIES:
        return ""
    if ch in _EXTRA_DIGITS:
        return _EXTRA_DIGITS[ch]
    return unicodedata.normalize("NFKC", ch).lower()


@cache
def _converter() -> Callable[[str], str]:
    """OpenCC traditional → simplified, loaded once (a few milliseconds) and shared."""
    import opencc

    return opencc.OpenCC("t2s.json").convert


def _to_simplified(chars: list[str]) -> list[str]:
    """Convert phrase-wise when the length is kept (almost always), else character by character."""
    joined = "".join(chars)
    if joined.isascii():
        return chars
    convert = _converter()
    converted = convert(joined)
    if len(converted) == len(chars):
        return list(converted)
    return [c if len(c2 := convert(c)) != 1 else c2 for c in chars]


@dataclass(frozen=True, slots=True)
class Normalised:
    """The two views and, per normalised character, the original range it came from."""

    original: str
    text: str
    plain: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of the normalised views to the original text."""
        if start >= end:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


@dataclass(slots=True)
class _Buffer:
    digits: list[str]
    plain: list[str]
    starts: list[int]
    ends: list[int]

    def keep(self, keep: list[bool]) -> None:
        for name in ("digits", "plain", "starts", "ends"):
            values = getattr(self, name)
            setattr(self, name, [v for v, k in zip(values, keep, strict=True) if k])


def _characters(text: str) -> _Buffer:
    """Fold width, case and invisible characters; a character may expand (⑴ → '(1)') or vanish."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        folded = ch.lower() if ch.isascii() else _fold_char(ch)
        if not folded and ends:
            ends[-1] = i + 1  # an invisible character (keycap, variation selector) goes with the one before
        for out in folded:
            chars.append(out)
            starts.append(i)
            ends.append(i + 1)
    chars = _to_simplified(chars)
    return _Buffer(list(chars), chars, starts, ends)


def _neighbour(chars: list[str], i: int, step: int) -> str:
    """The nearest non-separator character from ``i`` in direction ``step`` within the gap, or ''."""
    j = i + step
    for _ in range(_MAX_GAP + 1):
        if not 0 <= j < len(chars):
            return ""
        if not _is_separator(chars[j]):
            return chars[j]
        j += step
    return ""


def _fold_numerals(buf: _Buffer) -> None:
    """Chinese, circled and weak numerals → ASCII digits in the ``text`` view only."""
    digits = buf.digits
    for i, ch in enumerate(digits):
        if ch in STRONG_NUMERALS:
            digits[i] = STRONG_NUMERALS[ch]
    for i, ch in enumerate(digits):
        if ch in WEAK_NUMERALS:
            if ch == "o" and any(0 <= j < len(digits) and digits[j].isascii() and digits[j].isalpha() for j in (i - 1, i + 1)):
                continue  # the letter o of a word ("12 oak road", "no. 9"), not a zero
            left, right = _neighbour(digits, i, -1), _neighbour(digits, i, 1)
            if (left.isascii() and left.isdigit()) or (right.isascii() and right.isdigit()):
                digits[i] = WEAK_NUMERALS[ch]


def _strip_gaps(buf: _Buffer) -> None:
    """Remove separators and emoji between two digits, and spaces or emoji between two Chinese characters."""
    digits = buf.digits
    keep = [True] * len(digits)
    i = 0
    while i < len(digits):
        if not _is_separator(digits[i]) or i == 0:
            i += 1
            continue
        j = i
        while j < len(digits) and _is_separator(digits[j]):
            j += 1
        if j < len(digits) and j - i <= _MAX_GAP:
            left, right = digits[i - 1], digits[j]
            gap = digits[i:j]
            between_digits = left.isascii() and left.isdigit() and right.isascii() and right.isdigit()
            between_cjk = _is_cjk(left) and _is_cjk(right) and all(_is_soft(c) for c in gap)
            if between_digits or between_cjk:
                for k in range(i, j):
                    keep[k] = False
        i = j
    if not all(keep):
        buf.keep(keep)


@cache
def _is_soft(ch: str) -> bool:
    """Spaces, emoji and decoration — but not sentence punctuation, which must still split words."""
    if ch.isspace() or ch in "*_~·-.":
        return True
    return unicodedata.category(ch) in ("So", "Sk")


def _apply_folds(buf: _Buffer, pattern: re.Pattern[str] | None, canonical: Callable[[str], str]) -> None:
    """Replace contact-cue variants (威信, vx, 扣扣 …) by their canonical cue in both views."""
    if pattern is None:
        return
    text = "".join(buf.digits)
    matches = list(pattern.finditer(text))
    if not matches:
        return
    out = _Buffer([], [], [], [])
    pos = 0
    for m in matches:
        out.digits.extend(buf.digits[pos : m.start()])
        out.plain.extend(buf.plain[pos : m.start()])
        out.starts.extend(buf.starts[pos : m.start()])
        out.ends.extend(buf.ends[pos : m.start()])
        replacement = canonical(m.group(0))
        start, end = buf.starts[m.start()], buf.ends[m.end() - 1]
        for ch in replacement:
            out.digits.append(ch)
            out.plain.append(ch)
            out.starts.append(start)
            out.ends.append(end)
        pos = m.end()
    for name in ("digits", "plain", "starts", "ends"):
        getattr(out, name).extend(getattr(buf, name)[pos:])
    buf.digits, buf.plain, buf.starts, buf.ends = out.digits, out.plain, out.starts, out.ends


_EN_DIGITS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
              "seven": "7", "eight": "8", "nine": "9"}
_EN_DIGIT = "|".join(_EN_DIGITS)
# Five or more digits spelled out in English ("one three eight, zero four five two …"), as numbers are disguised.
_EN_DIGIT_RUN = re.compile(rf"(?<![a-z])(?:{_EN_DIGIT})(?:[\s,\-]{{1,3}}(?:{_EN_DIGIT})){{4,}}(?![a-z])")


def _fold_english_digits(buf: _Buffer) -> None:
    """Spelled-out English digits → ASCII digits in both views (the words carry no other meaning there)."""
    text = "".join(buf.digits)
    if not any(word in text for word in ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "zero")):
        return
    runs = list(_EN_DIGIT_RUN.finditer(text))
    if not runs:
        return
    out = _Buffer([], [], [], [])
    pos = 0
    for run in runs:
        for name in ("digits", "plain", "starts", "ends"):
            getattr(out, name).extend(getattr(buf, name)[pos : run.start()])
        for word in re.finditer(rf"{_EN_DIGIT}", run.group(0)):
            start, end = run.start() + word.start(), run.start() + word.end()
            digit = _EN_DIGITS[word.group(0)]
            out.digits.append(digit)
            out.plain.append(digit)
            out.starts.append(buf.starts[start])
            out.ends.append(buf.ends[end - 1])
        pos = run.end()
    for name in ("digits", "plain", "starts", "ends"):
        getattr(out, name).extend(getattr(buf, name)[pos:])
    buf.digits, buf.plain, buf.starts, buf.ends = out.digits, out.plain, out.starts, out.ends


def normalise(text: str, *, fold_cues: bool = True) -> Normalised:
    """Normalise ``text`` (MOD-07): NFKC, lower case, t2s, numerals, separators, contact-cue homophones."""
    buf = _characters(text)
    _fold_english_digits(buf)
    _fold_numerals(buf)
    _strip_gaps(buf)
    if fold_cues:
        folds = cue_folds()
        _apply_folds(buf, folds.pattern, folds.canonical)
    return Normalised(
        original=text,
        text="".join(buf.digits),
        plain="".join(buf.plain),
        starts=tuple(buf.starts),
        ends=tuple(buf.ends),
    )


def normalise_entry(entry: str) -> str:
    """How a lexicon entry is compared: the ``plain`` view, cue variants folded like the text they meet."""
    return normalise(entry).plain


# ---------------------------------------------------------------------------------------------- cue folding


@dataclass(frozen=True, slots=True)
class CueFolds:
    """The homophone and pinyin variants of contact cues (MOD-07) and what each folds to."""

    pattern: re.Pattern[str] | None
    variants: dict[str, str]

    def canonical(self, matched: str) -> str:
        key = re.sub(r"[\s._\-*·]", "", matched)
        return self.variants.get(key, matched)


_SEP_IN_CUE = r"[\s._\-*·]{0,2}"


@cache
def cue_folds() -> CueFolds:
    """Compile ``folds.txt``: ``[微信]`` then 威信, vx, weixin … Latin variants need no letter before them."""
    variants: dict[str, str] = {}
    pieces: list[tuple[int, str]] = []
    for canonical, entries in sections("folds.txt").items():
        for entry in entries:
            variant = normalise(entry.text, fold_cues=False).plain
            variants[re.sub(r"[\s._\-*·]", "", variant)] = canonical
            body = _SEP_IN_CUE.join(re.escape(ch) for ch in variant)
            latin_start = variant[0].isascii() and variant[0].isalpha()
            latin_end = variant[-1].isascii() and variant[-1].isalpha()
            if latin_start:
                body = r"(?<![a-z0-9_])" + body
            if entry.option == "digits":
                body += r"(?=[^\d]{0,4}\d)"
            elif latin_end and len(variant) >= 4:
                body += r"(?![a-z0-9_])"  # "douyin_lucky8" is an id, not a cue followed by one
            elif latin_end:
                body += r"(?![a-z]{2})"  # "vx12345" and "wx:abc" fold, "wxyz" does not
            pieces.append((len(variant), body))
    if not pieces:
        return CueFolds(None, {})
    pieces.sort(key=lambda p: -p[0])
    return CueFolds(re.compile("|".join(body for _, body in pieces)), variants)
