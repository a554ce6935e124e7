"""copy, deepcopy and pickle of Values at any depth: the graph comes back whole (data, grads,
labels, ops, local derivatives, scopes), shared nodes stay shared, and backward through the copy
gives the original's gradients."""

from __future__ import annotations

import copy
import pickle
import sys

import pytest

import autodiff
from autodiff import Value


def diamond_with_reuse():
    """x feeds q twice and f once; dot and sum nodes; a scope; grads set by one backward."""
    x, y = Value(0.5, label="x"), Value(-1.5, label="y")
    with autodiff.scope("block"):
        q = (x * y + x).tanh()
    s = autodiff.sum([q, x, q, 2.0])
    f = autodiff.dot([s, x], [y, 3.0], bias=x) * q
    f.backward()
    return x, y, q, f


def same_graph(a, b) -> None:
    """Every node of a's graph matches b's, position for position, and shares no object with it."""
    oa, ob = autodiff.topological_order(a), autodiff.topological_order(b)
    assert len(oa) == len(ob)
    index_a = {v: i for i, v in enumerate(oa)}
    index_b = {v: i for i, v in enumerate(ob)}
    for u, v in zip(oa, ob):
        assert u is not v
        assert (u.data, u.grad, u.label, u.op, u.scope, u.constant) == (v.data, v.grad, v.label, v.op, v.scope, v.constant)
        assert [index_a[p] for p in u.parents] == [index_b[p] for p in v.parents]
        assert [type(g) for g in u.local_grads] == [type(g) for g in v.local_grads]
        assert [g.data if isinstance(g, Value) else g for g in u.local_grads] == [
            g.data if isinstance(g, Value) else g for g in v.local_grads
        ]


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda v: pickle.loads(pickle.dumps(v))], ids=["deepcopy", "pickle"])
def test_a_graph_comes_back_whole_and_backward_agrees(clone):
    x, y, _q, f = diamond_with_reuse()
    f2 = clone(f)
    same_graph(f, f2)
    leaves = {v.label: v for v in autodiff.topological_order(f2) if v.is_leaf}
    f2.zero_grad()
    f2.backward()
    f.zero_grad()
    f.backward()
    assert (leaves["x"].grad, leaves["y"].grad) == (x.grad, y.grad)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_shared_nodes_stay_shared_across_objects_pickled_together(protocol):
    x, _y, q, f = diamond_with_reuse()
    x2, q2, f2 = pickle.loads(pickle.dumps([x, q, f], protocol=protocol))
    order = autodiff.topological_order(f2)
    assert x2 in order and q2 in order  # the very objects, not copies of them
    f2.zero_grad()
    f2.backward()
    assert x2.grad == x.grad and q2.grad == q.grad


def test_deepcopy_memo_keeps_identities_across_objects():
    x, _y, _q, f = diamond_with_reuse()
    x2, f2 = copy.deepcopy((x, f))
    assert x2 in autodiff.topological_order(f2)
    assert x2 is not x


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda v: pickle.loads(pickle.dumps(v))], ids=["deepcopy", "pickle"])
@pytest.mark.parametrize("depth", [300, 5_000, 200_000])
def test_any_depth_works_at_the_default_recursion_limit(clone, depth):
    assert sys.getrecursionlimit() <= 1000  # the default limit: no recursion per node
    leaf = x = Value(1.0, label="x")
    for i in range(depth):
        x = (x * 0.9999 + 0.0001) if i % 2 else x.tanh()
    x2 = clone(x)
    x2.backward()
    x.backward()
    leaf2 = autodiff.topological_order(x2)[0]
    assert leaf2.label == "x" and leaf2.grad == leaf.grad and x2.data == x.data


def test_copy_copy_shares_the_parents():
    _x, _y, _q, f = diamond_with_reuse()
    g = copy.copy(f)
    assert g is not f and g.parents == f.parents and g.local_grads == f.local_grads
    assert (g.data, g.grad, g.op) == (f.data, f.grad, f.op)


def test_a_leaf_round_trips_with_its_label_grad_and_scope():
    with autodiff.scope("s"):
        w = Value(2.5, label="w")
    w.grad = -0.25
    w2 = pickle.loads(pickle.dumps(w))
    assert (w2.data, w2.grad, w2.label, w2.scope, w2.is_leaf) == (2.5, -0.25, "w", ("s",), True)
