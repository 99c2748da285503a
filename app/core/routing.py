"""The one router class of every domain: FastAPI's APIRouter, told to say "no match" at once for a path
none of its routes can match.

FastAPI (0.16x) tries every route of every included router in turn, and the router it picks once more, on
every request: with two dozen routers that walk cost about a millisecond per request before any of our
code ran (docs/decisions.md). A route's path can only match a request path that equals it (no parameter)
or starts with its text before the first parameter (`/api/v1/me/consultations/{consultation_id}` →
`/api/v1/me/consultations/`). Checking that for all of a router's routes is one set lookup and one
`str.startswith` over a tuple; only a router that may match is then asked in full.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel
from starlette.routing import Match
from starlette.types import Scope


class Paths:
    """What the paths of a router's routes can match: exact paths, and prefixes before a first parameter."""

    def __init__(self, paths: list[str]) -> None:
        self.exact = frozenset(p for p in paths if "{" not in p)
        self.prefixes = tuple(sorted({p.split("{", 1)[0] for p in paths if "{" in p}))

    def may_match(self, path: str) -> bool:
        return path in self.exact or path.startswith(self.prefixes)


class Router(APIRouter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._paths: tuple[int, Paths] | None = None

    def paths(self) -> Paths:
        if self._paths is None or self._paths[0] != len(self.routes):  # routes are added at import time
            self._paths = (len(self.routes), Paths([getattr(route, "path", "/") for route in self.routes]))
        return self._paths[1]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path: str = scope.get("path", "")
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        if not self.paths().may_match(path):
            return Match.NONE, {}
        return super().matches(scope)


def model_response(model: BaseModel, status_code: int = 200) -> Response:
    """A model the route built itself (so pydantic checked it on the way in) as the JSON answer. Returned from
    a plain `def` route, FastAPI sends it as it is; a model returned as such is validated once more, in the
    thread pool: one more thread hop per request (about 0.3 ms of CPU here, bench/floor.py). The route keeps
    its `response_model` for the OpenAPI schema."""
    return Response(model.model_dump_json(by_alias=True), status_code=status_code, media_type="application/json")
