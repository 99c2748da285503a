"""Small cells, one rule in one place (PAR-05, DP-12, issue 16): no count of fewer than five children is shown,
and no hidden count can be worked out from a total and the counts shown beside it.

Every output that shows counts of children (pages, CSV, PDF, the JSON API, the public page) passes them through
this module and shows a `Count` as `str(count)` ("< 5" where hidden) or, in JSON, `count.value` (null where
hidden) with `count.hidden`. Nothing else decides what is small.

- **Primary**: a count under SMALL (including 0: "nobody" is also a small cell) is hidden.
- **Secondary**: where the cells add up to a total that is shown (`additive`: a child is in exactly one cell,
  e.g. age bands, channels, the faces of a question), the hidden cells together must not be worked out to fewer
  than SMALL children, and no single hidden cell may stand alone: while they would, the smallest shown cell is
  hidden too. In a table (rows × columns, each adding up), the rule is applied to every row and every column
  until nothing changes.
- A total under SMALL hides the total and every cell in it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

SMALL = 5  # the smallest number of children a count may show
HIDDEN = "< 5"  # how a hidden count reads, in every language and every output

K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)


@dataclass(frozen=True)
class Count:
    """A count of children as it may be shown: `value` is None where it is hidden."""

    value: int | None

    @property
    def hidden(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return HIDDEN if self.value is None else str(self.value)

    def share(self, of: Count) -> float | None:
        """This count as a share of `of`, or None where either is hidden (a share would reveal the count)."""
        if self.value is None or of.value is None or not of.value:
            return None
        return self.value / of.value

    def json(self) -> int | None:
        return self.value


def total(value: int) -> Count:
    """A count that stands alone (children who took part, a theme's size)."""
    return Count(value if value >= SMALL else None)


def _secondary(values: Mapping[K, int], hidden: set[K]) -> set[K]:
    """Hide more of `values` (cells adding up to a shown total) until the hidden ones are safe."""
    hidden = set(hidden)
    while hidden and (len(hidden) == 1 or sum(values[k] for k in hidden) < SMALL):
        shown = [k for k in values if k not in hidden]
        if not shown:
            break
        hidden.add(min(shown, key=lambda k: (values[k], list(values).index(k))))
    return hidden


def cells(values: Mapping[K, int], *, of: int | None = None, additive: bool = True) -> dict[K, Count]:
    """Counts of children in cells (options, bands, channels, …), in the order given. `of`: the total they
    belong to, when it is shown beside them (for `additive` cells it defaults to their sum). Where that total is
    under SMALL, every cell is hidden."""
    whole = sum(values.values()) if of is None and additive else of
    if whole is not None and whole < SMALL:
        return {k: Count(None) for k in values}
    hidden = {k for k, v in values.items() if v < SMALL}
    if additive:
        hidden = _secondary(values, hidden)
    return {k: Count(None if k in hidden else v) for k, v in values.items()}


def table(values: Mapping[R, Mapping[C, int]], *, hidden_rows: Iterable[R] = ()) -> dict[R, dict[C, Count]]:
    """A table of counts whose rows and columns each add up to a total that is shown (e.g. a question's
    answers by age band): hidden cells are safe in every row and every column. Rows and columns with a total
    under SMALL are hidden whole. `hidden_rows`: rows whose total is hidden elsewhere (e.g. an option's count
    hidden beside its siblings), hidden whole here too, so the row cannot be added up from the table."""
    rows = list(values)
    columns: list[C] = []
    for row in values.values():
        columns.extend(c for c in row if c not in columns)
    value = {(r, c): values[r].get(c, 0) for r in rows for c in columns}
    hidden = {key for key, v in value.items() if v < SMALL}
    whole_rows = set(hidden_rows)
    for r in rows:
        if r in whole_rows or sum(value[(r, c)] for c in columns) < SMALL:
            hidden.update((r, c) for c in columns)
    for c in columns:
        if sum(value[(r, c)] for r in rows) < SMALL:
            hidden.update((r, c) for r in rows)
    changed = True
    while changed:
        changed = False
        for r in rows:
            line = {c: value[(r, c)] for c in columns}
            more = _secondary(line, {c for c in columns if (r, c) in hidden})
            for c in more:
                if (r, c) not in hidden:
                    hidden.add((r, c))
                    changed = True
        for c in columns:
            line_c = {r: value[(r, c)] for r in rows}
            more_r = _secondary(line_c, {r for r in rows if (r, c) in hidden})
            for r in more_r:
                if (r, c) not in hidden:
                    hidden.add((r, c))
                    changed = True
    return {r: {c: Count(None if (r, c) in hidden else value[(r, c)]) for c in columns} for r in rows}
