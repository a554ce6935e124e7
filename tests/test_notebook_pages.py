"""``make notebooks``' builder (tools/build_notebooks.py): an executed notebook becomes an offline
HTML page (no script or stylesheet from http(s), images embedded, the step-through player inside,
a tqdm bar saved in its final state, not "0%", an animated GIF as an image); one failing lesson does
not stop the others (the index marks it, the command exits non-zero); and the README says how to
open the lessons."""

from __future__ import annotations

import base64
import importlib.util
import io
import re
import subprocess
import sys
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
    assert builder.remote_references(page) == [] and "failed" not in page.split("<body>")[1]


def _notebook(folder: Path, name: str, heading: str, code: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {heading}"), nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, folder / name)


def _offline(out: Path) -> None:
    """A MathJax file already in place, so the build does not ask npm for it."""
    (out / "mathjax").mkdir(parents=True)
    (out / "mathjax" / "tex-svg-full.js").write_text("// MathJax stand-in", encoding="utf-8")


def test_one_failing_lesson_does_not_stop_the_others(tmp_path):
    """`make notebooks` stopped at the first failing lesson and wrote no index; now every lesson runs,
    every page is written, the index marks the failed one with its error's last line (escaped), and
    the command exits non-zero."""
    src, out = tmp_path / "lessons", tmp_path / "pages"
    src.mkdir()
    _offline(out)
    _notebook(src, "01_good.ipynb", "Good <one>", "print(6 * 7)")
    _notebook(src, "02_bad.ipynb", "Bad", "x = 1\nraise ValueError('no <b>such</b> lesson')")
    _notebook(src, "03_after.ipynb", "After", "print('still ' + 'here')")
    (src / "04_unreadable.ipynb").write_text("{not json", encoding="utf-8")
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "build_notebooks.py"), str(src), str(out)],
                          check=False, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "2 of 4 lessons failed" in done.stderr and "ValueError: no <b>such</b> lesson" in done.stderr
    assert "42" in (out / "01_good.html").read_text(encoding="utf-8")
    assert "still here" in (out / "03_after.html").read_text(encoding="utf-8")
    bad = (out / "02_bad.html").read_text(encoding="utf-8")
    assert "ValueError" in bad and "no &lt;b&gt;such&lt;/b&gt; lesson" in bad, "its page shows the error"
    assert not (out / "04_unreadable.html").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    items = re.findall(r"<li>.*?</li>", index)
    assert len(items) == 4 and "2 of 4 lessons failed" in index
    assert '<a href="01_good.html">Good &lt;one&gt;</a>' in items[0] and "failed" not in items[0]
    assert '<a href="02_bad.html">Bad</a>' in items[1]
    assert "failed: <code>ValueError: no &lt;b&gt;such&lt;/b&gt; lesson</code>" in items[1]
    assert '<a href="03_after.html">After</a>' in items[2] and "failed" not in items[2]
    assert "04_unreadable" in items[3] and "<a " not in items[3] and "failed: <code>" in items[3]
    assert "<b>such" not in index and builder.remote_references(index) == []


def test_an_unknown_lesson_name_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="no lesson named 99_nothing"):
        builder.build(ROOT / "notebooks", tmp_path, ["99_nothing"])


def test_the_animation_of_lesson_6_is_in_its_page(tmp_path):
    """The page showed "<IPython.core.display.Image object>" instead of the GIF (nbconvert's HTML knows
    PNG and JPEG only): the animation is now an <img> with the GIF inside, one frame per step."""
    from PIL import Image

    _offline(tmp_path)
    (entry,) = builder.build(ROOT / "notebooks", tmp_path, ["06_stepping_through_backward"])
    assert entry.error is None
    page = (tmp_path / entry.page).read_text(encoding="utf-8")
    assert "IPython.core.display.Image object" not in page
    (data,) = re.findall(r'<img [^>]*src="data:image/gif;base64,([^"]+)"', page)
    with Image.open(io.BytesIO(base64.b64decode(data))) as gif:
        assert gif.format == "GIF" and gif.n_frames == 8  # the sigmoid gate's backward pass: 8 steps


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
