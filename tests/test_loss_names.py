"""``nn.fit(loss=...)`` takes every loss of ``nn.functional`` by the function's own name (the short
aliases too): the first loss ``fit`` reports is that function on the model's outputs."""

from __future__ import annotations

import inspect

import pytest

import nn
from nn import functional as F

X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0], [0.1, 0.3]]


def _losses_by_signature() -> set:
    """The functions defined in nn.functional that take (predictions, targets) and return a Value."""
    found = set()
    for _, f in inspect.getmembers(F, inspect.isfunction):
        if f.__module__ != F.__name__ or f.__name__.startswith("_"):
            continue
        sig = inspect.signature(f)
        required = [p for p in sig.parameters.values() if p.default is inspect.Parameter.empty]
        if len(required) == 2 and sig.return_annotation in ("Value", F.Value):
            found.add(f)
    return found


def test_the_listed_losses_are_every_loss_of_the_module():
    assert set(F.LOSS_FUNCTIONS) == _losses_by_signature()


def _setup(f):
    if f is F.cross_entropy:
        return nn.MLP(2, [3, 2], seed=1), [0, 1, 1, 0]
    if f is F.binary_cross_entropy:
        return nn.MLP(2, [3, 1], output_activation="sigmoid", seed=1), [0, 1, 1, 0]
    if f is F.binary_cross_entropy_with_logits:
        return nn.MLP(2, [3, 1], seed=1), [0, 1, 1, 0]
    return nn.MLP(2, [3, 1], seed=1), [-1, 1, 1, -1]


@pytest.mark.parametrize("f", F.LOSS_FUNCTIONS, ids=lambda f: f.__name__)
def test_fit_takes_each_loss_by_its_name(f):
    model, y = _setup(f)
    outputs = [model(x) for x in X]
    if f is F.half_squared_error:  # one sample's ½Σ(y − ŷ)², averaged over the batch
        expected = sum(f(o, t).data for o, t in zip(outputs, y)) / len(y)
    else:
        expected = f(outputs, y).data
    history = nn.fit(model, X, y, loss=f.__name__, optimizer=nn.SGD(model, lr=0.1), steps=2, progress=False)
    assert history[0] == pytest.approx(expected, rel=1e-12) and history[1] < history[0]


def test_aliases_are_kept():
    for alias, name in nn.train.LOSS_ALIASES.items():
        runs = []
        for loss in (alias, name):
            model, y = _setup(getattr(F, name))
            runs.append(nn.fit(model, X, y, loss=loss, optimizer=nn.SGD(model, lr=0.1), steps=3, progress=False))
        assert runs[0] == runs[1]


def test_an_unknown_name_lists_the_names():
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits"):
        nn.fit(nn.MLP(2, [1]), X, [0, 1, 1, 0], loss="bce", progress=False)
