"""``autodiff.derivation``: the chain rule written out (issue 12 §2). The documents' numbers for
(x+y)·z and the sigmoid gate, totals equal to the engine's gradient on random programs, one symbolic
form per rules row whose number is the engine's recorded local, the path cap, hostile labels in LaTeX,
and nothing changed."""

from __future__ import annotations

import json
import random
import re

import graphs
import pytest
from programs import random_program, run_program

import autodiff
from autodiff import RULES, Value
from autodiff.cli.examples import reference
from autodiff.graph import gradients, topological_order
from autodiff.rules import Binary, Nary, Unary
from autodiff.text.display import equals, unique_names
from autodiff.verify.derivation import derivation
from autodiff.verify.local_forms import BRANCHING, _forms, edge_form

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
        return [autodiff.sum([a, b, a])] if op == "sum" else [autodiff.dot([a, b], [b, 2.0], bias=a)]
    if isinstance(row, Unary):
        return [getattr(a, op)() if op not in ("neg", "abs") else (-a if op == "neg" else abs(a))]
    made = {"add": lambda p, q: p + q, "sub": lambda p, q: p - q, "mul": lambda p, q: p * q,
            "div": lambda p, q: p / q, "pow": lambda p, q: p**q, "max": autodiff.max, "min": autodiff.min,
            "leaky_relu": lambda p, q: p.leaky_relu(q)}[op]  # fmt: skip
    nodes = [made(a, b), made(a, 0.5)]
    if op in ("sub", "div", "pow"):
        nodes.append(made(1.5, a))  # the reflected form: a plain number on the left
    return nodes


@pytest.mark.parametrize("op", list(RULES))
def test_every_rules_row_has_a_symbolic_form_equal_to_the_recorded_local(op):
    row = RULES[op]
    if isinstance(row, (Unary, Binary)):
        assert _forms(op) is not None
    points = [(0.7, 1.3), (1.3, 0.7), (-0.6, 0.25), (2.0, 2.0)]
    for x, y in points:
        if op in ("log", "sqrt", "pow") and x <= 0:
            continue
        for v in _nodes_of(op, row, x, y):
            v.label = "o"
            names = unique_names(topological_order(v))
            for k, local in enumerate(v.local_grads):
                t = edge_form(v, k, names)
                assert t.value == pytest.approx(local, rel=1e-12, abs=1e-15), (op, x, y, k, t)
                if not t.is_number:  # a form in names, not the recorded number
                    assert any(n in t.text for n in ("a", "b", "o")), (op, t)
    assert set(BRANCHING) <= set(RULES)


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
