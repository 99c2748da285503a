"""Contact details (MOD-06): phone numbers, e-mail, URLs, QQ numbers, other app ids and resident ID numbers.

All patterns run on ``Normalised.text``, where numerals are ASCII digits, the separators children put
between digits are gone and app names are folded (威信 → 微信), so one pattern covers every disguise.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from app.moderation.screening.common import finding
from app.moderation.screening.lexicon import alternation, words
from app.moderation.screening.normalise import Normalised
from app.moderation.screening.types import Category, Finding

_TLDS = (
    "com|cn|net|org|edu|gov|io|me|cc|co|tv|top|xyz|vip|info|app|site|online|link|club|shop|hk|tw|uk|us|"
    "jp|de|fr|au|ca|mobi|ink|fun|live|store|tech|wang|ltd"
)
_LOCAL = r"[a-z0-9](?:[a-z0-9._%+\-]{0,62}[a-z0-9])?"
_AT = r"\s*(?:@|\(at\)|\[at\]|\{at\}|(?<![a-z])at(?![a-z])|艾特|爱特|圈a|#)\s*"
_DOT = r"\s*(?:\.|\(dot\)|\[dot\]|(?<![a-z])dot(?![a-z])|点|。|,)\s*"
_EMAIL_LITERAL = re.compile(
    rf"(?<![a-z0-9._%+\-]){_LOCAL}@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{{2,10}}(?![a-z])"
)
_EMAIL_DISGUISED = re.compile(
    rf"(?<![a-z0-9._%+\-]){_LOCAL}(?P<at>{_AT})"
    rf"(?P<domain>[a-z0-9\-]+(?:{_DOT}[a-z0-9\-]+)*?{_DOT}(?:{_TLDS}))"
    r"(?![a-z])"
)
_MAIL_PROVIDERS = frozenset(
    "qq 163 126 139 gmail outlook hotmail foxmail sina sohu yahoo icloud aliyun".split()
)
_EMAIL_PROVIDER = re.compile(
    rf"(?<![a-z0-9._%+\-]){_LOCAL}{_AT}"
    r"(?:qq|gmail|outlook|hotmail|foxmail|sina|sohu|yahoo|icloud)(?:邮箱|mail)?"
    r"(?![a-z0-9.])"
)
# Issue 14 (pd-dev2): "my gmail is bobbyk2011", "我的163邮箱 miaomiao2014": a mailbox named by its provider, then
# the part before the @ (with a digit, "_" or "." in it, or after 邮箱).
_EMAIL_MAILBOX = re.compile(
    r"(?<![a-z0-9])(?:(?P<mail>gmail|hotmail|yahoo mail|icloud mail)|(?:qq|163|126|139|sina|sohu|foxmail|aliyun|outlook)\s*(?P<box>邮箱|mail))"
    r"\s*(?:地址|账号|号)?\s*(?:is|是|为|:|=)?\s*([a-z][a-z0-9._\-]{3,30}|\d{5,12})(?![a-z0-9._\-@])"
)
_URL = re.compile(r"(?:https?://|www\.)[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef，。！？、]+")
_BARE_DOMAIN = re.compile(
    rf"(?<![a-z0-9@.\-])(?:[a-z0-9](?:[a-z0-9\-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})(?![a-z0-9])"
    r"(?:/[^\s\u4e00-\u9fff，。！？]*)?"
)
_URL_ORIGINAL = re.compile(_URL.pattern, re.IGNORECASE)
_BARE_DOMAIN_ORIGINAL = re.compile(_BARE_DOMAIN.pattern, re.IGNORECASE)
_DISGUISED_DOMAIN = re.compile(
    r"(?<![a-z0-9@.\-])[a-z0-9\-]{2,}\s*(?:点|(?<![a-z])dot(?![a-z])|\(dot\)|\[dot\])\s*"
    rf"(?:{_TLDS})(?![a-z])"
)
_DIGIT_RUN = re.compile(r"(?<![\d+])\+?\d{7,15}(?!\d)")  # 15: 0086 and a mobile number
_ID_RUN = re.compile(r"(?<![0-9a-z])\d{17}[\dx](?![0-9a-z])")
_ID_CUE = re.compile(r"身份证|证件号|id card|id number")
# "加v"/"我的v是": v alone is WeChat in children's slang, when an id follows.
_V_ALONE = re.compile(r"(?:加|我的|私|找我)v(?:信)?\s*(?:号)?\s*(?:是|:|=)?\s*([a-z][a-z0-9_\-]{4,19}|\d{5,13})(?![a-z0-9_\-])")
# "UID 34567890": an account's number on an app or a game, with or without the app's name (issue 14).
_UID = re.compile(r"(?<![a-z])uid\s*(?:号)?\s*(?:是|为|:|=|is)?\s*(\d{5,12})(?!\d)")
# "v: tiantian_0101", "vx是…" at a clause's start: v labels a WeChat id when a colon or 是 follows.
_V_LABEL = re.compile(r"(?:^|(?<=[\s,.!?;]))v(?:x|信)?\s*(?:号)?\s*(?:是|:|=)\s*([a-z][a-z0-9_\-]{4,19}|\d{5,13})(?![a-z0-9_\-])")
_AT_HANDLE_CJK = re.compile(r"@([\u4e00-\u9fff][\u4e00-\u9fff\w]{1,15})")
_Q_ALONE = re.compile(r"(?<![a-z0-9])q\s*(?:号|是|为|:|我)\s*(\d{5,11})(?!\d)")  # "有事q我 12345678": q me
_QQ_NUMBER_AFTER = r"(?:[\s:=,]|群|号码|号|码|账号|是|为|:|is|number){0,6}(\d{5,11})(?!\d)"


def cache_clear() -> None:
    _patterns.cache_clear()
    _search_patterns.cache_clear()
    _named_handle.cache_clear()


@dataclass(frozen=True, slots=True)
class _Patterns:
    phone_cue: re.Pattern[str]
    qq_after: re.Pattern[str]
    qq_before: re.Pattern[str]
    platform_id: re.Pattern[str]
    add_me_id: re.Pattern[str]
    cue_only: re.Pattern[str]
    english: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    """Compiled once from ``cues.txt`` (phone cues, platforms, contact verbs, id joiners)."""
    platforms = alternation(words("cues.txt", "platform"))
    joiners = alternation([w for w in words("cues.txt", "id_joiner") if w.strip()])
    verbs = alternation(words("cues.txt", "contact_verb"))
    join = rf"(?:[\s:=,]|{joiners}){{0,4}}"
    ident = r"([a-z][a-z0-9_\-]{3,24}|\d{5,13})(?![a-z0-9_\-])"
    return _Patterns(
        phone_cue=re.compile(alternation(words("cues.txt", "phone"))),
        qq_after=re.compile(rf"(?<![a-z])qq{_QQ_NUMBER_AFTER}"),
        qq_before=re.compile(r"(?<![\d])(\d{5,11})\s*(?:是我的|是|为|\()\s*qq"),
        platform_id=re.compile(rf"(?<![a-z])(?:{platforms})(?:号)?({join}){ident}"),
        add_me_id=re.compile(rf"(?:加我|加一下我)(?:好友)?([\s:=,]{{0,3}}){ident}"),
        cue_only=re.compile(rf"(?:{verbs})(?:我|一下|下)?(?:的)?\s*(qq|{platforms})"),
        english=re.compile(
            r"(?:add me on|find me on|follow me on|dm me on|message me on|text me on|chat with me on|friend me on|my)\s+(?:wechat|微信|snapchat|snap|instagram|insta|ig|tiktok|抖音|discord|"
            r"telegram|whatsapp|roblox|minecraft|steam)\s*(?:id|name|account|username)?\s*(?P<joiner>is|:|=)?\s*"
            r"([a-z0-9_.\-]{4,30})?"
        ),
    )


def detect_phones(n: Normalised) -> list[Finding]:
    """Mobile and landline numbers, validated with ``phonenumbers``; shorter runs only after a phone cue."""
    found: list[Finding] = []
    text = n.text
    cue = _patterns().phone_cue
    for m in _DIGIT_RUN.finditer(text):
        number = m.group(0)
        national = number.lstrip("+")
        if national.startswith("86") and len(national) in (12, 13):
            national = national[2:]
        elif national.startswith("0086") and len(national) in (14, 15):
            national = national[4:]
        has_cue = cue.search(text, max(0, m.start() - 12), m.start()) is not None
        confidence = _phone_confidence(national, has_cue)
        if confidence:
            found.append(finding(n, Category.PHONE, m.start(), m.end(), confidence))
    return found


def _phone_confidence(national: str, has_cue: bool) -> float:
    if len(national) == 11 and national[0] == "1" and national[1] in "3456789":
        return 0.95 if _valid_cn(national) else 0.8
    if national.startswith("0") and 10 <= len(national) <= 12 and _valid_cn(national):
        return 0.9
    if has_cue and 7 <= len(national) <= 12:
        return 0.7
    return 0.0


def _valid_cn(national: str) -> bool:
    import phonenumbers  # imported on first use: it adds tens of milliseconds to app start-up

    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(national, "CN"))
    except phonenumbers.NumberParseException:
        return False


def detect_emails(n: Normalised) -> list[Finding]:
    """Addresses with @, and disguised ones ("lily at qq dot com", "xiaoming艾特163点com")."""
    found = [finding(n, Category.EMAIL, m.start(), m.end(), 0.95) for m in _EMAIL_LITERAL.finditer(n.text)]
    for m in _EMAIL_DISGUISED.finditer(n.text):
        if m.group("at").strip() == "at" and not _mail_like(m.group("domain")):
            continue  # "ideas at parkfun.net" is a website mentioned in English, reported as a URL
        found.append(finding(n, Category.EMAIL, m.start(), m.end(), 0.85))
    found += [finding(n, Category.EMAIL, m.start(), m.end(), 0.7) for m in _EMAIL_PROVIDER.finditer(n.text)]
    for m in _EMAIL_MAILBOX.finditer(n.text):
        if m.group("box") or re.search(r"[\d_.]", m.group(3)):
            found.append(finding(n, Category.EMAIL, m.start(), m.end(), 0.7))
    return found


def _mail_like(domain: str) -> bool:
    """A domain written with "dot"/"点", or a mail provider's: the sign of a spelled-out e-mail address."""
    first = re.split(r"[\s.(\[点。,]|dot", domain, maxsplit=1)[0]
    return first in _MAIL_PROVIDERS or "." not in domain


def detect_urls(n: Normalised) -> list[Finding]:
    """Links and bare domains (also "baidu点com"); an e-mail's domain is dropped later as an overlap.
    Links are also read in the original, where an app's name in them is not folded (weibo.com stays, issue 14)."""
    found = [finding(n, Category.URL, m.start(), m.end(), 0.95) for m in _URL.finditer(n.text)]
    found += [Finding(Category.URL, m.start(), m.end(), 0.95) for m in _URL_ORIGINAL.finditer(n.original)]
    found += [finding(n, Category.URL, m.start(), m.end(), 0.85) for m in _BARE_DOMAIN.finditer(n.text)]
    found += [Finding(Category.URL, m.start(), m.end(), 0.85) for m in _BARE_DOMAIN_ORIGINAL.finditer(n.original)]
    found += [finding(n, Category.URL, m.start(), m.end(), 0.75) for m in _DISGUISED_DOMAIN.finditer(n.text)]
    return found


def detect_qq(n: Normalised) -> list[Finding]:
    """QQ numbers: 5–11 digits after a QQ cue (扣扣, 企鹅 … are folded to "qq"), or just before one."""
    p = _patterns()
    found = [finding(n, Category.QQ, m.start(1), m.end(1), 0.9) for m in p.qq_after.finditer(n.text)]
    found += [finding(n, Category.QQ, m.start(1), m.end(1), 0.8) for m in p.qq_before.finditer(n.text)]
    found += [finding(n, Category.QQ, m.start(1), m.end(1), 0.8) for m in _Q_ALONE.finditer(n.text)]  # 我的Q是12345678
    return found


def detect_social_ids(n: Normalised) -> list[Finding]:
    """WeChat, Douyin, Kuaishou, Xiaohongshu … ids after their cue, and requests to be added there."""
    p = _patterns()
    text = n.text
    found: list[Finding] = []
    for m in p.platform_id.finditer(text):
        ident, joiner = m.group(2), m.group(1).strip()
        if ident.isalpha() and not joiner:
            continue  # "抖音 videos": a plain word straight after an app name is not an id
        found.append(finding(n, Category.SOCIAL_ID, m.start(2), m.end(2), 0.85))
    for m in p.add_me_id.finditer(text):
        found.append(finding(n, Category.SOCIAL_ID, m.start(2), m.end(2), 0.75))
    for m in p.english.finditer(text):
        ident = m.group(2)
        if ident and (m.group("joiner") or re.search(r"[\d_.]", ident)):  # "my tiktok videos": a word, no id
            found.append(finding(n, Category.SOCIAL_ID, m.start(2), m.end(2), 0.85))
        elif ident:
            continue
        elif not m.group(0).startswith("my"):  # "add me on snapchat"; "my instagram" alone is no request
            found.append(finding(n, Category.SOCIAL_ID, m.start(), m.end(), 0.65))
    covered = [(f.start, f.end) for f in found]
    for m in p.cue_only.finditer(text):
        start, end = n.span(m.start(), m.end())
        if any(s <= end + 12 and e >= start for s, e in covered) or _id_follows(text, m.end()):
            continue
        category = Category.QQ if m.group(1) == "qq" else Category.SOCIAL_ID
        found.append(finding(n, category, m.start(), m.end(), 0.65))
    return found


def _id_follows(text: str, pos: int) -> bool:
    """True when digits or an id-like word follow a cue (another detector reports them)."""
    return re.match(r"[\s:=,号是为码账]{0,4}[a-z0-9_]{5,}", text[pos : pos + 40]) is not None


# A passport number after its cue (issue 14): one or two letters and seven or eight digits (E12345678).
_PASSPORT = re.compile(r"(?:护照|passport)\s*(?:号码|号|number|no\.?)?\s*(?:是|为|:|is|=)?\s*([a-z]{1,2}\d{7,8})(?![\da-z])")


def detect_id_numbers(n: Normalised) -> list[Finding]:
    """18-digit resident ID numbers: checksum-valid (``stdnum.cn.ric``), or with a birth date and a cue;
    passport numbers after 护照/passport."""
    from stdnum.cn import ric  # on first use, like phonenumbers

    found: list[Finding] = [finding(n, Category.ID_NUMBER, m.start(1), m.end(1), 0.85) for m in _PASSPORT.finditer(n.text)]
    for m in _ID_RUN.finditer(n.text):
        number = m.group(0).upper()
        if ric.is_valid(number):
            confidence = 0.95
        elif _plausible_birth_date(number[6:14]):
            has_cue = _ID_CUE.search(n.text, max(0, m.start() - 10), m.start()) is not None
            confidence = 0.85 if has_cue else 0.7
        else:
            continue
        found.append(finding(n, Category.ID_NUMBER, m.start(), m.end(), confidence))
    return found


def _plausible_birth_date(yyyymmdd: str) -> bool:
    try:
        born = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return False
    return 1900 <= born.year <= dt.date.today().year


_STUDENT_NUMBER = re.compile(
    r"(?:学号|学籍号|学生证号|学生证|student (?:number|no\.?|id)|pupil number|student card number)(?:码)?\s*(?:是|为|:|is|=)?\s*#?\s*([a-z]{0,3}[\d][\d\-]{3,14})(?![\d])"
)
_AT_HANDLE = re.compile(r"(?<![a-z0-9_.])@([a-z0-9_][a-z0-9_.]{2,29})(?![a-z0-9_])")
_NOT_HANDLES = frozenset({"me", "us", "it", "for", "on", "in", "the", "一下", "一搜"})
# "@everyone please vote": a chat's mention of a group, not anyone's handle.
_GROUP_MENTIONS = frozenset({"everyone", "all", "here", "channel", "team", "everybody", "所有人", "全体成员"})
_NOT_HANDLE_START = "就都也了的一看有到吧呢吗啊呀很会能可是这那上里"
_HANDLE_END = re.compile(r"[\s,，。！!？?、;；:：()（）\"“”'‘’]")


def detect_student_numbers(n: Normalised) -> list[Finding]:
    """A student number (学号, "student number") identifies one child, as a full name does (issue 14)."""
    return [finding(n, Category.NAME, m.start(1), m.end(1), 0.85) for m in _STUDENT_NUMBER.finditer(n.text)]


@cache
def _search_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    names = words("cues.txt", "platform") + ["qq", "b站", "bilibili", "roblox", "minecraft", "steam"]
    platforms = alternation(names)
    latin = alternation([w for w in names if w.isascii()])
    other = alternation([w for w in names if not w.isascii()])
    searches = alternation(words("cues.txt", "search"))
    return (
        re.compile(rf"(?<![a-z])(?:{latin})(?![a-z])|(?:{other})"),
        re.compile(rf"(?<![a-z])(?:{searches})(?:\s*(?:me|我)?\s*(?:on|在|上)?\s*(?:{platforms})?\s*(?:上)?\s*(?:at|:|=)?)?"),
    )


@cache
def _named_handle() -> re.Pattern[str]:
    """An app or game, then its name for the child (我的抖音叫…, 原神uid是…), or a word for one's online name
    (网名, 昵称, username, gamertag) then "是/叫/is/:"."""
    platforms = alternation(words("cues.txt", "platform") + ["b站", "bilibili"])
    handle_words = alternation(words("cues.txt", "handle_word"))
    return re.compile(
        rf"(?<![a-z])(?:{platforms})\s?(?:上|里|中)?\s?(?:我叫|(?:的)?\s?(?:号|名|名字|昵称|账号|用户名|id|uid|name|username|user name|user|gamertag|ign)?\s*(?:是|叫|为|:))"
        rf"|(?<![a-z])(?:{platforms})\s?(?:uid|id|id号)\s?(?=\d{{5,}})"
        rf"|(?<![a-z])(?:{handle_words})(?:(?: on| in| for) [a-z]+)?\s*(?:是|叫|为|:|is|=)"
    )


def detect_handles(n: Normalised) -> list[Finding]:
    """Handles (issue 14): the words after "搜/关注/search/follow" with a platform's name within a few
    characters, and "@name" in a text that names a platform. The handle's end is read in the original text,
    where the child's spaces still separate it from the next words."""
    platform, search = _search_patterns()
    text = n.plain  # "搜一下" keeps its 一 here
    platforms = [(m.start(), m.end()) for m in platform.finditer(text)]
    found: list[Finding] = []
    for m in search.finditer(text) if platforms else ():
        if not any(-24 <= m.start() - e <= 24 or -24 <= s - m.end() <= 24 for s, e in platforms):
            continue
        if m.end() >= len(text):
            continue
        start = n.span(m.end(), m.end() + 1)[0]
        original = n.original
        while start < len(original) and original[start] in " \u3000:：@\"“「『'‘":
            start += 1
        end = start
        while end < len(original) and end - start < 24 and not _HANDLE_END.match(original[end]):
            end += 1
        handle = original[start:end]
        latin_word = handle.isascii() and not re.search(r"[\d_.@]", handle)  # "search for videos": a word, no handle
        if len(handle) >= 2 and not latin_word and handle.lower() not in _NOT_HANDLES and handle[0] not in _NOT_HANDLE_START:
            found.append(Finding(Category.SOCIAL_ID, start, end, 0.75))
    for m in _named_handle().finditer(text):  # "我的抖音叫小鱼儿", "快手名字是 开心果2012", "b站id：柠檬不酸"
        start = n.span(m.end(), m.end() + 1)[0] if m.end() < len(text) else len(n.original)
        original = n.original
        while start < len(original) and original[start] in " \u3000:：@":
            start += 1
        end = start
        while end < len(original) and end - start < 16 and not _HANDLE_END.match(original[end]):
            end += 1
        if end - start >= 2 and original[start] not in _NOT_HANDLE_START:
            found.append(Finding(Category.SOCIAL_ID, start, end, 0.75))
    found += [finding(n, Category.SOCIAL_ID, m.start(1), m.end(1), 0.8) for m in _V_ALONE.finditer(n.text)]
    found += [finding(n, Category.SOCIAL_ID, m.start(1), m.end(1), 0.8) for m in _V_LABEL.finditer(n.text)]
    found += [finding(n, Category.SOCIAL_ID, m.start(1), m.end(1), 0.8) for m in _UID.finditer(n.text)]
    if platforms:  # "抖音@小鱼儿": an @name in Chinese where an app is named
        found += [finding(n, Category.SOCIAL_ID, m.start(), m.end(), 0.75) for m in _AT_HANDLE_CJK.finditer(n.plain)]
    for m in _AT_HANDLE.finditer(n.text):
        if m.group(1) not in _GROUP_MENTIONS:
            found.append(finding(n, Category.SOCIAL_ID, m.start(), m.end(), 0.8))
    return found
