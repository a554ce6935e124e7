"""The tools read each node's record (``v.row``, ``v.operands``, ``v.parents``/``v.local_grads``,
``v.partners``) and walk with ``graph.walk`` / ``forward.tangents``: the constants folded into a sum or
a dot are drawn and written; a user operation registered again leaves old nodes drawn, traced and
checked with their own row; dot's partners are read from the record; check_backward reports a
gradient the learner's function never set as not given."""

from __future__ import annotations

import math
import re
import struct

import graphs
from test_draw import parse_dot, visible_text

import autodiff
from autodiff import Value, check_backward, trace_backward, trace_forward
from autodiff.custom import remove_operation
from autodiff.forward import tangents
from autodiff.graph import gradients, topological_order
from autodiff.text.display import formula, node_names
from autodiff.viz.forward_mode import trace_forward_mode


def ids(root) -> dict[Value, str]:
    return {v: f"n{i}" for i, v in enumerate(topological_order(root))}


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


# ---- the constants of sum and dot are operands: drawn, and written in the formula ----------------------
def test_the_constants_of_a_sum_are_drawn_and_written():
    x = Value(2.0, label="x")
    s = autodiff.sum([x, 1.0, x, -0.5])
    s.label = "s"
    assert formula(s, node_names(topological_order(s))) == "Σ(x, 1, x, -0.5)"
    assert formula(s, {}, with_values=True) == "Σ(2, 1, 2, -0.5)" and s.data == 2 + 1 + 2 - 0.5
    nodes, edges, _ = parse_dot(autodiff.draw(s).source)
    sid = ids(s)[s]
    dashed = {k: visible_text(a["label"]) for k, a in nodes.items() if k.startswith(sid + "_c")}
    assert sorted(dashed.values()) == ["-0.5", "1"]
    assert all((k, sid + "_op") in {(a, b) for a, b, _ in edges} for k in dashed)
    assert "0.5" in trace_forward(s).table() and "Σ(x, 1, x, -0.5)" in trace_backward(s).table()


def test_a_dots_plain_bias_and_number_terms_are_drawn_and_its_partners_on_the_wires():
    w0, x1 = Value(2.0, label="w0"), Value(-3.0, label="x1")
    d = autodiff.dot([w0, 4.0, 1.5], [5.0, x1, 2.0], bias=0.25)
    d.label = "d"
    assert d.data == 2 * 5 + 4 * -3 + 1.5 * 2 + 0.25
    assert formula(d, node_names(topological_order(d))) == "w0·5 + 4·x1 + 1.5·2 + 0.25"
    nodes, edges, _ = parse_dot(autodiff.draw(d).source)
    n = ids(d)
    dashed = sorted(visible_text(a["label"]) for k, a in nodes.items() if k.startswith(n[d] + "_c"))
    assert dashed == ["+ 0.25", "1.5 × 2"]
    wires = {s: visible_text(a.get("label", "")) for s, t, a in edges if t == n[d] + "_op"}
    assert wires[n[w0]] == "× 5" and wires[n[x1]] == "× 4"  # each Value's partner, from v.partners


def test_many_plain_numbers_make_a_bounded_number_of_boxes():
    x = Value(1.0, label="x")
    s = autodiff.sum([x, *[float(i) for i in range(1, 501)]])
    nodes, _, _ = parse_dot(autodiff.draw(s).source)
    boxes = [visible_text(a["label"]) for k, a in nodes.items() if "_c" in k]
    assert len(boxes) == 6 and boxes[-1] == "… 495 more numbers"


# ---- a user operation registered again: old nodes keep their own row in every tool ---------------------
def test_a_reregistered_operation_leaves_old_nodes_drawn_and_traced_with_their_own_row():
    try:
        first = autodiff.operation("cube", "∛old", lambda x: x * x * x, lambda x, out: 3.0 * x * x, maths="d/dx x³ = 3x²")
        x = Value(2.0, label="x")
        a = first(x)
        a.label = "a"
        second = autodiff.operation("cube", "new", lambda x: x * x, lambda x, out: 2.0 * x, maths="d/dx x² = 2x")
        b = second(x)
        b.label = "b"
    finally:
        remove_operation("cube")
    f = a + b
    assert a.data == 8.0 and b.data == 4.0
    names = node_names(topological_order(f))
    assert formula(a, names) == "∛old(x)" and formula(b, names) == "new(x)"
    nodes, _, _ = parse_dot(autodiff.draw(f).source)
    n = ids(f)
    assert visible_text(nodes[n[a] + "_op"]["label"]) == "∛old" and "3x²" in nodes[n[a] + "_op"]["tooltip"]
    assert visible_text(nodes[n[b] + "_op"]["label"]) == "new" and "2x" in nodes[n[b] + "_op"]["tooltip"]
    trace = trace_backward(f)
    local = {s.node: s.contributions[0].local for s in trace if s.node in (a, b)}
    assert local == {a: 12.0, b: 4.0}  # each node's own derivative at x = 2
    text = trace.table()
    assert "a = ∛old(x)" in text and "b = new(x)" in text
    f.backward()
    assert x.grad == 16.0 and trace.grads[x] == 16.0


# ---- the one walk: the traces are the walk's numbers, bitwise ----------------------------------------------
def test_the_traces_are_the_walks_numbers_with_constants_and_reflected_ops():
    x, y = Value(0.3, label="x"), Value(-1.7, label="y")
    f = (2.0 - x) * autodiff.sum([x, 1e-3, y]).tanh() + autodiff.dot([x, 0.5], [y, x], bias=3.0).sigmoid() / y
    trace = trace_backward(f)
    assert [bits(trace.grads[v]) for v in topological_order(f)] == [bits(g) for g in gradients(f).values()]
    forward = trace_forward_mode(f, {x: 1.0, y: -2.0})
    want = tangents(f, {x: 1.0, y: -2.0})
    assert all(bits(forward.tangents[v]) == bits(want[v]) for v in topological_order(f))
    h = 1e-6  # and the walk is the derivative: central differences

    def at(dx):
        xx = Value(0.3 + dx)
        return ((2.0 - xx) * autodiff.sum([xx, 1e-3, y]).tanh() + autodiff.dot([xx, 0.5], [y, xx], bias=3.0).sigmoid() / y).data

    assert math.isclose(trace.grads[x], (at(h) - at(-h)) / (2 * h), rel_tol=1e-7)


# ---- check_backward: a gradient the learner's function never set is not given --------------------------
def forgets_x(root):
    """A hand backward of f = (x + y)·z that sets every gradient but x's."""
    q, z = root.parents
    root.grad = 1.0
    q.grad = z.data
    z.grad = q.data
    q.parents[1].grad = q.grad  # y


def test_an_input_the_learners_function_never_set_is_reported_not_given():
    x, *_, f = graphs.add_mul()
    report = check_backward(f, forgets_x)
    text, page = str(report), report._repr_html_()
    assert "✓ all" not in text and "✓ all" not in page  # it said "✓ all 4 of your values agree"
    assert not report and report.missing == [x] and report.first is None
    assert re.search(r"✗ .*not given.*: x \(the engine's ∂f/∂x = -4\)", text), text
    assert "x" in [r[0] for r in report._table()[1] if "not given" in r[-1]]
    assert "not given" in page and "never set" in page
    compared = {r.name: r.ok for r in report.rows}
    assert compared == {"f": True, "z": True, "q": True, "y": True}


def test_nodes_left_unset_on_the_way_are_named_in_the_text_and_the_html():
    x, y, z, q, f = graphs.add_mul()

    def leaves_only(root):  # a δ recursion that writes the inputs and the output, not q
        root.grad = 1.0
        x.grad = y.grad = z.data
        z.grad = q.data

    report = check_backward(f, leaves_only)
    text, page = str(report), report._repr_html_()
    assert "1 node your function left at 0 was not compared: q" in text and "was not compared: q" in page
    assert "✓ all" not in text and "✓ the 4 values your function set agree" in text
    assert report and report.missing == []  # every input given and right


def test_an_input_whose_gradient_is_zero_may_stay_unset():
    x, y = Value(3.0, label="x"), Value(4.0, label="y")
    f = x * 2.0 + y * 0.0

    def backward(root):
        root.grad = 1.0
        root.parents[0].grad = 1.0
        x.grad = 2.0

    report = check_backward(f, backward)
    assert report and report.missing == []


# ---- diagnosis reads dot's partners from the record ---------------------------------------------------------
def test_a_dots_swapped_operands_are_named_with_the_partner():
    w0, x0, w1, x1, w2 = (Value(v, label=k) for k, v in (("w0", 2.0), ("x0", -1.0), ("w1", -3.0), ("x1", -2.0), ("w2", -3.0)))
    d = autodiff.dot([w0, w1], [x0, x1], bias=w2)
    d.label = "d"
    f = d.sigmoid()
    f.label = "f"
    s = f.data * (1 - f.data)
    report = check_backward(f, {"f": 1.0, "d": s, "w0": s * w0.data})  # w0 itself where its partner x0 belongs
    assert not report and report.first is w0
    message = report.diagnosis.message
    assert "∂d/∂w0 = x0 = -1" in message and "w0 = 2 itself" in message, message  # the partner, from the record


# ---- check-steps names a node by its whole record, constants included ----------------------------------
def test_check_steps_tells_sums_with_different_constants_apart():
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "autodiff.cli", "check-steps", "sum(x, 1) * sum(x, 2)", "x=3", "q=sum(x, 2)",
           "--grad", "q=4", "--grad", "x=9"]  # fmt: skip
    p = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr  # it said "the definition q=... matches 2 nodes"
    assert "Σ(x, 2)" in p.stdout and "✓ all 2 of your values agree" in p.stdout


def test_an_anomaly_names_the_operation_with_all_its_operands():
    x = Value(0.0, label="x")
    with autodiff.detect_anomaly():
        f = (x**0.5) * 3.0  # ∂/∂x x^0.5 = +inf at 0
        try:
            f.backward()
        except autodiff.AnomalyError as err:
            message = str(err)
    assert "(input 1 of the pow node)" in message and "The pow node = pow(0.0, 0.5) = 0.0" in message, message
