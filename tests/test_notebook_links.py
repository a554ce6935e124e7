"""Files the lessons point to exist: a notebook that names `worked_examples.md` (not in the repository)
sends a student nowhere. Every file name in backticks in a notebook's Markdown must be a file of the
repository (a path from its root, or a name found in it)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FILE = re.compile(r"`([\w./-]+\.(?:md|json|py|ipynb|txt|toml))`")
SOURCES = ("autodiff", "nn", "notebooks", "tests", "benchmarks", "docs")
NAMES = {p.name for p in ROOT.iterdir() if p.is_file()} | {
    p.name for d in SOURCES if (ROOT / d).is_dir() for p in (ROOT / d).rglob("*") if p.is_file()}


def named_files(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [m for cell in nb.cells if cell.cell_type == "markdown" for m in FILE.findall(cell.source)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_files_a_notebook_names_exist(path):
    missing = [f for f in named_files(path) if not (ROOT / f).is_file() and f not in NAMES]
    assert not missing, f"{path.name} points to files that are not in the repository: {missing}"


def test_notebook_02_says_where_the_printed_numbers_come_from():
    files = named_files(ROOT / "notebooks" / "02_three_layer_network.ipynb")
    assert "autodiff/cli/worked_examples.json" in files
