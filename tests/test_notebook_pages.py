"""``make notebooks``' builder (tools/build_notebooks.py): an executed notebook becomes an offline
HTML page (no script or stylesheet from http(s), images embedded, the step-through player inside,
a tqdm bar saved in its final state, not "0%"); and the README says how to open the lessons."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

import autodiff

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "tools" / "build_notebooks.py")
builder = importlib.util.module_from_spec(spec)
spec.loader.exec_module(builder)


def test_remote_references_are_found():
    page = ('<script src="https://cdn.example/x.js"></script><link href="//cdn.example/a.css" rel="stylesheet">'
            '<script src="mathjax/tex.js"></script><a href="https://example.org">a link</a>'
            '<svg xmlns="http://www.w3.org/2000/svg"></svg><IMG SRC = "http://x/y.png">')  # fmt: skip
    assert [m.split()[1].split("=")[0].lower() for m in builder.remote_references(page)] == ["src", "href", "src"]
    assert builder.remote_references('<script src="mathjax/tex-svg-full.js"></script>') == []


@pytest.fixture(scope="module")
def lesson(tmp_path_factory):
    """A three-cell lesson with maths, a tqdm bar (as nn.fit shows it) and the step-through player."""
    folder = tmp_path_factory.mktemp("lesson")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A tiny lesson\n\n$$f = (x + y) z$$"),
        nbformat.v4.new_code_cell(
            "import nn\nfrom autodiff import Value\nmodel = nn.MLP(1, [2, 1], seed=0)\n"
            "X, y = [[0.0], [1.0]], [0.0, 1.0]\n"
            "history = nn.fit(model, X, y, loss='mse', optimizer=nn.SGD(model.parameters(), lr=0.1), epochs=3)"
        ),
        nbformat.v4.new_code_cell(
            "import autodiff\nx, y, z = Value(-2.0, label='x'), Value(5.0, label='y'), Value(-4.0, label='z')\n"
            "f = (x + y) * z\nf.label = 'f'\nautodiff.step_through(f)"
        ),
    ]
    path = folder / "lesson.ipynb"
    nbformat.write(nb, path)
    executed = builder.execute(path)
    return executed, builder.to_html(executed, "mathjax/tex-svg-full.js")


def test_a_bar_is_saved_in_its_final_state(lesson):
    executed, page = lesson
    texts = [o.get("data", {}).get("text/plain", "") + o.get("text", "") for o in executed.cells[1].outputs]
    bar = [t for t in texts if "step" in t and "%" in t]
    assert bar and "100%" in bar[-1] and "3/3" in bar[-1] and " 0%" not in bar[-1], texts
    shown = re.findall(r"\d+%\|[^<]*", page)
    assert shown and all(s.startswith("100%") for s in shown), shown


def test_the_page_is_offline_and_keeps_the_player(lesson):
    _, page = lesson
    assert builder.remote_references(page) == []
    assert '<script src="mathjax/tex-svg-full.js"></script>' in page and "$$f = (x + y) z$$" in page
    assert "require.min.js" not in page and "mermaid" not in page.lower().split("<body")[1]
    assert re.search(r"<iframe [^>]*srcdoc=", page) and "step 2 of 2" in page, "the player is in the page, no kernel"
    assert "cdnjs" not in page and "unpkg" not in page


def test_the_index_lists_the_lessons():
    page = builder.index([("01_a.html", "Lesson 1 <graphs>", 1.25)])
    assert '<a href="01_a.html">Lesson 1 &lt;graphs&gt;</a>' in page and "(1.2 s)" in page
    assert builder.remote_references(page) == []


def test_the_readme_says_how_to_open_the_lessons_right_after_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first = text.index("make test")
    after = text[first : first + 1500]
    assert "make notebooks" in after and "build/notebooks/index.html" in after and "make lab" in after


def test_the_readme_opens_see_the_backward_pass_with_the_picture_the_script_draws(tmp_path):
    from PIL import Image

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## See the backward pass", 1)[1].lstrip()
    assert section.startswith("![") and "(docs/sigmoid_gate.png)" in section.splitlines()[0]
    spec = importlib.util.spec_from_file_location("make_pictures", ROOT / "docs" / "make_pictures.py")
    pictures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pictures)
    (made,) = pictures.main(tmp_path)
    committed = Image.open(ROOT / "docs" / "sigmoid_gate.png")
    assert Image.open(made).size == committed.size, "docs/sigmoid_gate.png is what make pictures draws"
    f = pictures.sigmoid_gate()
    leaves = {v.label: v.grad for v in autodiff.topological_order(f) if v.is_leaf}
    assert leaves == pytest.approx({"w0": -0.19661193, "x0": 0.39322387, "w1": -0.39322387, "x1": -0.58983580,
                                    "w2": 0.19661193}, abs=1e-8)  # fmt: skip
