"""Drawings coloured by a key of the user's: ``node_colours={Value: "#rrggbb"}`` fills exactly those
boxes (others unfilled, gradients still written), and ``groups=plan`` fills each node by the batched
group a numpy replay runs it in, read from the plan's own ``group_of``; bad colours and bad plans are
refused with a short error naming them; nothing is changed on the graph."""

from __future__ import annotations

import pytest
from test_draw import ids, parse_dot, visible_text

import autodiff
import nn
from autodiff import Value
from autodiff.text.display import fmt
from autodiff.viz.groups import PALETTE
from autodiff.viz.style import NEUTRAL


def small():
    x, w = Value(1.5, label="x"), Value(-2.0, label="w")
    y = (x * w).relu() + x.exp()
    y.backward()
    return x, w, y


def test_node_colours_fill_exactly_the_boxes_named():
    x, _, y = small()
    n = ids(y)
    nodes = parse_dot(autodiff.draw(y, node_colours={x: "#8dd3c7", y: "#FB8072"}).source)[0]
    assert nodes[n[x]]["fillcolor"] == "#8dd3c7" and nodes[n[y]]["fillcolor"] == "#FB8072"
    others = [v for v in n if v not in (x, y)]
    assert others and all(nodes[n[v]]["fillcolor"] == NEUTRAL for v in others)  # not by gradient any more
    assert visible_text(nodes[n[x]]["label"]) == f"x = 1.5 grad {fmt(x.grad, 4)}"  # the numbers stay


@pytest.mark.parametrize(
    ("colours", "error", "match"),
    [
        ({"x": "#ffffff"}, TypeError, "keys must be Values"),
        ("red", TypeError, "must be a dict"),
        (None, None, None),
    ],
)
def test_node_colours_keys_and_type_are_checked(colours, error, match):
    *_, y = small()
    if error is None:
        assert autodiff.draw(y, node_colours=colours).source  # None: the usual gradient colours
        return
    with pytest.raises(error, match=match):
        autodiff.draw(y, node_colours=colours)


@pytest.mark.parametrize("bad", ["red", "#fff", '#ffffff" fontcolor="red', "#gggggg", "#ffffff]", 0xFFFFFF])
def test_a_colour_that_is_not_six_hex_digits_never_reaches_dot(bad):
    x, _, y = small()
    with pytest.raises(ValueError, match="'#rrggbb'"):
        autodiff.draw(y, node_colours={x: bad})
    with pytest.raises(ValueError, match="'#rrggbb'"):
        autodiff.render(y, "never.svg", node_colours={x: bad})


def test_node_colours_and_groups_together_are_refused():
    x, _, y = small()
    with pytest.raises(ValueError, match="not both"):
        autodiff.draw(y, node_colours={x: "#ffffff"}, groups=object())
    with pytest.raises(TypeError, match="plan"):
        autodiff.draw(y, groups=[x])


def mlp_step():
    """A 2-3-1 net on 4 points, its loss recorded and planned by the numpy replay."""
    model = nn.MLP(2, [3, 1], activation="relu", output_activation="linear", seed=0)
    X = [[0.5, -1.0], [1.0, 2.0], [-0.3, 0.8], [2.0, 0.1]]
    leaves = [[Value(a), Value(b)] for a, b in X]
    root = nn.functional.mse([model(x) for x in leaves], [1.0, -1.0, 0.5, 0.0])
    step = autodiff.compile(root, inputs=[v for row in leaves for v in row], backend="numpy")
    return root, step


def test_groups_colour_each_node_by_its_group_in_the_plan():
    root, step = mlp_step()
    root.backward()
    before = {v: (v.data, v.grad) for v in autodiff.topological_order(root)}
    plan = step.plan
    n = ids(root)
    nodes = parse_dot(autodiff.draw(root, groups=plan, legend=True).source)[0]
    assert {v: (v.data, v.grad) for v in autodiff.topological_order(root)} == before
    for v, vid in n.items():
        k = plan.group_of(v)
        fill, text = nodes[vid]["fillcolor"], visible_text(nodes[vid]["label"])
        if k is None:  # an input or a param: no group
            assert v.is_leaf and fill == NEUTRAL and "group" not in text
        else:
            assert fill == PALETTE[k % len(PALETTE)] and text.endswith(f"group {k}")
            assert v in plan.groups[k].nodes
    drawn = {plan.group_of(v) for v in n} - {None}
    assert drawn == {g.index for g in plan.groups} and len(drawn) > 1
    key = visible_text(nodes["legend"]["label"])
    assert all(f"group {g.index}: {g.op} × {g.size}" in key for g in plan.groups)
    assert "grad > 0" not in key  # the key explains the groups, not the gradient colours


def test_a_group_coloured_drawing_renders(tmp_path):
    root, step = mlp_step()
    png = autodiff.render(root, tmp_path / "groups.png", groups=step.plan, legend=True, show_grad=False)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
