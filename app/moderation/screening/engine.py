"""``screen`` runs every detector over one normalised text; ``redact`` masks the personal details found.

The order of work: normalise once (MOD-07), run the detectors on the views they need, drop overlapping
personal-detail findings (one number is a QQ number *or* a phone number, not both), read the meaning of the
texts in one batch, combine words and meaning (``_combine``, the one place where they meet), then decide the
action (SG-01 before MOD-08 before MOD-10) and a risk score for ordering the moderation queue.

The combined rule (issue 14; thresholds in ``data/meaning.toml``, the reasons in docs/decisions.md):

* **Safeguarding, words.** A lexicon phrase or two-part rule that an idiom does not explain away is *certain*
  when the writer or someone they know is in the text (``context.speaker``) and its confidence is at least
  0.7, and *possible* when weaker, or when a story, the news or a joke ("哈哈", "lol") stands beside it. A hit in topic talk (the news, a story, the law) with nobody the writer
  knows in it is dropped; a hit with neither a person nor a topic needs the meaning detector to agree
  (probability at its *possible* threshold) and is then *possible*.
* **Safeguarding, meaning.** A sub-kind's probability at ``certain`` is *certain* (*possible* beside a story,
  the news or a joke); at ``possible``, *possible*.
  A text of fewer than eight letters ("我很伤心", "妈妈摸我的头") is too little to read: it needs the ``short``
  threshold and is at most *possible*. A long one (``long.letters``, 45 Chinese characters) with no harm word
  is a discussion unless the reading is strong: it needs the ``long`` threshold (SG-02, issue 14).
  In topic talk it needs the ``topic`` threshold and is at most *possible*.
  An insult aimed at someone else ("你怎么不去死": unkind words, no lexicon safeguarding hit, and not the
  writer or anyone they know in it) is unkind, not read as the writer's own harm.
* **An adult writer** (SG-02, issue 14): a guardian's comment (``writer="guardian"``, the item's author kind), or
  a text whose writer is plainly an adult (``context.adult_writer``: their own child, spouse, job, university or
  age, not quoted). A lexicon hit is at most *possible*: kept when the writer, someone they know or a child is
  in it or the meaning agrees, dropped in topic talk and otherwise (an adult writer lowers, never raises);
  a meaning-only finding needs the ``topic`` threshold and is at most *possible*. A guardian telling of harm
  to their child ("我女儿说体育老师总摸她") is read by an officer. A child quoting an adult ("妈妈说：我儿子…")
  is no adult.
* **Meaning needs the right kind of text** (issue 14 false alarms). In the writer's own adult life (a partner,
  dating, marriage, their job: ``context.register``) a meaning-only finding other than self-harm needs a
  child-safety cue (an adult or age gap, secrecy from parents, body photos, money, meeting at their place):
  "男朋友偷偷准备了礼物" is not grooming, "他说他是我男朋友，二十二岁了，不能让我爸妈知道" is. Meaning-only
  neglect needs something of a child's care (a home, a parent, food, being alone): "两天没发货" is not neglect;
  meaning-only grooming needs grooming's pattern (a child-safety cue, gifts, private contact, a stream or a
  game): "他对我特别好，每天给我带早餐" is not grooming.
* **Unkind.** Lexicon insults, targeted words and group contempt (``context.detect_group_contempt``), or the
  meaning detector's "unkind" probability at its threshold. A text with a safeguarding finding carries no
  unkind finding: a child telling what was said to them is not being unkind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from app.moderation.screening import contact, context, names, places, words_detector
from app.moderation.screening.lexicon import allowed_spans
from app.moderation.screening.normalise import Normalised, normalise
from app.moderation.screening.types import (
    PERSONAL_DETAILS,
    RISK_WEIGHT,
    Action,
    Category,
    Finding,
    Level,
    Result,
    Subkind,
)

MASK = "＊＊＊"
CHILD = "child"  # the writer of most texts; any other writer the platform knows ("guardian") is an adult
WORDS_CERTAIN = 0.7  # a lexicon safeguarding hit at least this confident, with a person in the text, is certain
MEANING_CERTAIN_LENGTH = 8  # letters: a shorter text ("我很伤心") is too little to be sure of by meaning alone

# When two personal-detail findings overlap, the more specific one stays: an e-mail's domain is not a URL,
# a number after a QQ cue is a QQ number even if it also looks like a phone number.
_PRIORITY: dict[Category, int] = {
    Category.ID_NUMBER: 9,
    Category.EMAIL: 8,
    Category.URL: 7,
    Category.QQ: 6,
    Category.SOCIAL_ID: 5,
    Category.PHONE: 4,
    Category.ADDRESS: 3,
    Category.SCHOOL: 2,
    Category.NAME: 1,
}

_PERSONAL_DETECTORS: tuple[Callable[[Normalised], list[Finding]], ...] = (
    contact.detect_phones,
    contact.detect_emails,
    contact.detect_urls,
    contact.detect_qq,
    contact.detect_social_ids,
    contact.detect_id_numbers,
    contact.detect_student_numbers,
    contact.detect_handles,
    places.detect_addresses,
    places.detect_schools,
    names.detect_names,
)


def personal_details(text: str) -> list[Finding]:
    """Only the personal details of ``text`` (the child's prompt while writing, MOD-08): no meaning read."""
    n = normalise(text)
    found: list[Finding] = []
    for detect in _PERSONAL_DETECTORS:
        found.extend(detect(n))
    return _resolve_overlaps(found)


def screen(text: str, *, meaning: bool = True, writer: str = CHILD) -> Result:
    """Screen one text: findings with spans in ``text``, the action and a risk score. ``writer`` is who wrote
    it as the platform knows it (the moderated item's author kind): a child, or a guardian (an adult)."""
    return screen_many([text], meaning=meaning, writer=writer)[0]


def screen_many(texts: Sequence[str], *, meaning: bool = True, writer: str = CHILD) -> list[Result]:
    """Screen many texts by one kind of writer; their meaning is read in one batch (much cheaper per text than
    one by one)."""
    from app.moderation.screening import meaning as meaning_detector

    normalised = [normalise(t) for t in texts]
    idioms = [context.idiom_spans(n.plain) for n in normalised]
    readable = [i for i, n in enumerate(normalised) if meaning and _has_words(n.plain)]
    probabilities: list[dict[str, float] | None] = [None] * len(texts)
    read = [_without_idioms(normalised[i], idioms[i] + allowed_spans(normalised[i].plain)) for i in readable]
    for i, scores in zip(readable, meaning_detector.scores(read), strict=True):
        probabilities[i] = scores
    adult = writer != CHILD
    return [_screen_one(n, p, s, adult) for n, p, s in zip(normalised, probabilities, idioms, strict=True)]


def _without_idioms(n: Normalised, idioms: list[tuple[int, int]]) -> str:
    """The words the meaning detector reads: an idiom's harm word and the allow-list's harmless words taken
    out ("我想死你们了" is read as "我想你们了", "我们都傻傻的开心" as "我们都开心"), so that meaning and words
    agree on what is harmless."""
    text = n.original
    for start, end in sorted((n.span(s, e) for s, e in idioms), reverse=True):
        text = text[:start] + text[end:]
    return text


def _has_words(plain: str) -> bool:
    return sum(ch.isalpha() for ch in plain) >= 2


def _screen_one(
    n: Normalised, probabilities: dict[str, float] | None, idioms: list[tuple[int, int]], adult_writer: bool,
) -> Result:
    personal: list[Finding] = []
    for detect in _PERSONAL_DETECTORS:
        personal.extend(detect(n))
    allowed = allowed_spans(n.plain)
    words_concerns = [
        f for f in words_detector.detect_safeguarding(n, allowed) if not _overlaps_idiom(n, f, idioms)
    ]
    words_unkind = [
        f for f in words_detector.detect_unkind(n, allowed) + context.detect_group_contempt(n)
        if not _overlaps_idiom(n, f, idioms)
    ]
    concerns, unkind = _combine(n, words_concerns, words_unkind, probabilities, adult_writer)
    findings = sorted(
        _resolve_overlaps(personal) + _dedupe(concerns + unkind),
        key=lambda f: (f.start, f.end, f.category, str(f.subkind or "")),
    )
    return Result(
        text=n.original,
        normalised=n.text,
        findings=tuple(findings),
        action=decide(findings),
        risk=risk(findings),
    )


def _overlaps_idiom(n: Normalised, f: Finding, idioms: list[tuple[int, int]]) -> bool:
    """Idiom spans are in the plain view; findings in the original: compare in the original."""
    return any(context.overlaps_any(f.start, f.end, [n.span(s, e)]) for s, e in idioms)


def _combine(
    n: Normalised, words_concerns: list[Finding], words_unkind: list[Finding],
    probabilities: dict[str, float] | None, adult_writer: bool,
) -> tuple[list[Finding], list[Finding]]:
    """Lexicon and meaning, combined by the rule in this module's docstring."""
    from app.moderation.screening import meaning as meaning_detector

    t = meaning_detector.thresholds()
    probabilities = probabilities or {}
    sg_scores = {Subkind(k): v for k, v in probabilities.items() if k != meaning_detector.UNKIND}
    best = max(sg_scores.values(), default=0.0)
    # No harm word and no reading at any threshold (each is at least ``possible``): nothing to weigh, so who is
    # speaking, the register and whether the writer is an adult are not read at all (throughput: most comments
    # stop here).
    concerns = _safeguarding(n, words_concerns, words_unkind, sg_scores, best, adult_writer) \
        if words_concerns or best >= t.possible else []
    if concerns:
        return concerns, []
    unkind = list(words_unkind)
    p_unkind = probabilities.get(meaning_detector.UNKIND, 0.0)
    if p_unkind >= t.unkind:
        unkind.append(Finding(Category.UNKIND, 0, len(n.original), round(p_unkind, 2), source="meaning"))
    return concerns, unkind


def _safeguarding(
    n: Normalised, words_concerns: list[Finding], words_unkind: list[Finding], sg_scores: dict[Subkind, float],
    best: float, adult_writer: bool,
) -> list[Finding]:
    """The safeguarding half of ``_combine`` (the rule in this module's docstring)."""
    from app.moderation.screening import meaning as meaning_detector

    t = meaning_detector.thresholds()
    who = context.speaker(n.plain)
    whole = (0, len(n.original))
    letters = sum(ch.isalpha() for ch in n.plain)
    concerns: list[Finding] = []
    # A story, the news or a joke beside the writer's own words ("我看了一本小说，主角离家出走", "my mum will kill
    # me if I lose it haha"): an officer reads it first, nothing is certain.
    sure = Level.POSSIBLE if who.topic or who.joke else Level.CERTAIN
    register = context.register(n.plain)
    adults_day = register.adult and not register.child_safety  # the writer's own adult life, no child-safety cue
    # SG-02 (issue 14): a plainly adult writer (their own child, spouse, job: "我儿子", "我们单位") is an adult
    # talking of their life or of a topic, not a child disclosing: an officer reads it, nothing is certain.
    # A guardian's comment (``adult_writer``) is an adult's whatever its words.
    adult = adult_writer or context.adult_writer(n.plain)
    long = best >= t.possible and _length(n.plain) >= t.long_letters
    for f in words_concerns:
        if who.topic_only:
            continue  # "新闻上说有个学生自杀了": talk about a topic, not a disclosure
        if adult and who.topic:
            continue  # SG-02: "我儿子问我法律怎么判强奸罪": an adult on a topic, with a child of their own in it
        if who.topic and context.reported_elsewhere(n.original, f.start, f.end):
            continue  # SG-02: "我是辽宁的。我家那边有全家跳楼的": the harm word's own sentence is news of others
        if adult and (who.personal or best >= t.possible or context.names_a_child(n.plain)):
            level = Level.POSSIBLE  # SG-02: "我老公喝醉了就打我", "孩子他爸喝醉了就打孩子": read by an officer
        elif adult:
            continue  # an adult writer lowers a finding, never raises one: a word with no one it happens to
        elif who.personal:
            level = sure if f.confidence >= WORDS_CERTAIN else Level.POSSIBLE
        elif best >= t.possible:
            level = Level.POSSIBLE
        else:
            continue  # "家暴太可怕了": a word with nobody it happens to, and a meaning that is not a disclosure
        concerns.append(_with_level(f, level))
    taunt = bool(words_unkind) and not words_concerns and not who.personal
    for subkind, p in sg_scores.items():
        if taunt:
            break  # "你怎么不去死": an insult aimed at someone else, not the writer's own harm
        if adults_day and subkind != Subkind.SELF_HARM:
            continue  # "男朋友说要给我一个惊喜", "加班到半夜": an adult's own day, no child-safety cue (SG-02)
        if subkind == Subkind.GROOMING and not register.grooming:
            continue  # "他对我特别好，每天给我带早餐": closeness with none of grooming's pattern
        if subkind == Subkind.NEGLECT and (not register.care or register.errand):
            continue  # "两天没发货", "外卖还没送到，饿了一整天": neglect is of a child's care, not of a parcel (SG-02)
        if who.topic_only or adult:
            # SG-02: topic talk, or an adult writer ("我当妈以后天天想哭"): only a very strong reading is possible
            level = Level.POSSIBLE if p >= t.topic else None
        else:
            if letters < MEANING_CERTAIN_LENGTH:
                level = Level.POSSIBLE if p >= t.short else None  # "我很伤心", "妈妈摸我的头": too little to read
            elif long and p < t.long:
                level = None  # SG-02: a long comment with no harm word and a middling reading is a discussion
            else:
                level = sure if p >= t.certain else Level.POSSIBLE if p >= t.possible else None
        if level is not None:
            concerns.append(Finding(Category.SAFEGUARDING, *whole, round(p, 2), subkind, level, "meaning"))
    return concerns


def _length(plain: str) -> float:
    """Letters, as the ``long`` threshold counts them: a Chinese character 1, an English letter a third."""
    cjk = sum(1 for ch in plain if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf")
    latin = sum(1 for ch in plain if ch.isascii() and ch.isalpha())
    return cjk + latin / 3


def _with_level(f: Finding, level: Level) -> Finding:
    return Finding(f.category, f.start, f.end, f.confidence, f.subkind, level, f.source)


def decide(findings: Iterable[Finding]) -> Action:
    """SG-01 first: a certain safeguarding signal outranks everything, then a possible one; then personal
    details, then unkind words."""
    findings = list(findings)
    categories = {f.category for f in findings}
    if any(f.category == Category.SAFEGUARDING and f.level != Level.POSSIBLE for f in findings):
        return Action.SAFEGUARDING
    if Category.SAFEGUARDING in categories:
        return Action.SAFEGUARDING_POSSIBLE
    if categories & PERSONAL_DETAILS:
        return Action.PERSONAL_DETAILS
    if Category.UNKIND in categories:
        return Action.UNKIND
    return Action.CLEAN


def risk(findings: Iterable[Finding]) -> float:
    """0–1 for ordering the queue: the strongest finding, weighted by how much harm its category can do."""
    return round(max((f.confidence * RISK_WEIGHT[f.category] for f in findings), default=0.0), 3)


def redact(text: str, findings: Iterable[Finding]) -> str:
    """Replace every personal-detail span of ``text`` with ``MASK`` (overlapping spans become one mask)."""
    spans = sorted((f.start, f.end) for f in findings if f.category in PERSONAL_DETAILS and f.end > f.start)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    pos = 0
    for start, end in merged:
        out.append(text[pos:start])
        out.append(MASK)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    """Keep, of overlapping personal details, the most specific category, then the most confident, longest."""
    ranked = sorted(
        findings,
        key=lambda f: (-_PRIORITY[f.category], -f.confidence, -(f.end - f.start), f.start),
    )
    kept: list[Finding] = []
    for f in ranked:
        if all(f.end <= k.start or k.end <= f.start for k in kept):
            kept.append(f)
    return kept


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Of word hits with the same category and sub-kind, drop those inside a longer or stronger one."""
    ranked = sorted(findings, key=lambda f: (-(f.end - f.start), -f.confidence))
    kept: list[Finding] = []
    for f in ranked:
        contained = any(
            k.category == f.category and k.subkind == f.subkind and k.start <= f.start and f.end <= k.end
            and k.source == f.source and (k.level == f.level or k.level == Level.CERTAIN)
            for k in kept
        )
        if not contained:
            kept.append(f)
    return kept
