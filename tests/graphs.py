"""Graphs several test files build: the documents' (x + y) · z and sigmoid gate, labelled, not yet
back-propagated."""

from __future__ import annotations

from autodiff import Value
from autodiff.cli.examples import reference


def add_mul() -> tuple[Value, Value, Value, Value, Value]:
    """x, y, z, q = x + y, f = q · z with the reference inputs x = -2, y = 5, z = -4."""
    ref = reference()["examples"]["cs231n_add_mul"]
    x, y, z = (Value(ref["inputs"][k], label=k) for k in "xyz")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return x, y, z, q, f


def sigmoid_gate() -> tuple[dict[str, Value], Value, Value]:
    """The leaves {w0, x0, w1, x1, w2}, dot = w0·x0 + w1·x1 + w2 and f = σ(dot) = σ(1), reference inputs."""
    ref = reference()["examples"]["cs231n_sigmoid_gate"]
    v = {n: Value(x, label=n) for n, x in ref["inputs"].items()}
    dot = v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["w2"]
    dot.label = "dot"
    f = dot.sigmoid()
    f.label = "f"
    return v, dot, f
