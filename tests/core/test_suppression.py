"""Small cells (PAR-05, DP-12, issue 16): the one rule every output uses (app.core.suppression)."""

import itertools

import pytest

from app.core.suppression import HIDDEN, SMALL, cells, table, total


def test_a_count_under_five_reads_as_under_five():
    assert str(total(4)) == HIDDEN == "< 5" and total(4).value is None and total(4).hidden
    assert str(total(5)) == "5" and total(5).json() == 5
    assert str(total(0)) == HIDDEN


def test_one_hidden_cell_is_never_left_alone_beside_its_total():
    shown = cells({"6-9": 12, "10-13": 3, "14-17": 8})
    # 23 children in all; hiding 3 alone would leave it as 23 - 12 - 8: the next-smallest (8) is hidden too.
    assert [str(c) for c in shown.values()] == ["12", HIDDEN, HIDDEN]


def test_hidden_cells_never_add_up_to_fewer_than_five():
    shown = cells({"a": 1, "b": 2, "c": 30, "d": 40})
    assert shown["a"].hidden and shown["b"].hidden and shown["c"].hidden and not shown["d"].hidden


def test_a_small_total_hides_every_cell():
    assert all(c.hidden for c in cells({"a": 2, "b": 2}).values())
    assert all(c.hidden for c in cells({"a": 9, "b": 2}, of=4, additive=False).values())


def test_cells_that_do_not_add_up_are_only_hidden_when_small():
    # "choose several": a child is in more than one cell, so no cell can be worked out from the others.
    shown = cells({"a": 3, "b": 9, "c": 7}, of=10, additive=False)
    assert [c.value for c in shown.values()] == [None, 9, 7]


@pytest.mark.parametrize("values", [
    {"r1": {"x": 10, "y": 3, "z": 8}, "r2": {"x": 9, "y": 6, "z": 7}},
    {"r1": {"x": 1, "y": 20, "z": 20}, "r2": {"x": 20, "y": 20, "z": 1}, "r3": {"x": 7, "y": 8, "z": 9}},
])
def test_no_hidden_cell_of_a_table_can_be_worked_out_from_its_row_or_column(values):
    shown = table(values)
    rows, columns = list(values), list(next(iter(values.values())))
    lines = [[(r, c) for c in columns] for r in rows] + [[(r, c) for r in rows] for c in columns]
    for line in lines:
        hidden = [(r, c) for r, c in line if shown[r][c].hidden]
        assert len(hidden) != 1, line  # a lone hidden cell = total − shown cells
        if hidden:
            assert sum(values[r][c] for r, c in hidden) >= SMALL or len(hidden) == len(line)


def test_every_small_value_is_hidden_whatever_the_mix():
    for a, b, c in itertools.product([0, 1, 4, 5, 6, 30], repeat=3):
        shown = cells({"a": a, "b": b, "c": c})
        for key, value in zip("abc", (a, b, c), strict=True):
            assert value >= SMALL or shown[key].hidden
