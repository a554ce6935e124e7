"""``autodiff.derivation``: the chain rule written out (issue 12 §2). The documents' numbers for
(x+y)·z and the sigmoid gate, totals equal to the engine's gradient on random programs, one symbolic
form per rules row whose number is the engine's recorded local, the path cap, hostile labels in LaTeX,
and nothing changed."""

from __future__ import annotations

import json
import math
import random
import re

import graphs
import pytest
from programs import random_program, run_program

import autodiff
from autodiff import RULES, Value
from autodiff.cli.examples import reference
from autodiff.graph import gradients, topological_order
from autodiff.rules import Nary, Unary
from autodiff.text.display import equals, unique_names
from autodiff.verify.derivation import derivation
from autodiff.verify.local_forms import edge_form, local_form, number

EXAMPLES = reference()["examples"]


def add_mul():
    x, y, z, q, f = graphs.add_mul()
    return f, {"x": x, "y": y, "z": z, "q": q}


def sigmoid_gate():
    v, _, f = graphs.sigmoid_gate()
    return f, v


def test_the_add_mul_example_reads_as_the_issue_writes_it():
    f, v = add_mul()
    assert str(derivation(f, v["x"])) == "∂f/∂x = ∂f/∂q · ∂q/∂x = z · 1 = (−4) · 1 = −4"
    assert str(derivation(f, v["y"])) == "∂f/∂y = ∂f/∂q · ∂q/∂y = z · 1 = (−4) · 1 = −4"
    assert str(derivation(f, v["z"])) == "∂f/∂z = q = 3"
    assert str(derivation(f, v["q"])) == "∂f/∂q = z = −4"
    assert str(derivation(f, f)) == "∂f/∂f = 1"
    for name, want in EXAMPLES["cs231n_add_mul"]["expected_grads"].items():
        assert derivation(f, v[name]).total == want


def test_the_sigmoid_gate_equals_the_documents_numbers():
    f, v = sigmoid_gate()
    want = EXAMPLES["cs231n_sigmoid_gate"]["expected_grads"]
    for name, leaf in v.items():
        d = derivation(f, leaf)
        assert d.total == pytest.approx(want[name], rel=1e-12)
        assert "f·(1 − f)" in d.steps[1][0] and "0.1966" in d.steps[2][0]  # σ' = σ(1 − σ), from the rules table
    assert str(derivation(f, v["w2"])) == "∂f/∂w2 = ∂f/∂dot · ∂dot/∂w2 = f·(1 − f) · 1 = 0.1966 · 1 = 0.1966"
    x0 = str(derivation(f, v["x0"]))
    assert x0.splitlines()[1].strip().endswith("· w0") and x0.splitlines()[-1].strip() == "= 0.3932"


def test_a_node_that_uses_its_input_twice_has_a_factor_per_use():
    a = Value(3.0, label="a")
    h = a * a + a.tanh()
    h.label = "h"
    d = derivation(h, a)
    assert d.steps[0][0].startswith("∂h/∂v") and "a[1]" in d.steps[0][0] and "a[2]" in d.steps[0][0]
    assert len(d.paths) == 3 and d.total == pytest.approx(gradients(h)[a], rel=1e-15)
    assert "1 − v" in d.steps[1][0]  # tanh' = 1 − o², in the tanh node's name


@pytest.mark.parametrize("seed", range(12))
def test_the_total_is_the_engines_gradient_on_random_programs(seed):
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-2, 2), label=f"x{i}") for i in range(3)]
    out, _ = run_program(random_program(rng, 3, 6, smooth=False), leaves)
    grads = gradients(out)
    for leaf in leaves:
        try:
            d = derivation(out, leaf, limit=5000)
        except autodiff.PathLimitError:
            continue
        assert d.total == pytest.approx(grads.get(leaf, 0.0), rel=1e-9, abs=1e-12)
        assert str(d).splitlines()[-1].endswith(equals(d.steps[-1][0]))  # "= 0.5", or "≈ 0.8221" rounded


def _nodes_of(op: str, row, x: float, y: float) -> list[Value]:
    a, b = Value(x, label="a"), Value(y, label="b")
    if isinstance(row, Nary):
        return [autodiff.sum([a, b, 1.5, a])] if op == "sum" else [autodiff.dot([a, b, 0.5], [b, 2.0, a], bias=a),
                                                                   autodiff.dot([a, -1.0], [3.0, b], 0.25)]
    if isinstance(row, Unary):
        return [a.apply(op)]
    made = {"add": lambda p, q: p + q, "sub": lambda p, q: p - q, "mul": lambda p, q: p * q,
            "div": lambda p, q: p / q, "pow": lambda p, q: p**q}.get(op, lambda p, q: p.apply(op, q))  # fmt: skip
    nodes = [made(a, b), made(a, 0.5)]
    if op in ("sub", "div", "pow"):
        nodes.append(made(1.5, a))  # the reflected form: a plain number on the left
    return nodes


@pytest.mark.parametrize("op", list(RULES))
def test_every_rules_row_has_a_symbolic_form_equal_to_the_recorded_local(op):
    """The form is the row's own derivative run on terms: every built-in row has one (no row falls back
    to its number), in names, whose value is the engine's recorded local, kinks and ties included."""
    row = RULES[op]
    points = [(0.7, 1.3), (1.3, 0.7), (-0.6, 0.25), (2.0, 2.0), (0.0, 0.0)]
    for x, y in points:
        if (op in ("log", "sqrt", "pow") and x <= 0) or (op == "div" and y == 0):
            continue
        for v in _nodes_of(op, row, x, y):
            v.label = "o"
            names = unique_names(topological_order(v))
            for k, local in enumerate(v.local_grads):
                t = local_form(v, k, names)
                assert t is not None and t.value == pytest.approx(local, rel=1e-12, abs=1e-15), (op, x, y, k, t)
                if not t.is_number:  # a form in names, not the recorded number
                    assert any(n in t.text for n in ("a", "b", "o")), (op, t)


def test_the_kinks_read_as_iverson_brackets_and_the_helpers_run_on_terms():
    a, b = Value(-0.5, label="a"), Value(2.0, label="b")
    names = {a: "a", b: "b"}
    cases = [(a.relu(), 0, "[a > 0]"), (abs(a), 0, "sign(a)"), (autodiff.max(a, b), 0, "[a > b]"),
             (autodiff.max(a, b), 1, "[a < b]"), (autodiff.min(a, b), 1, "[a > b]"),
             (a.leaky_relu(0.1), 0, "[a > 0] + (1 − [a > 0])·0.1"), (a.leaky_relu(b), 1, "a·(1 − [a > 0])"),
             (a.softplus(), 0, "σ(a)"), (b.sqrt(), 0, "0.5/o"), (b**a, 1, "o·log(b)"), (a**2, 0, "2·a")]  # fmt: skip
    for v, k, text in cases:
        names[v] = "o"
        t = edge_form(v, k, names)
        assert (t.text, t.value) == (text, v.local_grads[k]), (v.op, t)
    tie = autodiff.max(b, 2.0)
    assert edge_form(tie, 0, {b: "b", tie: "o"}).value == 0.5 == tie.local_grads[0]  # ½ each on a tie


def test_the_paths_are_counted_first_and_capped_with_a_message():
    x = Value(1.0, label="x")
    y = x
    for _ in range(40):  # 2**40 paths: listing them would never end
        y = y + y
    with pytest.raises(autodiff.PathLimitError, match="1,099,511,627,776 paths lead from x"):
        derivation(y, x)
    z = x
    for _ in range(7):
        z = z * 1.0 + z
    assert derivation(z, x, limit=128).total == 128.0
    with pytest.raises(autodiff.PathLimitError, match="more than limit=100"):
        derivation(z, x)


HOSTILE = ["\\", "{", "}", "$", "_", "^", "%", "&", "#", "~", "a b", "\\frac{1}{0}", "$$\\x$$", "}\\end{aligned}$$",
           "\\\\", "x_1^2", "\x00\x1b[31m", "δ(1)₂"]  # fmt: skip
ALLOWED_MACROS = {r"\frac", r"\partial", r"\cdot", r"\left", r"\right", r"\mathrm", r"\backslash", r"\{", r"\}",
                  r"\$", r"\&", r"\#", r"\%", r"\_", r"\wedge", r"\sim", r"\ ", r"\begin", r"\end", r"\\",
                  r"\sigma", r"\ln", r"\tanh", r"\le"}  # fmt: skip


@pytest.mark.parametrize("label", HOSTILE, ids=repr)
def test_hostile_labels_are_escaped_in_latex(label):
    x = Value(2.0, label=label)
    w = Value(-3.0, label="w")
    q = x * w
    q.label = label + "q"
    f = q.sigmoid()
    f.label = label + "f"
    latex = derivation(f, x).latex
    body = latex.removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}")
    assert "$" not in body.replace(r"\$", "")
    assert set(re.findall(r"\\[A-Za-z]+|\\.", latex)) <= ALLOWED_MACROS, latex
    depth = 0
    for token in re.findall(r"\\[{}\\]|[{}]", latex):  # braces balance, escaped ones aside
        depth += {"{": 1, "}": -1}.get(token, 0)
        assert depth >= 0, latex
    assert depth == 0, latex
    assert not any(c in latex for c in "\x00\x1b")
    assert derivation(f, x)._repr_latex_() == f"$${latex}$$"


def test_nothing_is_changed_and_bad_arguments_are_named():
    f, v = sigmoid_gate()
    f.backward()
    before = [(n.data, n.grad) for n in topological_order(f)]
    for leaf in v.values():
        derivation(f, leaf)
    assert [(n.data, n.grad) for n in topological_order(f)] == before
    with pytest.raises(TypeError, match="derivation needs Values, got leaf = float"):
        derivation(f, 1.0)
    u = Value(1.0, label="u")
    d = derivation(f, u)
    assert d.total == 0 and str(d) == "∂f/∂u = 0\n(u is not in the graph of f: no path)"
    assert autodiff.derivation is derivation


def test_the_command_derive_prints_the_chain_rule_and_its_errors_are_one_line(capsys):
    from autodiff.cli.app import main

    assert main(["grad", "(x+y)*z", "x=-2", "y=5", "z=-4", "--derive", "x", "--derive", "z"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "z · 1 = (−4) · 1 = −4" in lines[-3] and lines[-3].startswith("∂f/∂x = ∂f/∂")
    assert lines[-1].startswith("∂f/∂z = ") and lines[-1].endswith(" = 3")
    assert main(["grad", "(x+y)*z", "x=-2", "y=5", "z=-4", "--derive", "x", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)["derivations"]["x"]
    assert d["total"] == -4.0 and d["text"].endswith("= (−4) · 1 = −4") and d["latex"].startswith(r"\begin{aligned}")
    for argv, message in (
        (["grad", "x*y", "x=1", "y=2", "--derive", "w"], "--derive w: not an input of the expression (inputs: x, y)"),
        (["grad", "sum(" + ", ".join(["x"] * 150) + ")", "x=1", "--derive", "x"], "150 paths lead from x to f"),
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


@pytest.fixture
def own_rows():
    """Operations of one's own, removed again after the test."""
    from autodiff.custom import custom_operations, remove_operation

    before = set(custom_operations())
    yield
    for name in set(custom_operations()) - before:
        remove_operation(name)


def test_an_old_node_shows_its_own_row_after_the_name_is_registered_again(own_rows):
    """Issue 19 defect 5: derivation wrote the NEW row's formula with the OLD node's number (3·x·x = 6)."""
    x = Value(3.0, label="x")
    sq = autodiff.operation("cube_or_square", "f", lambda t: t * t, lambda t, out: 2 * t)
    old = sq(x)
    old.label = "f"
    autodiff.operation("cube_or_square", "f", lambda t: t * t * t, lambda t, out: 3 * t * t)
    d = derivation(old, x)
    assert str(d) == "∂f/∂x = 2·x = 6" and d.total == gradients(old)[x] == 6.0


def test_an_operation_of_your_own_written_with_the_rules_helpers_is_derived_in_symbols(own_rows):
    """Issue 19 defect 7: derivation raised AttributeError for a derivative written with rules.exp,
    tanh, sqrt (as the README of the helpers recommends); each helper now runs on the terms."""
    from autodiff.rules import exp, sqrt, step, tanh

    x = Value(0.8, label="x")
    ops = [
        (autodiff.operation("own_exp", "E", lambda t: math.exp(2 * t), lambda t, out: 2 * exp(2 * t)), "2·exp(2·x)"),
        (autodiff.operation("own_tanh", "T", math.tanh, lambda t, out: 1 - tanh(t) * tanh(t)), "1 − tanh(x)²"),
        (autodiff.operation("own_sqrt", "S", lambda t: t * math.sqrt(t), lambda t, out: 1.5 * sqrt(t)), "1.5·√x"),
        (autodiff.operation("own_relu", "R", lambda t: max(t, 0.0), lambda t, out: step(t)), "[x > 0]"),
    ]
    for op, text in ops:
        f = op(x)
        f.label = "f"
        d = derivation(f, x)
        assert str(d) == f"∂f/∂x = {text} = {number(f.local_grads[0]).text}", str(d)
        assert d.paths[0].locals[0] == gradients(f)[x] == pytest.approx(_central(op, 0.8), rel=1e-6)
        assert local_form(f, 0, {x: "x", f: "f"}).value == pytest.approx(f.local_grads[0], rel=1e-15)
    branching = autodiff.operation("own_branch", "B", abs, lambda t, out: 1.0 if t > 0 else -1.0)
    f = branching(x)
    assert str(derivation(f, x)).endswith("= 1") and local_form(f, 0, {x: "x", f: "o"}) is None  # its number


def _central(op, x: float, eps: float = 1e-6) -> float:
    return (op(Value(x + eps)).data - op(Value(x - eps)).data) / (2 * eps)
