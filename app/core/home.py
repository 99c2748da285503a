"""The sections of a child's home screen that domains above corps add (issue 15).

Corps owns the child's home page (`/me`, app.corps.tablet_views) but must not import the domains above it. A
domain that shows the child something there (consultations' "My questions") registers a section once, when its
child pages are imported::

    register_section("consultations/child/_home_section.html", provide=lambda session, child: {...})

and the home page includes each section's template, in the order registered, with what `provide` returned
merged into the page's context. `provide` is called only while the child takes part (CON-04: their input is
shown only then); otherwise the section's template is shown with nothing provided (its empty state).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session


@dataclass(frozen=True)
class Section:
    template: str
    provide: Callable[[Session, Any], dict[str, Any]]


_SECTIONS: dict[str, Section] = {}


def register_section(template: str, *, provide: Callable[[Session, Any], dict[str, Any]]) -> None:
    """Add (or, imported again, replace) the section shown by `template`."""
    _SECTIONS[template] = Section(template, provide)


def sections() -> list[Section]:
    return list(_SECTIONS.values())
