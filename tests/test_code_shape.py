"""The package's shape (issue 12): no function over 100 lines (figure builders excepted, by
name), no one-letter helpers, and pages that lay out only (no pandas, at most 250 lines).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).absolute().parent.parent
CHECKED = ["puhui", "puhui/demo"]
MAX_LINES = 100
FIGURE_BUILDERS = {"timeline_figure"}  # a Plotly figure's many traces read best in one place
MAX_PAGE_LINES = 250


def _functions():
    for rel in CHECKED:
        path = ROOT / rel
        if not path.exists():  # a module not yet split into a package
            path = path.with_suffix(".py")
        for file in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            tree = ast.parse(file.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield file.relative_to(ROOT), node


def test_no_function_over_a_hundred_lines():
    long = [
        f"{file}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for file, node in _functions()
        if node.end_lineno - node.lineno + 1 > MAX_LINES and node.name not in FIGURE_BUILDERS
    ]
    assert not long, long


def test_pages_lay_out_only():
    pages = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
    assert len(pages) >= 8
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= MAX_PAGE_LINES, f"{page.name}: {len(text.splitlines())} 行"
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(ast.parse(text))
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
        }
        assert "pandas" not in imported, page.name


def test_no_one_letter_helpers():
    short = [f"{file}:{node.lineno} {node.name}" for file, node in _functions() if len(node.name.strip("_")) < 2]
    assert not short, short


def test_demo_is_a_package_with_the_old_public_names():
    from puhui import demo

    assert Path(demo.__file__).name == "__init__.py"
    for name in (
        "build",
        "default_end_month",
        "is_demo",
        "DEMO_FILE_NAME",
        "MONTHLY_PLAN",
        "SALON_PREFIX",
        "LINE_NAME",
    ):
        assert hasattr(demo, name), name
