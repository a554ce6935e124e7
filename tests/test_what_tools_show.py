"""What each picture shows after two backward() calls, as the README says: ``draw`` and ``render`` show
the graph's ``.grad`` as it is (both passes summed); the trace, ``paths``, ``derivation``, the frames, the
GIF's frames and the step-through page show one pass from zero. CS231n's (x + y)·z at x = −2, y = 5,
z = −4: one pass gives ∂f/∂x = z = −4, two give −8."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

import autodiff
from autodiff import Value
from autodiff.viz.frames import render_frames
from autodiff.viz.page import page_html

README = Path(__file__).resolve().parents[1] / "README.md"
ONE_PASS, TWO_PASSES = "x, data = &#45;2.0, grad = &#45;4.0", "x, data = &#45;2.0, grad = &#45;8.0"  # x's tooltip


@pytest.fixture
def twice():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    f = (x + y) * z
    f.backward()
    f.backward()
    assert x.grad == 2 * z.data  # two passes accumulated: 2 · ∂f/∂x = 2z
    return f, x


def test_the_readme_says_which_tool_shows_which():
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "`draw` and `render` show each node's `.grad` as it is now" in text
    assert ("`trace_backward`, `paths`, `derivation`, the frames, the GIF and the step-through page compute "
            "the pass they show on the side: one backward pass from zero") in text


def test_draw_and_render_show_the_accumulated_grad(twice, tmp_path):
    f, x = twice
    svg = autodiff.draw(f).pipe("svg").decode()
    assert TWO_PASSES in svg and ONE_PASS not in svg
    rendered = autodiff.render(f, tmp_path / "f.svg").read_text(encoding="utf-8")
    assert TWO_PASSES in rendered and ONE_PASS not in rendered
    assert x.grad == -8.0


def test_trace_paths_and_derivation_show_one_pass(twice):
    f, x = twice
    assert autodiff.trace_backward(f).grads[x] == -4.0
    assert autodiff.paths(f, x).total == -4.0
    assert str(autodiff.derivation(f, x)).endswith("= −4")
    assert x.grad == -8.0


def test_frames_and_the_page_show_one_pass(twice):
    f, x = twice
    _, frames = render_frames(f, "svg")
    last = frames[-1].decode()
    assert ONE_PASS in last and TWO_PASSES not in last
    inline = html.unescape(autodiff.step_through(f).static_html())  # the page, in an iframe's srcdoc
    for page in (page_html(f), inline):
        assert ONE_PASS in page and "grad = &#45;8.0" not in page
        assert re.search(r"grad not computed yet", page)  # the pass starts from zero: nothing arrived yet
    assert x.grad == -8.0
