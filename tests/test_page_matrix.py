"""Every page on real-looking data: the messy uploaded book and the demo bank, for the whole line and
each sub-branch, in every stored month, with training mode off and on — never an exception, never a
raw missing value, the filters as asked.

The messy book (``tests/messy_book.py``) is written as files and stored through the real ingest:
cells without activity, visits or customers, a sub-branch without grids, a month without its
previous month, no targets, a partial latest month. For each page, scope and training mode one
AppTest walks the months through the link's query parameters, as a pasted link would; the pages
run in two worker processes (``tests/page_matrix.py``).
"""

from __future__ import annotations

import duckdb
import pytest

from page_matrix import run_matrix
from puhui import store, ui

PAGES = [rel for rel, _, _ in ui.PAGES]


def book_shape(db) -> tuple[list[str], list[str]]:
    """The stored months (newest first) and the sub-branches of a database."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return store.months(con), store.branches(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def matrix(messy_template, demo_template, tmp_path_factory):
    """Every page of both books walked once: {(book, page): (failures, runs)}."""
    templates = {"messy": messy_template, "demo": demo_template}
    shapes = {book: book_shape(path) for book, path in templates.items()}
    assert len(shapes["messy"][0]) == 5 and len(shapes["messy"][1]) == 4
    return run_matrix(templates, shapes, PAGES, tmp_path_factory.mktemp("matrix"))


@pytest.mark.parametrize("book", ["messy", "demo"])
@pytest.mark.parametrize("rel", PAGES)
def test_every_page_in_every_month_scope_and_training_mode(matrix, book, rel):
    failures, runs = matrix[(book, rel)]
    assert runs >= 2 * 3 * 5
    assert not failures, f"{rel}（{book}）\n" + "\n".join(failures[:20])
