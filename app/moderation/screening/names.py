"""Full names of people (MOD-06): the child's own and other children's.

A Chinese full name is a surname and one or two characters, but so are thousands of ordinary words
(高兴, 马上). Names are therefore only looked for after a cue (我叫, 我的名字是, 同桌, my name is) or just
before 同学, and words in the ``[names]`` allow-list are never names. A given name alone (小明) is not a
full name and is not reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from app.moderation.screening.common import NAME_CHAR, finding
from app.moderation.screening.lexicon import allowed_words, alternation, sections, words
from app.moderation.screening.normalise import Normalised
from app.moderation.screening.types import Category, Finding

_EN_NOT_NAMES = frozenset(
    "not a an the very so too really secret here there in at on and but because is was".split()
)
# Pinyin: common surnames that are not English words, and a given name of one or two syllables.
_PY_SURNAMES = (
    "wang|zhang|liu|chen|yang|huang|zhao|zhou|xu|sun|zhu|guo|lin|luo|gao|zheng|liang|xie|song|tang|feng|deng|cao|"
    "peng|zeng|xiao|tian|dong|pan|yuan|cai|jiang|du|cheng|wei|su|ding|ren|shen|yao|cui|zhong|tan|jin|shi|liao|jia|"
    "xia|fu|fang|bai|zou|meng|xiong|qin|qiu|hou|yin|xue|yan|duan|lei|li|wu|hu|lu|han"
)
_PY_SYLLABLE = (
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|in|un|"
    r"ia|ie|iu|ua|uo|ui|ue|a|o|e|i|u|v)"
)
_PY_GIVEN = rf"(?:{_PY_SYLLABLE}){{1,2}}"
# Pinyin-shaped English words that follow or precede a surname-shaped word in ordinary English.
_PY_NOT_GIVEN = frozenset(
    """can man ban fan pan tan ran shun sun run fun bun gun hang bang gang long song ping pong ding dong hen ten men
    pen den bin tin win pin sin kin fin yes yen hi he she me we be you yo ma mama ha hey bye buy guy tie lie die pie
    hue cue due sue ago also ok okay uh oh shoe zoo too two so go no do to dean bean mean lean wean chin shin thin
    nina tina gina lena dana ana hannah diana jane jean joe sean leo""".split()
)
_PY_WORD = re.compile(rf"(?:{_PY_SYLLABLE})+")


def _among_english(plain: str, start: int, end: int) -> bool:
    """A pinyin name stands among English words ("my friend wang haoran drew this"), not in a sentence
    written in pinyin ("wo xi huan gong yuan", "荡qiu qian"): the words beside it are not pinyin."""
    before = re.findall(r"[a-z']+", plain[:start])
    after = re.findall(r"[a-z']+", plain[end:])
    neighbours = before[-1:] + after[:1]
    return bool(neighbours) and not any(_PY_WORD.fullmatch(w) for w in neighbours)


_NOT_NAME_END = "人们们的地得了过着吗呢吧啊"  # 黄种人, 任何人: a surname character starting an ordinary word
# Issue 14 (pd-dev2): the last character of a place or a group, not of a given name (江南区, 高年级, 万达广场).
_NOT_NAME_END_PLACE = "区市县镇村路街园馆场站楼院店厅级班组队"
# … and, for names found without a cue word (at a sentence's start, after 我是 or a verb), of a thing or a role
# (高架桥, 王府井, 包子铺, 毕业生, 左撇子, 志愿者).
_NOT_NAME_END_WEAK = _NOT_NAME_END_PLACE + "桥井城铺道门湖河岛塔寺庙台厂车机器灯生子者员迷粉"
_NUMERALS = "二三四五六七八九十百千万亿两零〇"
# After a name, the start of an estate's or a place's name instead (我们小区的名字叫阳光花园).
_PLACE_NEXT = "园苑区路街村镇馆场站楼院店厅"
# What ends a name written without a cue word, read in the original (the plain view drops a space between
# two Chinese characters): a space, punctuation or the end of the text.
_PAUSE = re.compile(r"[\s，,。.！!？?、；;：:~～…)）\"”'’]|$")
_TITLES = frozenset(
    "主席 总理 主任 书记 老板娘 老师 同学 阿姨 叔叔 医生 校长 老板 师傅 奶奶 爷爷 哥哥 姐姐 先生 女士 主任 教练 警官 护士 大爷 大妈 同志 总 老".split()
)
# Words after "i'm", "this is", "called" … that are not names ("i'm happy", "this is great").
_EN_NOT_NAME_WORDS = frozenset(
    """going gonna happy sad sorry glad sure scared afraid tired bored from in at with and or the a an to not so
    very really just also still always never sometimes only too years year old new here there home back done
    good great fun cool nice bad fine ok okay hungry thirsty sick ill alone lonely worried excited lucky
    writing asking saying telling trying hoping thinking looking waiting playing learning living staying
    in out up down my your his her our their this that these those what why how when where who which
    because but if of for on by about all some any no yes one two three four five six seven eight nine ten
    grade class school park library bus team club reading years student kid boy girl child
    he she it they we you i me him them us dead underscore dot lol haha time same game name came
    mr mrs ms miss dr uncle auntie aunt teacher coach grandma grandpa granny mum mom dad""".split()
)


def cache_clear() -> None:
    _patterns.cache_clear()


@dataclass(frozen=True, slots=True)
class _Patterns:
    after_cue: re.Pattern[str]
    classmate: re.Pattern[str]
    before_title: re.Pattern[str]
    sentence_start: re.Pattern[str]
    with_someone: re.Pattern[str]
    self_intro: re.Pattern[str]
    after_verb: re.Pattern[str]
    listed: re.Pattern[str]
    bare: re.Pattern[str]
    pair: re.Pattern[str]
    english: re.Pattern[str]
    english_full: re.Pattern[str]
    pinyin: re.Pattern[str]
    given_en: frozenset[str]
    not_names: frozenset[str]
    famous: frozenset[str]


@cache
def _patterns() -> _Patterns:
    surnames = sections("surnames.txt")
    compound = [e.text for e in surnames.get("compound", [])]
    single = [e.text for e in surnames.get("single", [])]
    surname = rf"(?:{alternation(compound)}|[{''.join(single)}])"
    full_name = rf"({surname}{NAME_CHAR}{{1,2}})"
    given = "".join(e.text for e in surnames.get("given", []))
    joiner = r"[\s:：,，]*(?:是|叫)?[\s:：]*"
    return _Patterns(
        after_cue=re.compile(rf"(?:{alternation(words('cues.txt', 'name'))}){joiner}{full_name}"),
        classmate=re.compile(rf"(?:{alternation(words('cues.txt', 'classmate'))})(?:是|叫)?{full_name}"),
        before_title=re.compile(rf"{full_name}(?:同学|小朋友)"),
        # Issue 14: a name that starts a sentence and is followed by what a person does or is (陈思远说…,
        # 王一诺是…, 黄梓涵周一没来) — a surname and two characters, or one character before 说/他/她.
        sentence_start=re.compile(
            rf"(?:^|(?<=[。！？!?；;，,\s(（])|(?<=年级的)|(?<=[班我]的)|(?<=昨天|今天|刚才|后来|然后|明天))"
            rf"(?:((?:{alternation(compound)}|[{''.join(single)}]){NAME_CHAR}{NAME_CHAR})"
            rf"(?=说|他(?!们)|她(?!们)|是|和|跟|也|都|今天|昨天|每天|又|总是|老是|没来|没有来|不来"
            rf"|觉得|认为|想|在|画|写|提|希望|喜欢|问|告诉|你|给我|让我|帮我|最|把|被|没|去|来|周[一二三四五六日末]"
            rf"|的(?:妈妈|爸爸|奶奶|爷爷|外婆|外公|家长|哥哥|姐姐|弟弟|妹妹)|[:：]|[，,]\d{{1,2}}岁)"
            rf"|((?:{alternation(compound)}|[{''.join(single)}]){NAME_CHAR})(?=说))"
        ),
        with_someone=re.compile(
            rf"(?:我和|我跟|和我|跟我|我同|告诉|跟|和)({surname}{NAME_CHAR}{NAME_CHAR})(?=一起|说|都|也|是|去|在|约|玩)"
            rf"|({surname}{NAME_CHAR}{NAME_CHAR})(?=(?:和|跟)我(?:一起|都|去|是|在|约|玩))"
            rf"|(?:我和|我跟)({surname}{NAME_CHAR})(?=一起|是好朋友|是同桌|是同学)"
        ),
        # Issue 14 (pd-dev2): "我是赵一鸣", "本人孙佳怡，": a surname and two characters, then a pause.
        self_intro=re.compile(
            rf"(?:我是|我就是|本人|我叫做|年级的?|班的?|@)\s*((?:{alternation(compound)}){NAME_CHAR}{{1,2}}|[{''.join(single)}]{NAME_CHAR}{NAME_CHAR})"
            rf"(?=(?P<next>来自|今年|的(?:妈妈|爸爸|家长)))?"
        ),
        # "请把这个奖给胡欣妍，", "告诉钱多多，", "老师表扬了蒋思彤，": a full name after a verb, then a pause.
        after_verb=re.compile(
            rf"(?:给|告诉|表扬了?|批评了?|问问?|谢谢|感谢|找|叫上|还有)({surname}{NAME_CHAR}{NAME_CHAR})(?=(?P<next>帮|替|为我))?"
        ),
        # "王晨曦、李沐阳、赵思琪": full names listed with 、.
        listed=re.compile(
            rf"(?:^|(?<=[：:\s，,有是]))((?:{surname}{NAME_CHAR}{NAME_CHAR}、)+{surname}{NAME_CHAR}{NAME_CHAR})"
            rf"(?=(?P<next>都|和|等|一起))?"
        ),
        # A common surname and two characters common in children's given names (石浩然天天…, 严一鸣也同意),
        # with no cue word: not inside a longer run of such characters.
        bare=re.compile(rf"(?<![{given}])([{''.join(single[:100])}][{given}][{given}])(?![{given}])"),
        # Two names joined (张三和李四都…): both are names.
        pair=re.compile(
            rf"(?:^|(?<=[。！？!?；;，,\s]))({surname}{NAME_CHAR}{{1,2}})(?:和|跟|与|、)({surname}{NAME_CHAR}{{1,2}})"
            rf"(?=都|一起|是|说|也|在|去|打|吵|他们|她们|两个|$)"
        ),
        english=re.compile(rf"(?<![a-z])(?:{alternation(words('cues.txt', 'name_en'))})\s+([a-z]+(?: [a-z]+)?)"),
        english_full=re.compile(rf"(?<![a-z])((?:{alternation(words('given_names_en.txt', 'names'))}) [a-z]{{2,20}})(?![a-z])"),
        pinyin=re.compile(rf"(?<![a-z])(?:({_PY_SURNAMES}) ({_PY_GIVEN})|({_PY_GIVEN}) ({_PY_SURNAMES}))(?![a-z])"),
        given_en=frozenset(words("given_names_en.txt", "names")),
        not_names=allowed_words("names"),
        famous=allowed_words("famous"),
    )


def detect_names(n: Normalised) -> list[Finding]:
    """Names after a cue (0.85), after 同桌/同学 (0.7), before 同学 (0.7), after "my name is" (0.75)."""
    p = _patterns()
    plain = n.plain
    found: list[Finding] = []
    patterns = ((p.after_cue, 0.85), (p.classmate, 0.7), (p.before_title, 0.7), (p.sentence_start, 0.65),
                (p.with_someone, 0.65), (p.self_intro, 0.75), (p.after_verb, 0.6), (p.bare, 0.55))
    paused = (p.self_intro, p.after_verb)  # these need a pause (or the words of their look-ahead) after the name
    weak = (p.sentence_start, p.self_intro, p.after_verb, p.with_someone, p.bare)
    for pattern, confidence in patterns:
        for m in pattern.finditer(plain):
            group = 1 if m.group(1) else 2
            name = m.group(group)
            if name is None:
                continue
            if pattern in paused and not m.group("next") and not _pause_after(n, m.start(group), m.end(group)):
                continue
            if m.end(group) < len(plain) and plain[m.end(group)] in _PLACE_NEXT:
                continue
            if not _could_be_name(name, p, weak=pattern in weak):
                continue  # 高兴, 马上 …; 李老师, 王阿姨: a surname and a title is how children politely avoid a name
            found.append(finding(n, Category.NAME, m.start(group), m.end(group), confidence))
    for m in p.listed.finditer(plain):
        names = m.group(1).split("、")
        if not m.group("next") and not _pause_after(n, m.start(1), m.end(1)):
            continue
        if all(_could_be_name(x, p, weak=True) for x in names):
            offset = m.start(1)
            for x in names:
                found.append(finding(n, Category.NAME, offset, offset + len(x), 0.65))
                offset += len(x) + 1
    for m in p.english.finditer(plain):
        parts: list[str] = []
        for word in m.group(1).split():
            if word in _EN_NOT_NAMES or word in _EN_NOT_NAME_WORDS:
                break
            parts.append(word)
        if len(parts) != 2:
            continue  # a given name alone ("my name is Lily") is not a full name
        end = m.start(1) + len(" ".join(parts))
        strong = m.group(0).startswith(("my name", "i am called"))
        close = m.group(0).startswith(("my best friend", "my friend", "my classmate", "my brother", "my sister",
                                       "my cousin", "my neighbo", "signed"))  # "my brother Jack loves …": capitals
        o_start, o_end = n.span(m.start(1), end)
        written = n.original[o_start:o_end].split()
        capitalised = len(written) == 2 and all(w[:1].isupper() for w in written)
        pinyin = any(re.fullmatch(_PY_SURNAMES, w) for w in parts)
        if strong or capitalised or (parts[0] in p.given_en and not close) or pinyin:
            found.append(finding(n, Category.NAME, m.start(1), end, 0.75))
    for m in p.pair.finditer(plain):
        names = [m.group(1), m.group(2)]
        if not all(_could_be_name(x, p, weak=True) for x in names):
            continue
        for group in (1, 2):
            found.append(finding(n, Category.NAME, m.start(group), m.end(group), 0.65))
    for m in p.pinyin.finditer(plain):  # "wang haoran", "yiming zhang": a Chinese name written in pinyin
        given = m.group(2) or m.group(3)
        if given in _EN_NOT_NAME_WORDS or given in _PY_NOT_GIVEN or not _among_english(plain, m.start(), m.end()):
            continue
        found.append(finding(n, Category.NAME, m.start(), m.end(), 0.7))
    for m in p.english_full.finditer(plain):
        surname = m.group(1).split()[1]
        if surname not in _EN_NOT_NAMES and surname not in _EN_NOT_NAME_WORDS:
            found.append(finding(n, Category.NAME, m.start(1), m.end(1), 0.7))
    # Issue 14: a famous person or a story's character (李白, 孙悟空, Yao Ming, Peter Pan) is no child's name.
    return [f for f in found if _written(n, f) not in p.famous]


def _written(n: Normalised, f: Finding) -> str:
    """A finding's words as the ``plain`` view would show them (lower case, spaces kept), for the famous list."""
    return re.sub(r"\s+", " ", n.original[f.start : f.end].strip().lower())


def _pause_after(n: Normalised, start: int, end: int) -> bool:
    """The original text pauses right after ``plain[start:end]`` (a space, punctuation, the end)."""
    o_end = n.span(start, end)[1]
    return _PAUSE.match(n.original, o_end) is not None


def _could_be_name(name: str, p: _Patterns, *, weak: bool = False) -> bool:
    """Not an ordinary word (高兴, 马上), a surname with a title (李老师) or a place or group (江南区, 高年级);
    without a cue word, not a thing or a role either (高架桥, 毕业生)."""
    return not (
        name in p.not_names or name[:2] in p.not_names or name[1:] in p.not_names or name[-2:] in _TITLES
        or name[-1] in _NOT_NAME_END or name[-1] in (_NOT_NAME_END_WEAK if weak else _NOT_NAME_END_PLACE)
        or (weak and any(ch in _NUMERALS for ch in name[1:]))  # 连输三把: a count, not a given name
    )
