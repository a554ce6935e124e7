"""Inputs and settings that used to give silent wrong results: a dict or a set as a model's input,
fit's l2 / lr / epochs, optimizer settings (PyTorch's rules), Adam with eps = 0 on a zero gradient
(nan, as torch), and a parameter given to an optimizer twice (torch's warning and updates)."""

from __future__ import annotations

import array
import math
import warnings

import pytest

import nn
from autodiff import Value

X, Y = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [1, -1, 1]


def _torch():
    return pytest.importorskip("torch")


# ---- a model's input ---------------------------------------------------------------------------------
def _gen():
    yield 1.0
    yield 2.0


@pytest.mark.parametrize(
    ("x", "kind"),
    [
        ({0: 1.0, 1: 2.0}, "dict (its keys would be read)"),
        ({1.0, 2.0}, "set (a set has no order)"),
        (frozenset({1.0, 2.0}), "frozenset (a set has no order)"),
        ({1.0: "a", 2.0: "b"}.keys(), "dict_keys"),
        ({"a": 1.0, "b": 2.0}.values(), "dict_values"),
        ("12", "str"),
        (b"\x01\x02", "bytes"),
        (bytearray(b"\x01\x02"), "bytearray"),
        (_gen(), "generator"),
        (iter([1.0, 2.0]), "list_iterator"),
        (True, "bool"),
        (None, "NoneType"),
    ],
    ids=lambda v: type(v).__name__,
)
def test_a_model_refuses_inputs_that_are_not_sequences_naming_the_type(x, kind):
    mlp = nn.MLP(2, [3, 1], seed=0)
    for model in (mlp, nn.Layer(2, 2, seed=0), nn.Neuron(2, seed=0)):
        with pytest.raises(TypeError) as err:
            model(x)
        assert f"the input must be a list of 2 numbers or Values, got {kind}" in str(err.value)
    assert mlp.layers[0].z == [None, None, None], "refused before any node is made"


def test_lists_tuples_ranges_and_arrays_stay_accepted():
    model = nn.MLP(2, [3, 1], seed=0)
    ref = model([0.0, 1.0]).data
    for x in ([0.0, 1.0], (0.0, 1.0), range(2), array.array("d", [0.0, 1.0]), [Value(0.0), 1]):
        assert model(x).data == ref, type(x).__name__
    np = pytest.importorskip("numpy")
    assert model(np.array([0.0, 1.0])).data == ref
    assert nn.MLP(1, [2, 1], seed=0)(0.5).data == nn.MLP(1, [2, 1], seed=0)([0.5]).data


# ---- fit's settings ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("l2", "error"),
    [
        (-1, ValueError),
        (-1e-4, ValueError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        ("x", TypeError),
        (True, TypeError),
        (None, TypeError),
    ],
)
def test_fit_refuses_a_bad_l2_before_touching_the_model(l2, error):
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match="l2"):
        nn.fit(model, X, Y, l2=l2, steps=1, progress=False)
    assert model.state_dict() == before


def test_fit_accepts_l2_zero_and_an_int():
    a, b = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=0)
    assert nn.fit(a, X, Y, l2=0, steps=2, progress=False) == nn.fit(b, X, Y, l2=0.0, steps=2, progress=False)
    nn.fit(a, X, Y, l2=1, steps=1, progress=False)


def test_fit_refuses_settings_it_would_ignore():
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="lr=0.5 is for the default SGD"):
        nn.fit(model, X, Y, optimizer=nn.Adam(model), lr=0.5, steps=1, progress=False)
    with pytest.raises(ValueError, match="epochs or steps, not both"):
        nn.fit(model, X, Y, epochs=3, steps=2, progress=False)
    other = nn.SGD(nn.MLP(2, [3, 1], seed=1), lr=0.1)
    with pytest.raises(ValueError, match="another optimizer"):
        nn.fit(model, X, Y, optimizer=nn.SGD(model, lr=0.1), scheduler=nn.StepLR(other, 1), steps=1, progress=False)
    for lr, error in ((-0.1, ValueError), (float("nan"), ValueError), ("x", TypeError)):
        with pytest.raises(error, match="lr"):
            nn.fit(model, X, Y, lr=lr, steps=1, progress=False)
    assert model.state_dict() == before
    assert len(nn.fit(model, X, Y, epochs=2, batch_size=2, progress=False)) == 4  # 2 batches per epoch
    assert len(nn.fit(model, X, Y, lr=0.05, progress=False)) == 100  # the default: 100 epochs


# ---- optimizer settings, against torch's rules ---------------------------------------------------------
BAD = [
    ("Adam", {"lr": -1e-3}, "lr"),
    ("Adam", {"lr": float("nan")}, "lr"),
    ("Adam", {"eps": -1e-8}, "eps"),
    ("Adam", {"betas": (1.0, 0.999)}, r"betas\[0\]"),
    ("Adam", {"betas": (0.9, 1.0)}, r"betas\[1\]"),
    ("Adam", {"betas": (-0.1, 0.999)}, r"betas\[0\]"),
    ("Adam", {"weight_decay": -0.1}, "weight_decay"),
    ("SGD", {"lr": -0.1}, "lr"),
    ("SGD", {"lr": 0.1, "momentum": -0.5}, "momentum"),
    ("SGD", {"lr": 0.1, "weight_decay": -1}, "weight_decay"),
]


@pytest.mark.parametrize(("name", "settings", "words"), BAD, ids=lambda v: str(v))
def test_optimizers_refuse_what_torch_refuses(name, settings, words):
    with pytest.raises(ValueError, match=words):
        getattr(nn, name)([Value(1.0)], **settings)
    torch = _torch()
    with pytest.raises(ValueError, match="Invalid"):
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **settings)


@pytest.mark.parametrize(
    ("name", "settings"),
    [("Adam", {"lr": 0.0, "eps": 0.0, "betas": (0.0, 0.0), "weight_decay": 0.0}), ("SGD", {"lr": 0, "momentum": 0})],
)
def test_optimizers_accept_the_edges_torch_accepts(name, settings):
    getattr(nn, name)([Value(1.0)], **settings)
    torch = _torch()
    getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **settings)


@pytest.mark.parametrize(
    ("settings", "error", "words"),
    [
        ({"lr": "x"}, TypeError, "lr must be a number, got str"),
        ({"eps": None}, TypeError, "eps must be a number"),
        ({"betas": 0.9}, TypeError, "betas must be a pair"),
        ({"betas": (0.9,)}, TypeError, "betas must be a pair"),
        ({"betas": ("a", 0.9)}, TypeError, r"betas\[0\] must be a number"),
        ({"betas": (0.9, float("nan"))}, ValueError, r"betas\[1\] must be in \[0, 1\)"),
        ({"weight_decay": True}, TypeError, "weight_decay must be a number, got bool"),
    ],
)
def test_adam_settings_of_the_wrong_type_say_which(settings, error, words):
    with pytest.raises(error, match=words):
        nn.Adam([Value(1.0)], **settings)


def test_adam_with_eps_zero_on_a_zero_gradient_gives_nan_as_torch():
    grads = [0.0, 1e-200, 1.0, -1e-200]  # 0/0; g² underflows to 0 (m/0 = ±inf); an ordinary step
    params = [Value(0.5), Value(0.5), Value(0.5), Value(-0.5)]
    for p, g in zip(params, grads):
        p.grad = g
    nn.Adam(params, lr=0.1, eps=0.0).step()  # was ZeroDivisionError
    ours = [p.data for p in params]
    assert math.isnan(ours[0]) and ours[1] == -math.inf and ours[3] == math.inf
    assert ours[2] == pytest.approx(0.4, rel=1e-15)
    torch = _torch()
    t = torch.tensor([p for p in (0.5, 0.5, 0.5, -0.5)], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([t], lr=0.1, eps=0.0, foreach=False)
    t.grad = torch.tensor(grads, dtype=torch.float64)
    opt.step()
    theirs = t.detach().tolist()
    assert [math.isnan(v) for v in ours] == [math.isnan(v) for v in theirs]
    assert [v for v in ours if not math.isnan(v)] == [v for v in theirs if not math.isnan(v)]


# ---- a parameter listed twice -------------------------------------------------------------------------
def _loss(p):
    return (p[0] - 1.0) ** 2 * 0.5 + p[0] * p[1] * 0.3 + (p[1] + 0.5) ** 4


CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.1}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.05}),
]


@pytest.mark.parametrize(("name", "settings"), CASES, ids=lambda v: str(v))
def test_a_duplicate_parameter_warns_and_moves_as_in_torch(name, settings):
    a, b = Value(0.8), Value(-1.3)
    with pytest.warns(UserWarning) as caught:
        opt = getattr(nn, name)([a, b, a], **settings)
    assert len(opt.params) == 3, "kept, as torch keeps it"
    for _ in range(4):
        opt.zero_grad()
        _loss([a, b]).backward()
        opt.step()
    torch = _torch()
    ta = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-1.3, dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        t_opt = getattr(torch.optim, name)([ta, tb, ta], foreach=False, **settings)
    assert [str(w.message) for w in caught] == [str(w.message) for w in theirs if "duplicate" in str(w.message)]
    assert caught[0].filename == __file__, "the warning points at the caller"
    for _ in range(4):
        t_opt.zero_grad()
        _loss([ta, tb]).backward()
        t_opt.step()
    for ours, ref in ((a.data, ta.item()), (b.data, tb.item())):
        assert math.isclose(ours, ref, rel_tol=1e-12, abs_tol=1e-15), (name, ours, ref)


def test_distinct_parameters_do_not_warn_and_modules_neither():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.SGD([Value(1.0), Value(1.0)], lr=0.1)
        nn.Adam(nn.MLP(2, [3, 1], seed=0))
