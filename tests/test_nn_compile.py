"""nn.fit(..., compile=True): the same losses and weights as the eager fit (to 1e-12), for batch and
mini-batch training (a smaller last batch is a second shape, recorded once), several outputs per
sample, l2, Adam; the compiled step of a real MLP passes the generated-code whitelist."""

from __future__ import annotations

import math

import pytest
from test_replay_safety import check_source

import autodiff
import nn


def close_lists(a: list[float], b: list[float], tol: float = 1e-12) -> bool:
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=tol, abs_tol=tol) for x, y in zip(a, b))


def weights(model) -> list[float]:
    return [p.data for p in model.parameters()]


CASES = {  # sizes, loss, batch size, l2, labels, Adam?, activation
    "hinge, whole batch, l2": ([8, 8, 1], "hinge", None, 1e-3, (-1, 1), False, "relu"),
    "mse, batches of 7 (last 2)": ([6, 1], "mse", 7, 0.0, (0, 1), False, "relu"),
    "cross entropy, 2 outputs, Adam": ([5, 2], "cross_entropy", 10, 0.0, (0, 1), True, "relu"),
    "bce with logits, tanh": ([4, 1], "bce_with_logits", 16, 1e-4, (0, 1), False, "tanh"),
}


@pytest.mark.parametrize("case", CASES)
def test_compiled_fit_equals_the_eager_fit(case):
    sizes, loss, batch_size, l2, labels, adam, activation = CASES[case]
    X, y = nn.data.make_moons(30, noise=0.1, seed=2, labels=labels)
    runs = []
    for compile_ in (False, True):
        model = nn.MLP(2, sizes, activation=activation, seed=5)
        opt = nn.Adam(model.parameters(), lr=0.01) if adam else nn.SGD(model.parameters(), lr=0.05)
        history = nn.fit(model, X, y, loss=loss, optimizer=opt, epochs=4, batch_size=batch_size, l2=l2, seed=3,
                         progress=False, compile=compile_)  # fmt: skip
        runs.append((history, weights(model)))
    (h0, w0), (h1, w1) = runs
    assert len(h0) == len(h1) > 1
    assert close_lists(h0, h1) and close_lists(w0, w1)
    assert h0 != [h0[0]] * len(h0)  # it trained


def test_one_recording_per_batch_shape(monkeypatch):
    recorded = []
    real = autodiff.compile

    def counting(fn, *args, **kw):
        recorded.append(len(args[0]))
        return real(fn, *args, **kw)

    monkeypatch.setattr(autodiff, "compile", counting)
    X, y = nn.data.make_moons(23, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    nn.fit(model, X, y, loss="mse", epochs=3, batch_size=5, progress=False, compile=True)
    assert sorted(recorded) == [3, 5]  # batches of 5 and the last one of 3, each recorded once


def test_the_compiled_step_of_an_mlp_is_whitelisted_and_exact():
    """A W2-sized step (more than 256 names: the most-read ones are bound first) against the engine."""
    X, y = nn.data.make_moons(20, seed=1, labels=(-1, 1))
    model = nn.MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()
    F = nn.functional

    def loss(rows):
        return F.hinge([model(x) for x in rows], y) + F.l2_penalty(params, 1e-4)

    step = autodiff.compile(loss, X)
    check_source(step.step_source)
    check_source(step.source)
    assert "the most-read names first" in step.step_source
    got = step(X)
    want = loss(X)
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    want.backward()
    assert math.isclose(got, want.data, rel_tol=1e-12)
    assert close_lists(grads, [p.grad for p in params])
