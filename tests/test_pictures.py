"""Clearer pictures: unlabelled nodes named v1, v2, ... in the order the drawing reads (left to right,
then top to bottom, read off Graphviz's own layout), the same names in traces; collapsed clusters in
module order; a value never drawn rounder than it is."""

from __future__ import annotations

import math

import pytest

import autodiff
import nn
from autodiff import Value
from autodiff.text.display import fmt, node_names, reading_order


def positions(graph) -> dict[str, tuple[float, float]]:
    """Node id -> (x, y) from ``dot -Tplain`` (y grows upwards)."""
    out = {}
    for line in graph.pipe(format="plain").decode().splitlines():
        if line.startswith("node "):
            _, name, x, y, *_ = line.split()
            out[name] = (float(x), float(y))
    return out


def two_products():
    a, b, c, d = Value(2.0), Value(3.0), Value(-1.0), Value(4.0)
    return (a * b + c * d).tanh()


def test_unlabelled_nodes_are_numbered_as_the_picture_reads():
    f = two_products()
    order = autodiff.topological_order(f)
    names = node_names(order)
    at = positions(autodiff.draw(f))
    ids = {v: f"n{i}" for i, v in enumerate(order)}
    columns = sorted(order, key=lambda v: (round(at[ids[v]][0], 1), -at[ids[v]][1]))  # left to right, top down
    assert [names[v] for v in columns] == [f"v{k}" for k in range(1, 9)]
    assert list(names) == order, "the dict keeps the order it was given"
    trace = autodiff.trace_backward(f)
    assert trace.names == names and autodiff.trace_forward(f).names == names
    assert [trace.names[s.node] for s in trace] == ["v8", "v7", "v6", "v5"], "the backward steps, output first"


def test_reading_order_is_a_topological_order_by_column():
    x = Value(1.0, label="x")
    deep = ((x * 2).exp() + 1).log()
    f = deep + x
    order = reading_order(autodiff.topological_order(f))
    seen = set()
    for v in order:
        assert all(p in seen for p in v.parents)
        seen.add(v)
    names = node_names(autodiff.topological_order(f))
    assert [names[v] for v in order] == ["x", "v1", "v2", "v3", "v4", "v5"]
    assert names[f] == "v5", "the output is the last column"


def test_labels_keep_their_names_and_numbers_skip_them():
    a, b = Value(1.0, label="v1"), Value(2.0)
    f = a * b + b
    names = node_names(autodiff.topological_order(f))
    assert names[a] == "v1" and names[b] == "v2" and sorted(names.values()) == ["v1", "v2", "v3", "v4"]


@pytest.mark.parametrize(
    ("x", "digits", "shown"),
    [(0.99995, 4, "≈1"), (2.00001, 4, "≈2"), (-0.99995, 4, "≈-1"), (1.5000001, 4, "≈1.5"), (0.30000000000000004, 4, "0.3"),
     (1.0, 4, "1"), (0.5, 4, "0.5"), (0.7310585786, 4, "0.7311"), (12.0, 4, "12"), (123456.0, 4, "1.235e+05"),
     (0.1966119332, 4, "0.1966"), (1e-20, 4, "1e-20"), (0.0, 4, "0"), (-0.0, 4, "0"), (0.99995, 6, "0.99995"),
     (2.98004, 4, "≈2.98"), (math.inf, 4, "∞")],
)  # fmt: skip
def test_a_value_is_never_written_rounder_than_it_is(x, digits, shown):
    assert fmt(x, digits) == shown
    if shown.startswith("≈"):
        assert float(shown[1:]) != x and abs(float(shown[1:]) - x) <= 10 ** -(digits - 1) * abs(x)


def test_the_drawing_writes_approximately_for_a_rounded_value():
    a = Value(0.99995, label="f3")
    b = Value(2.0, label="b")
    f = a * b
    f.label = "f"
    dot = autodiff.draw(f).source
    f3 = next(line for line in dot.splitlines() if "<B>f3</B>" in line)
    assert " ≈ </FONT>" in f3 and ">1</FONT>" in f3 and " = </FONT>" not in f3
    b_line = next(line for line in dot.splitlines() if "<B>b</B>" in line)
    assert " = </FONT>" in b_line and ">2</FONT>" in b_line


def test_collapsed_boxes_stand_in_module_order():
    model = nn.MLP(2, [12, 1], seed=0)
    out = model([Value(1.0, label="x0"), Value(2.0, label="x1")])
    graph = autodiff.draw(out, collapse="neurons")
    boxes = {}
    for line in graph.source.splitlines():
        if line.strip().startswith("box") and "<B>" in line:
            boxes[line.split()[0]] = line.split("<B>")[1].split("</B>")[0]
    at = positions(graph)
    column = sorted((b for b, name in boxes.items() if name.startswith("layers.0.")), key=lambda b: -at[b][1])
    assert [boxes[b] for b in column] == [f"layers.0.neurons.{j}" for j in range(12)], "top to bottom"
    clusters = [line.split("label=<")[1].split(">")[0] for line in graph.source.splitlines() if "label=<layers." in line]
    assert clusters == ["layers.0", "layers.1"]


def test_uncollapsed_clusters_are_written_in_module_order():
    model = nn.MLP(2, [11, 1], seed=0)
    out = model([Value(1.0, label="x0"), Value(2.0, label="x1")])
    source = autodiff.draw(out).source
    titles = [line.split("label=<")[1].split(">")[0] for line in source.splitlines() if "subgraph" not in line
              and "label=<neurons." in line]  # fmt: skip
    assert titles == [f"neurons.{j}" for j in range(11)] + ["neurons.0"]
