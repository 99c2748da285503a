"""The one router class of every domain: FastAPI's APIRouter, told to say "no match" at once for a path
whose first segment none of its routes can have.

FastAPI (0.16x) tries every route of every included router in turn, and the router it picks once more, on
every request: with two dozen routers that walk cost about a millisecond per request before any of our
code ran (measured in bench/README.md, "Classroom burst"). Comparing the path's first segment with the
first segments of the router's routes answers "no" for most routers in a few hundred nanoseconds. A router
with a route whose first segment is a path parameter is always asked in full.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope


def first_segment(path: str) -> str:
    """`/me/consultations/3` → `me`; `/` → ``."""
    return path.split("/", 2)[1] if path.startswith("/") else ""


class Router(APIRouter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._segments: tuple[int, frozenset[str] | None] | None = None

    def first_segments(self) -> frozenset[str] | None:
        """The first segments of this router's routes, or None when one of them is a path parameter."""
        if self._segments is None or self._segments[0] != len(self.routes):
            found = {first_segment(getattr(route, "path", "/")) for route in self.routes}
            self._segments = (len(self.routes), None if any(s.startswith("{") for s in found) else frozenset(found))
        return self._segments[1]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        segments = self.first_segments()
        if segments is not None:
            path: str = scope.get("path", "")
            root: str = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root):]
            if first_segment(path) not in segments:
                return Match.NONE, {}
        return super().matches(scope)
