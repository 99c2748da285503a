"""Small helpers shared by the detectors."""

from __future__ import annotations

from app.moderation.screening.normalise import Normalised
from app.moderation.screening.types import Category, Finding, Subkind

# Characters that cannot belong to a Chinese name, school or place name: function words, pronouns and
# particles. They stop a greedy match ("我家住在阳光小区" must not make "家住在阳光" the estate's name).
STOP_CHARS = (
    "的了在是有和跟与也都就还又很太最把被给对向从让叫说去来到上下里这那个些吗呢吧啊呀哦嘛啦哈我你他她它们"
    "住家附近旁边每所其前后左右再只会能想看玩要离"
)
CJK = "\u4e00-\u9fff\u3400-\u4dbf"
# One Chinese character that is not a stop character.
NAME_CHAR = rf"(?:(?![{STOP_CHARS}])[{CJK}])"
# Place and school names use a shorter stop list: 和平小区, 中山路, 前进小学, 上海路 are names.
PLACE_STOP_CHARS = "的了在是有我你他她它们住家这那个些里旁边附近每去到从来给对把被说想要看玩就都也还又很太最吗呢吧啊呀哦嘛啦哈离"
PLACE_CHAR = rf"(?:(?![{PLACE_STOP_CHARS}])[{CJK}])"


def finding(
    n: Normalised,
    category: Category,
    start: int,
    end: int,
    confidence: float,
    subkind: Subkind | None = None,
) -> Finding:
    """A finding whose normalised span ``[start, end)`` is mapped back to the original text."""
    o_start, o_end = n.span(start, end)
    return Finding(category, o_start, o_end, round(min(max(confidence, 0.0), 1.0), 2), subkind)
