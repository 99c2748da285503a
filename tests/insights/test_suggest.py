"""The machine's suggestions (issue 16, PAR-05): Chinese and English together, the same input gives the same
themes, each with keywords and its most typical comments."""

from app.insights import samples
from app.insights.suggest import keywords, suggest


def test_same_input_gives_the_same_themes_zh_and_en_together() -> None:
    made = samples.comments(80, seed=11)
    pairs = [(i + 100, text) for i, (_topic, text) in enumerate(made)]
    first = suggest(pairs, seed=0)
    again = suggest(list(reversed(pairs)), seed=0)  # the order given does not matter either
    assert first == again
    assert 2 <= len(first) <= 10
    placed = [cid for s in first for cid in s.comment_ids]
    assert sorted(placed) == sorted(cid for cid, _ in pairs)  # every comment in exactly one group
    for s in first:
        assert s.keywords and len(s.keywords) <= 5
        assert 1 <= len(s.central_ids) <= 3 and set(s.central_ids) <= set(s.comment_ids)
    # Groups are about one thing, whatever the language: the largest group is mostly one topic.
    topic = {i + 100: t for i, (t, _text) in enumerate(made)}
    biggest = first[0]
    top = max(set(topic[c] for c in biggest.comment_ids), key=lambda t: sum(topic[c] == t for c in biggest.comment_ids))
    assert sum(topic[c] == top for c in biggest.comment_ids) >= len(biggest.comment_ids) / 2
    mixed = [s for s in first if any(not any("\u4e00" <= ch <= "\u9fff" for ch in made[c - 100][1]) for c in s.comment_ids)
             and any(any("\u4e00" <= ch <= "\u9fff" for ch in made[c - 100][1]) for c in s.comment_ids)]
    assert mixed, "Chinese and English comments saying the same thing should meet in one group"


def test_few_comments_make_one_group_and_none_make_nothing() -> None:
    assert suggest([]) == []
    few = suggest([(1, "想要更多秋千"), (2, "More swings please")])
    assert len(few) == 1 and few[0].comment_ids == [1, 2]


def test_keywords_in_both_languages() -> None:
    words = keywords(["公园里的厕所太远了", "希望游乐区旁边有干净的厕所", "The toilets are too far", "Please build clean toilets"])
    assert "厕所" in words and "toilets" in words
