"""Every page on real-looking data: the messy uploaded book and the demo bank, for the whole line and
each sub-branch, in every stored month of the messy book (the demo: its newest, a middle and its earliest
month), with training mode off and on — never an exception, never a raw missing value, the filters as asked.

The messy book (``tests/messy_book.py``) is written as files and stored through the real ingest:
cells without activity, visits or customers, a sub-branch without grids, a month without its
previous month, no targets, a partial latest month. For each page, scope and training mode one
AppTest walks the months through the link's query parameters, as a pasted link would. The runs
happen in worker processes started with the session (``tests/page_matrix.py``, conftest's
``page_matrix_run``); the tests here read their results.
"""

from __future__ import annotations

import pytest

from puhui import ui

PAGES = [rel for rel, _, _ in ui.PAGES]


def test_the_matrix_covers_both_books(page_matrix_run):
    months, branches = page_matrix_run.shapes["messy"]
    assert months == ["2026-11", "2026-10", "2026-08", "2025-12", "2025-10"] and len(branches) == 4
    months, branches = page_matrix_run.shapes["demo"]
    assert len(months) >= 3 and len(branches) >= 8


@pytest.mark.parametrize("book", ["messy", "demo"])
@pytest.mark.parametrize("rel", PAGES)
def test_every_page_in_every_month_scope_and_training_mode(page_matrix_run, book, rel):
    failures, runs = page_matrix_run.results()[(book, rel)]
    months, branches = page_matrix_run.shapes[book]
    assert runs == 2 * len(months) * (1 + len(branches))
    assert not failures, f"{rel}（{book}）\n" + "\n".join(failures[:20])
