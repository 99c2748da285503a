"""The sections of a guardian's dashboard that domains above consent add (issue 17).

Consent owns the guardian's dashboard (`/guardian/home`, app.consent.views) but must not import the domains above
it. A domain that shows guardians something there (responses' "the city answered") registers a section once,
when its pages are imported::

    register_section("responses/guardian/_home_section.html", provide=lambda session, guardian, children: {...})

and the dashboard includes each section's template, in the order registered, with what `provide` returned merged
into the page's context (`children`: the guardian's linked children). The same shape as app.core.home.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session


@dataclass(frozen=True)
class Section:
    template: str
    provide: Callable[[Session, Any, Sequence[Any]], dict[str, Any]]


_SECTIONS: dict[str, Section] = {}


def register_section(template: str, *, provide: Callable[[Session, Any, Sequence[Any]], dict[str, Any]]) -> None:
    """Add (or, imported again, replace) the section shown by `template`."""
    _SECTIONS[template] = Section(template, provide)


def sections() -> list[Section]:
    return list(_SECTIONS.values())
