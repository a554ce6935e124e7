"""nn.fit(..., compile="numpy"): the batched numpy replay trains to the same losses and weights as the
eager fit (to 1e-12, relative and absolute), for batch and mini-batch training, several outputs, l2,
Adam; ``compile=True`` and ``"python"`` stay the Python replay; a wrong ``compile=`` is refused."""

from __future__ import annotations

import pytest
from test_nn_compile import CASES, close_lists, weights

import autodiff
import nn


def train(case: str, compile_) -> tuple[list[float], list[float]]:
    sizes, loss, batch_size, l2, labels, adam, activation = CASES[case]
    X, y = nn.data.make_moons(30, noise=0.1, seed=2, labels=labels)
    model = nn.MLP(2, sizes, activation=activation, seed=5)
    opt = nn.Adam(model.parameters(), lr=0.01) if adam else nn.SGD(model.parameters(), lr=0.05)
    history = nn.fit(model, X, y, loss=loss, optimizer=opt, epochs=4, batch_size=batch_size, l2=l2, seed=3,
                     progress=False, compile=compile_)  # fmt: skip
    return history, weights(model)


@pytest.mark.parametrize("case", CASES)
def test_numpy_fit_equals_the_eager_fit(case):
    h0, w0 = train(case, False)
    h1, w1 = train(case, "numpy")
    assert len(h0) == len(h1) > 1 and h0 != [h0[0]] * len(h0)  # it trained
    assert close_lists(h0, h1) and close_lists(w0, w1)


def test_w2_step_trained_with_numpy_equals_eager():
    """micrograd's demo step (MLP 2-16-16-1, relu, hinge + 1e-4 L2 on 100 moons): 5 steps alike."""
    runs = []
    for compile_ in (False, "numpy"):
        X, y = nn.data.make_moons(100, noise=0.1, seed=0, labels=(-1, 1))
        model = nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=0)
        opt = nn.SGD(model.parameters(), lr=1.0)
        h = nn.fit(model, X, y, loss="hinge", optimizer=opt, steps=5, l2=1e-4, progress=False, compile=compile_)
        runs.append((h, weights(model)))
    (h0, w0), (h1, w1) = runs
    assert close_lists(h0, h1) and close_lists(w0, w1)


def _record_backends(monkeypatch) -> list[str]:
    used = []
    real = autodiff.compile

    def recording(fn, *args, **kw):
        step = real(fn, *args, **kw)
        used.append(step.backend)
        return step

    monkeypatch.setattr(autodiff, "compile", recording)
    return used


@pytest.mark.parametrize(("switch", "backend"), [(True, "python"), ("python", "python"), ("numpy", "numpy")])
def test_the_switch_picks_the_replay_once_per_batch_shape(monkeypatch, switch, backend):
    used = _record_backends(monkeypatch)
    X, y = nn.data.make_moons(23, seed=0)
    nn.fit(nn.MLP(2, [4, 1], seed=0), X, y, loss="mse", epochs=3, batch_size=5, progress=False, compile=switch)
    assert used == [backend, backend]  # batches of 5 and the last one of 3, each recorded once


@pytest.mark.parametrize("bad", ["numpyy", "torch", 1, "True", ["numpy"]])
def test_a_wrong_compile_switch_is_refused_before_training(bad):
    X, y = nn.data.make_moons(10, seed=0)
    model = nn.MLP(2, [3, 1], seed=0)
    before = weights(model)
    with pytest.raises(ValueError, match="compile must be False, True .* 'python' or 'numpy'"):
        nn.fit(model, X, y, steps=2, progress=False, compile=bad)
    assert weights(model) == before
