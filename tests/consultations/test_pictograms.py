"""Pictograms for options (issue 18): a real, vendored icon set (Tabler Icons, with its licence), each with words
in both languages and keywords to search by; the demo's pictures match their words (攀爬架 showed a football)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from app.consultations.models import PICTOGRAM_GROUPS, PICTOGRAMS, Option
from app.demo import load_demo

STATIC = Path(__file__).resolve().parents[2] / "static" / "img" / "pictograms"


def test_every_pictogram_is_a_vendored_file_with_words_in_both_languages_and_its_licence():
    assert len(PICTOGRAMS) >= 60
    assert "MIT License" in (STATIC / "LICENSE-tabler-icons.txt").read_text()
    for key, pictogram in PICTOGRAMS.items():
        svg = (STATIC / f"{key}.svg").read_text()
        assert svg.startswith("<svg") and "<script" not in svg, key
        assert pictogram.names["zh_Hans"] and pictogram.names["en"] and pictogram.group in PICTOGRAM_GROUPS, key
    assert {path.stem for path in STATIC.glob("*.svg")} == set(PICTOGRAMS)  # nothing left over from the old set


def _words(text: str) -> set[str]:
    """Every run of two Chinese characters in a text, the way a search box would find it."""
    return {text[i:i + 2] for i in range(len(text) - 1)}


def test_the_demos_pictures_match_their_words(session):
    load_demo(session=session)
    options = session.exec(select(Option).where(Option.pictogram.is_not(None))).all()  # type: ignore[union-attr]
    assert options
    for option in options:
        pictogram = PICTOGRAMS[option.pictogram]
        said = pictogram.names["zh_Hans"] + " " + pictogram.keywords
        assert _words(option.label["zh_Hans"]) & _words(said), (option.label["zh_Hans"], option.pictogram)
