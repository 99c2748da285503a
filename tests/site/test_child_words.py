"""A child reads words meant for a child (issue 18): the five faces say what a child would say, child pages say
你 and never 您, and a short word shared by a child's screen and a staff screen is said in the same sense or has a
context of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.consultations.models import SCALE_FACES
from app.core.i18n import gettext, set_locale, translations

ROOT = Path(__file__).resolve().parents[2]
CHILD_SCREENS = ["templates/tablet", "templates/consultations/child", "templates/responses/child", "templates/moderation/my_comments.html",
                 "templates/moderation/transparency_child.html", "templates/safeguarding/child_calm.html",
                 "templates/safeguarding/help_request.html"]
MESSAGE = re.compile(r'''(?<![A-Za-z])(?:_|N_|gettext)\(\s*"((?:[^"\\]|\\.)*)"''')
# Said to the official previewing a consultation as a child, on the child's page (never shown to a child).
TO_STAFF_ON_A_CHILD_PAGE = {"You see exactly what a child sees. Choose an age band:"}
# Short words on both a child's screen and a staff or guardian screen, read and found to mean the same in both
# places (and in both languages). A new one fails until someone reads it and adds it here or gives it a context.
SAME_SENSE = {"Ages %(band)s", "Agree", "Back", "Don't agree", "Password", "Read aloud", "Sign in", "Staff sign-in",
              "This page", "Username", "Your answer", "Not yet", "You wrote:", ", "}


def _child_files() -> list[Path]:
    found: list[Path] = []
    for name in CHILD_SCREENS:
        path = ROOT / name
        found += sorted(path.rglob("*.html")) if path.is_dir() else [path]
    return found


@pytest.mark.parametrize(("locale", "words"), [
    ("zh_Hans", ["很不好", "不好", "一般", "好", "非常好"]),
    ("en", ["Very bad", "Bad", "OK", "Good", "Very good"]),
])
def test_the_five_faces_say_what_a_child_would_say(locale, words):
    set_locale(locale)
    try:
        assert [gettext(face_words) for _value, _face, face_words in SCALE_FACES] == words
    finally:
        set_locale("zh_Hans")


def test_the_neutral_face_and_an_imported_row_are_different_words():
    set_locale("zh_Hans")
    assert gettext(SCALE_FACES[2][2]) == "一般"
    assert gettext("OK") == "无误"  # beside a row of an import that has no problem


def test_child_pages_say_ni_never_nin():
    catalog = translations("zh_Hans")
    polite = []
    for path in _child_files():
        text = path.read_text()
        said = MESSAGE.findall(text) + re.findall(r'pgettext\(\s*"([^"]+)",\s*"((?:[^"\\]|\\.)*)"', text)
        for message in said:
            zh = catalog.pgettext(*message) if isinstance(message, tuple) else catalog.gettext(message)
            if "您" in zh and message not in TO_STAFF_ON_A_CHILD_PAGE:
                polite.append((path.name, message, zh))
    assert polite == []


def test_short_words_shared_with_staff_screens_were_read_for_their_sense():
    uses: dict[str, set[str]] = {}
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("app/**/*.py")]:
        for message in MESSAGE.findall(path.read_text()):
            if len(message) <= 14 and len(message.split()) <= 2:
                uses.setdefault(message, set()).add(str(path.relative_to(ROOT)))
    child = ("templates/tablet", "consultations/child", "responses/child", "my_comments", "child_views", "tablet_views")
    shared = {message for message, files in uses.items()
              if any(c in f for f in files for c in child) and any(not any(c in f for c in child) for f in files)}
    assert shared <= SAME_SENSE, f"read these for their sense on each screen: {sorted(shared - SAME_SENSE)}"
