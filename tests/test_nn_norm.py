"""nn.functional.layer_norm and nn.LayerNorm: values and gradients against PyTorch float64 (to
1e-10), finite differences, seed 001 §一's three gradient parts and its merged input formula
against backward(), the module's parameters and names, and errors."""

from __future__ import annotations

import math
import random

import pytest
from nn_checks import fd_close, finite_differences

import autodiff
import nn
from autodiff import Value
from nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def close(a, b, tol=1e-10):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def t64(x, grad=False):
    return torch.tensor(x, dtype=torch.float64, requires_grad=grad)


def leaves(xs, name):
    return [Value(v, label=f"{name}{i}") for i, v in enumerate(xs)]


@pytest.mark.parametrize("n, eps, affine", [(1, 1e-5, True), (2, 1e-5, True), (5, 1e-5, False), (8, 0.1, True),
                                            (13, 0.0, True), (30, 1e-5, True)])
def test_layer_norm_matches_torch(n, eps, affine):
    rng = random.Random(n)
    x0 = [rng.uniform(-3, 3) for _ in range(n)]
    g0, b0 = [rng.uniform(0.5, 2) for _ in range(n)], [rng.uniform(-1, 1) for _ in range(n)]
    r = [rng.uniform(-1, 1) for _ in range(n)]
    x, g, b = leaves(x0, "x"), leaves(g0, "g"), leaves(b0, "b")
    y = F.layer_norm(x, g if affine else None, b if affine else None, eps=eps)
    autodiff.dot(y, r).backward()
    tx, tg, tb = t64(x0, True), t64(g0, True), t64(b0, True)
    ty = TF.layer_norm(tx, (n,), tg if affine else None, tb if affine else None, eps=eps)
    (ty * t64(r)).sum().backward()
    assert all(close(a.data, float(t)) for a, t in zip(y, ty.detach()))
    assert all(close(a.grad, float(t)) for a, t in zip(x, tx.grad))
    if affine:
        assert all(close(a.grad, float(t)) for a, t in zip(g, tg.grad))
        assert all(close(a.grad, float(t)) for a, t in zip(b, tb.grad))


def test_a_batch_of_rows_is_normalised_row_by_row_as_torch_over_the_last_dimension():
    rng = random.Random(7)
    x0 = [[rng.uniform(-2, 2) for _ in range(4)] for _ in range(3)]
    x = [leaves(row, "x") for row in x0]
    y = F.layer_norm(x)
    autodiff.sum([v * (i + 1) for row in y for i, v in enumerate(row)]).backward()
    tx = t64(x0, True)
    ty = TF.layer_norm(tx, (4,))
    (ty * t64([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert all(close(a.data, float(t)) for ra, rt in zip(y, ty.detach()) for a, t in zip(ra, rt))
    assert all(close(a.grad, float(t)) for ra, rt in zip(x, tx.grad) for a, t in zip(ra, rt))


def test_layer_norm_gradients_match_finite_differences():
    rng = random.Random(3)
    x, g, b = (leaves([rng.uniform(-2, 2) for _ in range(6)], name) for name in "xgb")
    r = [rng.uniform(-1, 1) for _ in range(6)]

    def loss():
        return autodiff.dot(F.layer_norm(x, g, b), r)

    loss().backward()
    every = [*x, *g, *b]
    numeric = finite_differences(lambda: loss().data, every)
    assert all(fd_close(v.grad, nv) for v, nv in zip(every, numeric))


def test_the_documents_three_parts_and_merged_input_gradient_agree_with_backward():
    """Seed 001 §一: ∂L/∂γᵢ = ∂L/∂yᵢ · x̂ᵢ, ∂L/∂βᵢ = ∂L/∂yᵢ, and with g = γ ⊙ ∂L/∂y
    ∂L/∂xᵢ = (1/σ)(gᵢ − mean(g) − x̂ᵢ · mean(g ⊙ x̂)); also the unmerged form with Kronecker δ:
    ∂L/∂xⱼ = Σᵢ gᵢ (δᵢⱼ − 1/N)/σ − Σᵢ gᵢ x̂ᵢ x̂ⱼ / (Nσ)."""
    rng = random.Random(11)
    n, eps = 7, 1e-5
    x0 = [rng.uniform(-2, 2) for _ in range(n)]
    x, g, b = leaves(x0, "x"), leaves([rng.uniform(0.5, 2) for _ in range(n)], "g"), leaves([0.3] * n, "b")
    dy = [rng.uniform(-1, 1) for _ in range(n)]
    y = F.layer_norm(x, g, b, eps)
    autodiff.dot(y, dy).backward()
    mu = sum(x0) / n
    var = sum((v - mu) ** 2 for v in x0) / n
    sigma = math.sqrt(var + eps)
    xhat = [(v - mu) / sigma for v in x0]
    assert all(close(gi.grad, dyi * xh) for gi, dyi, xh in zip(g, dy, xhat))   # γ's part
    assert all(close(bi.grad, dyi) for bi, dyi in zip(b, dy))                  # β's part
    gg = [gi.data * dyi for gi, dyi in zip(g, dy)]
    mean_g, mean_gx = sum(gg) / n, sum(a * h for a, h in zip(gg, xhat)) / n
    merged = [(gj - mean_g - xh * mean_gx) / sigma for gj, xh in zip(gg, xhat)]
    delta = [
        sum(gg[i] * ((i == j) - 1 / n) / sigma for i in range(n)) - sum(gg[i] * xhat[i] * xhat[j] for i in range(n)) / (n * sigma)
        for j in range(n)
    ]
    assert all(close(xi.grad, m) and close(m, d) for xi, m, d in zip(x, merged, delta))
    assert close(sum(xi.grad for xi in x), 0.0)  # shifting every input together changes nothing


def test_nodes_are_labelled_as_the_document_names_them():
    y = F.layer_norm(leaves([1.0, 2.0, 4.0], "x"), [Value(2.0, label="γ0")] * 3, [0.5, 0.5, 0.5])
    nodes = {v.label for v in autodiff.topological_order(y[0])}
    assert {"μ", "σ²", "σ", "x̂0", "y0"} <= nodes
    assert [v.label for v in F.layer_norm([1.0, 2.0])] == ["x̂0", "x̂1"]


def test_layer_norm_module_parameters_names_state_dict_and_scope():
    ln = nn.LayerNorm(3)
    assert [n for n, _ in ln.named_parameters()] == ["weight.0", "weight.1", "weight.2", "bias.0", "bias.1", "bias.2"]
    assert [p.data for p in ln.gamma] == [1.0] * 3 and [p.data for p in ln.beta] == [0.0] * 3
    assert ln.weight[1].label == "γ1" and ln.bias[2].label == "β2"
    state = dict(ln.state_dict(), **{"weight.0": 2.0, "bias.2": -1.0})
    ln.load_state_dict(state)
    x = [1.0, -2.0, 0.5]
    ref = F.layer_norm(x, [2.0, 1.0, 1.0], [0.0, 0.0, -1.0])
    assert [v.data for v in ln(x)] == [v.data for v in ref] and ln.out[0].data == ref[0].data
    ln.out[0].backward()
    assert ln.weight[0].grad == ref[0].data / 2.0 and ln.bias[0].grad == 1.0
    assert nn.LayerNorm(4, elementwise_affine=False).num_parameters() == 0
    with autodiff.scope("block"):
        y = ln(x)
    assert y[0].scope == ("block",) and autodiff.current_scope() == ()
    with pytest.raises(ValueError, match=r"LayerNorm: expected an input of shape \(3,\), got shape \(2,\)"):
        ln([1.0, 2.0])


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: F.layer_norm([1.0, 2.0], [1.0]), ["layer_norm", "gamma", "(1,)", "(2,)"]),
        (lambda: F.layer_norm([1.0, 2.0], None, [1.0, 2.0, 3.0]), ["layer_norm", "beta", "(3,)", "(2,)"]),
        (lambda: F.layer_norm([]), ["layer_norm", "non-empty"]),
        (lambda: F.layer_norm([1.0, 2.0], eps=-1.0), ["eps"]),
        (lambda: F.layer_norm([3.0, 3.0], eps=0.0), ["σ = 0"]),
        (lambda: nn.LayerNorm(0), ["LayerNorm", "positive int"]),
        (lambda: F.layer_norm([[1.0, 2.0], [3.0]]), ["layer_norm", "same length", "[1, 2]"]),
        (lambda: F.layer_norm("abc"), ["layer_norm", "list of numbers", "str"]),
    ],
)
def test_bad_input_is_a_value_error_naming_what(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert all(w in str(info.value) for w in words), str(info.value)


def test_an_entry_that_is_not_a_number_is_a_type_error_naming_its_place():
    with pytest.raises(TypeError, match=r"layer_norm: x\[1\] must be a Value or a number, got bool"):
        F.layer_norm([1.0, True])


def test_layer_norm_module_copies_and_pickles_without_its_last_graph():
    import copy
    import pickle

    ln = nn.LayerNorm(3)
    ln.load_state_dict(dict(ln.state_dict(), **{"weight.1": 3.0}))
    ln([1.0, 2.0, 4.0])
    for twin in (copy.deepcopy(ln), pickle.loads(pickle.dumps(ln))):
        assert twin.out is None and twin.state_dict() == ln.state_dict()
        assert [v.data for v in twin([1.0, 2.0, 4.0])] == [v.data for v in ln.out]
