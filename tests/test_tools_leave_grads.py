"""Tools never change what they show: tracing, the frames, the GIF, the step-through display,
``paths``, ``gradcheck`` and ``check_formula`` leave every ``.grad`` and ``.data`` of the graph
bitwise as they found them (fresh, after one or two backward passes, with gradients set by hand,
and when they raise halfway), and what they show is still one backward pass from zero: bitwise
what ``backward()`` gives on a fresh copy of the graph."""

from __future__ import annotations

import math
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

import autodiff
from autodiff import Value, check_formula, gradcheck
from autodiff.graph import gradients
from autodiff.viz.gradient_paths import count_paths

ROOT = Path(__file__).resolve().parents[1]


# ---- graphs, built fresh on every call (on the given leaves, else new ones): (root, leaves) ---------------
def readme(w=None):
    """The README's reproducer: σ(w · (−1, −2, 1))."""
    w = w or [Value(2.0, label="w0"), Value(-3.0, label="w1"), Value(-3.0, label="w2")]
    out = autodiff.dot(w, [-1.0, -2.0, 1.0]).sigmoid()
    out.label = "out"
    return out, w


def diamond(leaves=None):
    """a feeds b and c, which meet again in d = b · c; then e = d + a (a reaches e by three paths)."""
    (a,) = leaves or [Value(0.7, label="a")]
    b, c = a * 2.0, a + 1.0
    d = b * c
    e = d + a
    b.label, c.label, d.label, e.label = "b", "c", "d", "e"
    return e, [a]


def reuse(leaves=None):
    """a used five times, c twice by one node (c · c) and again in a dot; a sum listing a Value twice."""
    a, b = leaves or [Value(1.5, label="a"), Value(-0.5, label="b")]
    c = a * b + a
    c.label = "c"
    d = c * c + (a * 3).tanh() - autodiff.max(a, b) + autodiff.dot([a, b], [c, 2.0]) + autodiff.sum([a, a, b, c])
    d.label = "d"
    return d, [a, b]


def small_reuse(leaves=None):
    """Reuse in few steps (frames are slow to draw): c · c, and a sum listing a twice."""
    a, b = leaves or [Value(1.5, label="a"), Value(-0.5, label="b")]
    c = a * b + a
    d = c * c + autodiff.sum([a, a, c])
    c.label, d.label = "c", "d"
    return d, [a, b]


GRAPHS = {"readme": readme, "diamond": diamond, "reuse": reuse, "small reuse": small_reuse}
PICTURED = {k: GRAPHS[k] for k in ("readme", "diamond", "small reuse")}


# ---- the states a graph can be in when a tool meets it ----------------------------------------------------
def fresh(root) -> None:
    pass


def one_backward(root) -> None:
    root.backward()


def two_backwards(root) -> None:
    root.backward()
    root.backward(-1.75)


HAND = [-0.0, 1e300, 5e-324, -3.25, math.nan, 0.1, -math.inf, 7.0]


def set_by_hand(root) -> None:
    """Arbitrary grads on every node: signed zero, huge, subnormal, NaN, inf (bitwise comparisons see them all)."""
    for i, v in enumerate(autodiff.topological_order(root)):
        v.grad = HAND[i % len(HAND)]


STATES = {"fresh": fresh, "one backward": one_backward, "two backwards": two_backwards, "set by hand": set_by_hand}


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def snapshot(root) -> list[tuple[bytes, bytes]]:
    """Every node's (grad, data), bit for bit, in topological order."""
    return [(bits(v.grad), bits(v.data)) for v in autodiff.topological_order(root)]


def fresh_grads(build) -> list[bytes]:
    """What backward() from zero leaves in each node of a new copy of the graph, bit for bit."""
    root, _ = build()
    root.backward()
    return [bits(v.grad) for v in autodiff.topological_order(root)]


def shown(grads: dict, root) -> list[bytes]:
    return [bits(grads[v]) for v in autodiff.topological_order(root)]


@pytest.fixture(params=list(STATES), ids=list(STATES))
def state(request):
    return STATES[request.param]


@pytest.fixture(params=list(GRAPHS), ids=list(GRAPHS))
def graph(request):
    return GRAPHS[request.param]


@pytest.fixture(params=list(PICTURED), ids=list(PICTURED))
def pictured(request):
    return PICTURED[request.param]


def prepared(build, state):
    root, leaves = build()
    state(root)
    return root, leaves, snapshot(root)


# ---- the README's reproducer ----------------------------------------------------------------------------
def test_the_readme_reproducer_keeps_the_gradient_of_one_pass(tmp_path):
    out, w = readme()
    out.backward()
    assert math.isclose(w[0].grad, -0.19661193324148185, rel_tol=1e-15)
    before = snapshot(out)
    print(autodiff.trace_backward(out))
    autodiff.save_gif(out, tmp_path / "b.gif")
    autodiff.save_frames(out, tmp_path / "frames")
    autodiff.step_through(out)
    assert snapshot(out) == before
    assert bits(w[0].grad) == fresh_grads(readme)[0]


# ---- trace_backward, gradients, trace_forward -----------------------------------------------------------
def test_trace_backward_leaves_the_graph_and_shows_a_fresh_pass(graph, state):
    root, _, before = prepared(graph, state)
    trace = autodiff.trace_backward(root)
    assert snapshot(root) == before
    assert shown(trace.grads, root) == fresh_grads(graph)
    assert shown(gradients(root), root) == fresh_grads(graph)
    assert snapshot(root) == before
    # the steps add up, in order, to those gradients
    for step in trace:
        assert bits(step.upstream) == bits(trace.grads[step.node])
    autodiff.trace_forward(root)
    str(trace), trace._repr_html_()
    assert snapshot(root) == before


def test_trace_backward_with_a_seed_shows_a_fresh_pass_with_that_seed(graph, state):
    root, _, before = prepared(graph, state)
    trace = autodiff.trace_backward(root, -2.5)
    assert snapshot(root) == before
    other, _ = graph()
    other.backward(-2.5)
    assert shown(trace.grads, root) == [bits(v.grad) for v in autodiff.topological_order(other)]


def test_trace_backward_raising_halfway_changes_nothing(graph, state):
    root, _, before = prepared(graph, state)
    with pytest.raises(ValueError, match="digits"):
        autodiff.trace_backward(root, digits=0)  # refused after the pass
    with pytest.raises(ValueError, match="finite"):
        autodiff.trace_backward(root, math.inf)
    assert snapshot(root) == before


# ---- the pictures: frames, GIF, step-through ------------------------------------------------------------
def test_frames_gif_and_step_through_leave_the_graph_and_show_a_fresh_pass(pictured, state, tmp_path):
    graph = pictured
    root, _, before = prepared(graph, state)
    frames = autodiff.save_frames(root, tmp_path / "dirty")
    assert snapshot(root) == before
    gif = autodiff.save_gif(root, tmp_path / "dirty.gif", duration=100)
    assert snapshot(root) == before
    stepper = autodiff.step_through(root)
    stepper.static_html()
    assert snapshot(root) == before
    assert shown(stepper.trace.grads, root) == fresh_grads(graph)
    # the same pictures, byte for byte, as those of a copy that never ran a backward pass
    clean, _ = graph()
    clean_frames = autodiff.save_frames(clean, tmp_path / "clean")
    assert [p.read_bytes() for p in frames] == [p.read_bytes() for p in clean_frames]
    assert stepper.frames == [p.read_bytes() for p in clean_frames]
    assert gif.read_bytes() == autodiff.save_gif(clean, tmp_path / "clean.gif", duration=100).read_bytes()


@pytest.mark.parametrize(
    "call",
    [
        lambda r, d: autodiff.save_frames(r, d / "f", fmt="jpeg"),
        lambda r, d: autodiff.save_frames(r, d / "f", no_such_option=1),  # refused after the pass was traced
        lambda r, d: autodiff.save_frames(r, d / "f", rankdir="UP"),
        lambda r, d: autodiff.save_frames(r, d / "f", max_steps=1),
        lambda r, d: autodiff.save_gif(r, d / "a.gif", duration=5),
        lambda r, d: autodiff.save_gif(r, d / "a.gif", hold_last=0),
        lambda r, d: autodiff.save_gif(r, d / "a.png"),
        lambda r, d: autodiff.save_gif(r, d / "a.gif", max_steps=1),
        lambda r, d: autodiff.save_gif(r, d / "a.gif", collapse=2.5),
        lambda r, d: autodiff.step_through(r, digits=-1),
        lambda r, d: autodiff.step_through(r, highlight=[1.0]),
    ],
    ids=["fmt", "unknown", "rankdir", "max_steps", "duration", "hold_last", "suffix", "gif max_steps", "collapse",
         "digits", "highlight"],
)
def test_pictures_that_raise_halfway_change_nothing(call, state, tmp_path):
    root, _, before = prepared(small_reuse, state)
    with pytest.raises((TypeError, ValueError)):
        call(root, tmp_path)
    assert snapshot(root) == before


# ---- paths -----------------------------------------------------------------------------------------------
def test_paths_leave_the_graph_and_total_the_fresh_gradient(graph, state):
    root, leaves, before = prepared(graph, state)
    reports = [autodiff.paths(root, x, limit=10_000) for x in leaves]
    for report in reports:
        str(report), report._repr_html_()
    if count_paths(root, leaves[0]) > 1:
        with pytest.raises(autodiff.PathLimitError):
            autodiff.paths(root, leaves[0], limit=1)
    assert snapshot(root) == before
    grads = gradients(root)
    for x, report in zip(leaves, reports):
        scale = math.fsum(abs(p.product) for p in report)
        assert abs(report.total - grads[x]) <= 1e-13 * scale, (x.label, report.total, grads[x])


# ---- gradcheck and check_formula -------------------------------------------------------------------------
def test_gradcheck_in_place_leaves_the_graph_and_reports_the_fresh_gradient(graph, state):
    root, leaves, before = prepared(graph, state)
    report = gradcheck(lambda: graph(leaves)[0], leaves)
    assert report, str(report)
    assert snapshot(root) == before
    clean, clean_leaves = graph()
    clean.backward()
    assert [bits(r.analytic) for r in report.rows] == [bits(x.grad) for x in clean_leaves]


def test_gradcheck_in_place_that_raises_halfway_changes_nothing(state):
    root, leaves, before = prepared(reuse, state)
    calls = []

    def f():
        calls.append(1)
        if len(calls) == 3:  # a's nudge down: a is a + ε no more, not yet a again
            raise TypeError("f broke")
        return reuse(leaves)[0]

    with pytest.raises(TypeError, match="f broke"):
        gradcheck(f, leaves)
    assert snapshot(root) == before


def test_gradcheck_and_check_formula_leave_the_values_f_reads_itself(graph, state):
    """f may read Values of an existing graph (a model's parameters, a constant node): their
    grads and data stay, and the engine's column is still the gradient of one pass from zero."""
    root, _, before = prepared(graph, state)
    report = gradcheck(lambda t: t * root + (t * t).tanh(), [0.3])
    assert report, str(report)
    assert snapshot(root) == before
    t, copy = Value(0.3), graph()[0]
    fresh_out = t * copy + (t * t).tanh()
    fresh_out.backward()
    assert bits(report.rows[0].analytic) == bits(t.grad)
    formula = check_formula(lambda t: t * root, {"t": lambda t: root.data}, at={"t": 0.5}, samples=2, seed=1)
    assert formula, str(formula)
    assert all(bits(r.engine) == bits(root.data) for r in formula.rows)
    assert snapshot(root) == before


# ---- save_gif and save_frames make their folder ----------------------------------------------------------
def test_save_gif_and_save_frames_create_the_folder_they_write_into(tmp_path):
    root, _ = readme()
    gif = autodiff.save_gif(root, tmp_path / "new" / "deeper" / "a.gif")
    with Image.open(gif) as im:
        assert im.format == "GIF" and im.n_frames == len(autodiff.trace_backward(root))
    frames = autodiff.save_frames(root, tmp_path / "other" / "dir")
    assert [p.parent for p in frames] == [tmp_path / "other" / "dir"] * len(autodiff.trace_backward(root))


def test_draw_gif_from_the_command_line(tmp_path):
    gif = tmp_path / "a.gif"  # (a folder that does not exist is an error: tests/test_cli_first_contact.py)
    cmd = [sys.executable, "-m", "autodiff.cli", "draw", "x*y", "x=2", "y=3", "--gif", str(gif)]
    env = {"PYTHONPATH": str(ROOT)}
    p = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    with Image.open(gif) as im:
        assert im.format == "GIF" and im.n_frames == 1
    assert f"wrote {gif}" in p.stdout


# ---- paths is linear in the number of parents -------------------------------------------------------------
def test_paths_through_a_20000_term_sum_is_linear():
    x = Value(1.5, label="x")
    n = 20_000
    s = autodiff.sum([x * float(i) for i in range(n)] + [x, x, x])  # x also listed three times itself
    start = time.perf_counter()
    report = autodiff.paths(s, x, limit=100_000)
    text = str(report)
    html = report._repr_html_()
    assert time.perf_counter() - start < 10.0, "was 80 s: parents.count per path"
    s.backward()
    assert len(report) == n + 3 == count_paths(s, x)
    assert report.total == x.grad == n * (n - 1) / 2 + 3
    assert text.count("(x as input") == 3 and "x as input 20003 of" in text and "x as input 20001 of" in text
    assert html.count("<tr>") == n + 3 + 1


def test_paths_of_a_sum_listing_one_value_many_times():
    x, y = Value(2.0, label="x"), Value(-1.0, label="y")
    s = autodiff.sum([x] * 5000 + [y, x])
    report = autodiff.paths(s, x, limit=10_000)
    s.backward()
    assert len(report) == 5001 and report.total == x.grad == 5001.0
    assert [p.slots for p in report] == [(k,) for k in range(5000)] + [(5001,)]
    lines = str(report).splitlines()
    assert "x as input 1 of" in lines[1] and "x as input 5002 of" in lines[-2]
    assert autodiff.paths(s, y).total == y.grad == 1.0 and "(y as input" not in str(autodiff.paths(s, y))
