"""Frames of the backward pass: one valid image per step showing the gradients so far, an
animated GIF with one frame per step, and the step-through display (widget, and the static
fallback where widgets cannot run)."""

from __future__ import annotations

import html
import re
import sys

import pytest
from graphs import add_mul
from PIL import Image
from test_draw import ids, parse_dot, visible_text

import autodiff
from autodiff import Value
from autodiff.viz.drawing import build
from autodiff.viz.frames import frame_states
from autodiff.viz.options import DrawOptions
from autodiff.viz.stepper import WIDGET_MIME, StepThrough, widgets_available


def sigmoid_staged():
    w0, x0, w1, x1, w2 = (Value(v, label=k) for k, v in (("w0", 2), ("x0", -1), ("w1", -3), ("x1", -2), ("w2", -3)))
    return (w0, x0, w1, x1, w2), 1 / ((-(w0 * x0 + w1 * x1 + w2)).exp() + 1)


def test_each_frame_shows_the_gradients_computed_so_far():
    x, y, z, q, f = add_mul()
    trace = autodiff.trace_backward(f)
    states = list(frame_states(trace))
    assert len(states) == len(trace) == 2
    n = ids(f)
    shown = []
    for state in states:
        nodes, edges, _ = parse_dot(build(f, DrawOptions.make(), state).source)
        shown.append({v: visible_text(nodes[n[v]]["label"]).split("grad ")[1] for v in (x, y, z, q, f)})
        assert nodes[n[state.current]]["penwidth"] == "3", "the node being processed is outlined"
        bold = {s for s, d, a in edges if d == n[state.current] + "_op" and a.get("penwidth")}
        assert bold == {n[p] for p in state.current.parents}, "and the edges to its parents are bold"
    assert shown[0] == {x: "?", y: "?", z: "3", q: "-4", f: "1"}  # after f: q and z have theirs
    assert shown[1] == {x: "-4", y: "-4", z: "3", q: "-4", f: "1"}  # after q: x and y too
    assert "step 1 of 2" in states[0].caption and "q.grad += 1 × -4" in states[0].caption


def test_save_frames_writes_one_valid_png_per_step(tmp_path):
    leaves, f = sigmoid_staged()
    paths = autodiff.save_frames(f, tmp_path / "frames")
    assert [p.name for p in paths] == [f"step_{i:03d}.png" for i in range(1, 9)], "8 gates, 8 steps"
    sizes = set()
    for p in paths:
        with Image.open(p) as im:
            assert im.format == "PNG" and im.width > 800 and im.height > 200
            sizes.add(im.width)
    assert len(sizes) == 1, "every frame has the same layout width"
    assert all(v.grad == 0.0 for v in leaves), "the pass was traced on the side"
    shown = autodiff.trace_backward(f).grads
    assert [round(shown[v], 2) for v in leaves] == [-0.2, 0.39, -0.39, -0.59, 0.2]
    svgs = autodiff.save_frames(autodiff.trace_backward(add_mul()[-1]), tmp_path / "svg", fmt="svg")
    assert len(svgs) == 2 and all(p.read_text().lstrip().startswith("<?xml") for p in svgs)
    with pytest.raises(ValueError, match="png or svg"):
        autodiff.save_frames(f, tmp_path / "x", fmt="jpeg")


def test_a_given_trace_is_drawn_without_running_the_pass_again(tmp_path, monkeypatch):
    x, *_, f = add_mul()
    trace = autodiff.trace_backward(f)

    def traced_again(*args, **kwargs):
        raise AssertionError("the pass was traced again")

    monkeypatch.setattr("autodiff.viz.frames.trace_backward", traced_again)
    assert len(autodiff.save_frames(trace, tmp_path)) == 2
    with pytest.raises(AssertionError, match="traced again"):
        autodiff.save_frames(f, tmp_path)
    monkeypatch.undo()
    assert x.grad == 0.0, "and the trace itself touched no .grad"
    with pytest.raises(TypeError, match="BackwardTrace"):
        autodiff.save_frames("f", tmp_path)


def test_gif_has_one_frame_per_step(tmp_path):
    _, f = sigmoid_staged()
    trace = autodiff.trace_backward(f)
    gif = autodiff.save_gif(trace, tmp_path / "pass.gif", duration=500)
    with Image.open(gif) as im:
        assert im.format == "GIF" and im.is_animated and im.n_frames == len(trace) == 8
        assert im.info["duration"] == 500 and im.info.get("loop") == 0
        assert im.width > 800
    with pytest.raises(ValueError, match=r"\.gif"):
        autodiff.save_gif(trace, tmp_path / "pass.png")
    with pytest.raises(ValueError, match="no step"):
        autodiff.save_gif(Value(1.0), tmp_path / "leaf.gif")
    with pytest.raises(ValueError, match="max_steps=5"):
        autodiff.save_gif(trace, tmp_path / "long.gif", max_steps=5)


def test_step_through_shows_the_step_through_page_without_a_kernel():
    *_, f = add_mul()
    stepper = autodiff.step_through(f)
    assert isinstance(stepper, StepThrough) and len(stepper) == 2
    assert not widgets_available(), "pytest runs no Jupyter kernel"
    bundle = stepper._repr_mimebundle_()
    assert WIDGET_MIME not in bundle
    shown = bundle["text/html"]
    assert shown.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in shown
    page = html.unescape(shown.split('srcdoc="', 1)[1].split('"', 1)[0])
    assert page == stepper.page and page.count("<svg") == 2, "one drawing per pass"
    assert page.count('<div class="sentence" data-i=') == 3 + 5, "3 backward steps (start, 2 steps), 5 forward"
    assert "1 × -4 = " in re.sub(r"<[^>]+>", "", page) and "step 2 of 2" in page and "<script" in page
    assert str(stepper).startswith("backward pass of f")


def test_step_through_without_ipywidgets(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets now raises ImportError
    *_, f = add_mul()
    stepper = autodiff.step_through(f)
    assert not widgets_available()
    with pytest.raises(ImportError, match="pip install ipywidgets"):
        stepper.widget()
    assert stepper._repr_mimebundle_()["text/html"].startswith("<iframe srcdoc=")


def test_the_widget_steps_with_its_buttons_and_slider(monkeypatch):
    pytest.importorskip("ipywidgets")
    _, f = sigmoid_staged()
    stepper = autodiff.step_through(f)
    box = stepper.widget()
    (back, forward, slider), image, rows = box.children[0].children, box.children[1], box.children[2]
    assert slider.value == 1 and back.disabled and not forward.disabled and image.value == stepper.frames[0]
    forward.click()
    forward.click()
    assert slider.value == 3 and image.value == stepper.frames[2] and "step 3 of 8" in rows.value
    slider.value = 8
    assert forward.disabled and image.value == stepper.frames[7]
    forward.click()
    assert slider.value == 8
    back.click()
    assert slider.value == 7 and not forward.disabled
    # inside a kernel too, the display is the page: the same player live and in an exported notebook
    monkeypatch.setattr("autodiff.viz.stepper.widgets_available", lambda: True)
    bundle = stepper._repr_mimebundle_()
    assert WIDGET_MIME not in bundle and bundle["text/html"].count("data-i=&quot;8&quot;") >= 2
