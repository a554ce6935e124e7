"""Graphs several test files build: the documents' (x + y) · z, labelled, not yet back-propagated."""

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
