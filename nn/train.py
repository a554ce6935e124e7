"""``fit``: the training loop, forward → loss → zero_grad → backward → step, with a progress bar.

    history = nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.1),
                     epochs=100, batch_size=None, l2=1e-4)

One optimizer step per batch; ``history`` holds each step's loss (before its update). The bar
(``tqdm.auto``: a text bar in a terminal, a widget in Jupyter) shows the running mean of the
epoch's losses; ``progress=False`` trains silently.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from numbers import Real

import autodiff
from autodiff import Value
from autodiff.text.progress import progress_bar

from . import functional as F
from .data import Batches
from .module import Module
from .optim import SGD, LRScheduler, Optimizer, _non_negative

LossFn = Callable[[list, list], Value]

#: loss name → function(outputs, targets) for ``fit(loss=...)``: each of ``nn.functional``'s losses by
#: its own name (``half_squared_error``, one sample's ½Σ(y − ŷ)², averaged over the batch), and aliases
LOSS_ALIASES = {"bce_with_logits": "binary_cross_entropy_with_logits"}
LOSSES: dict[str, LossFn] = {f.__name__: f for f in F.LOSS_FUNCTIONS}
LOSSES["half_squared_error"] = lambda out, t: _mean_of(F.half_squared_error, out, t)
LOSSES.update({alias: LOSSES[name] for alias, name in LOSS_ALIASES.items()})


def _mean_of(per_sample: Callable, outputs: list, targets: list) -> Value:
    """The mean over the batch of a per-sample loss (for losses defined on one sample's outputs)."""
    return autodiff.sum([per_sample(o, t) for o, t in zip(outputs, targets)]) * (1.0 / len(outputs))


def _loss_fn(loss: str | LossFn) -> LossFn:
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {sorted(LOSSES)} or pass a function")
        return LOSSES[loss]
    if callable(loss):
        return loss
    raise TypeError(f"loss must be a name or a function(outputs, targets) -> Value, got {type(loss).__name__}")


def fit(
    model: Module | Callable,
    X: Sequence,
    y: Sequence,
    *,
    loss: str | LossFn = "mse",
    optimizer: Optimizer | None = None,
    lr: float | None = None,
    epochs: int | None = None,
    steps: int | None = None,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | random.Random = 0,
    l2: float = 0.0,
    scheduler: LRScheduler | None = None,
    progress: bool = True,
    desc: str = "training",
    callback: Callable[[int, float], None] | None = None,
    compile: bool | str = False,
) -> list[float]:
    """Train ``model`` on (X, y) and return the loss of every optimizer step.

    - ``loss``: a name from ``LOSSES`` or ``function(outputs, targets) -> Value`` where outputs are the
      model's outputs for the batch, in order.
    - ``optimizer``: default ``SGD(model.parameters(), lr)`` with lr = 0.1 unless given (``lr`` with an
      optimizer is an error: set the optimizer's own); ``scheduler`` is stepped after each step.
    - ``epochs`` passes over the data (default 100), or exactly ``steps`` optimizer steps (not both).
    - ``batch_size``: None = the whole set per step (batch GD), 1 = stochastic, k = mini-batches of k;
      batches are shuffled with ``seed`` unless ``shuffle=False``.
    - ``l2`` ≥ 0: adds l2·Σp² over the optimizer's parameters (micrograd's demo uses 1e-4).
    - ``callback(step, loss)`` is called after each optimizer step (step counts from 0), before the
      scheduler moves on, so ``optimizer.lr`` is the rate that step used; returning True stops training.
    - ``compile=True`` (or ``"python"``): the model's forward and backward over a batch are recorded once
      per batch shape (``autodiff.compile``) and replayed as straight-line Python; ``compile="numpy"``
      replays them as batched numpy operations (``backend="numpy"``: one array operation per group of
      like nodes). The loss (and l2) run eagerly on the replayed outputs. The same losses as without it,
      faster; the model must be a fixed graph of its inputs (no Python ``if`` on a value, no random mask).
    - The cyclic garbage collector is paused while training (``autodiff.gc_paused``: graphs hold no
      cycles) and is as it was when fit returns or raises.
    """
    loss_fn = _loss_fn(loss)
    l2 = _non_negative(l2, "l2")
    if optimizer is None:
        if not isinstance(model, Module):
            raise TypeError("fit needs an optimizer when the model is not an nn.Module")
        optimizer = SGD(model.parameters(), 0.1 if lr is None else lr)
    elif lr is not None:
        raise ValueError(f"fit: lr={lr!r} is for the default SGD; with an optimizer, give the rate to the optimizer")
    if isinstance(scheduler, LRScheduler) and scheduler.optimizer is not optimizer:
        raise ValueError("fit: the scheduler belongs to another optimizer than the one fit steps")
    batches = Batches(X, y, batch_size, shuffle=shuffle, seed=seed)
    per_epoch = len(batches)
    if steps is None:
        epochs = 100 if epochs is None else epochs
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a positive int, got {epochs!r}")
        total = epochs * per_epoch
    elif epochs is not None:
        raise ValueError(f"give epochs or steps, not both (got epochs={epochs!r}, steps={steps!r})")
    elif isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    else:
        total = steps
    params = optimizer.params
    backend = _backend(compile)
    replays = _Replays(model, backend) if backend is not None else None
    history: list[float] = []
    with progress_bar(total=total, desc=desc, disable=not progress, unit="step", leave=True) as bar, autodiff.gc_paused():
        while len(history) < total:
            epoch_sum = 0.0
            for k, (Xb, yb) in enumerate(batches, start=1):
                replay = replays.forward(Xb) if replays is not None else None
                outputs = [model(x) for x in Xb] if replay is None else replay.outputs
                L = loss_fn(outputs, yb)
                if l2:
                    L = L + F.l2_penalty(params, l2)
                optimizer.zero_grad()
                L.backward()
                if replay is not None:
                    replay.backward()
                optimizer.step()
                history.append(L.data)
                epoch_sum += L.data
                stop = callback is not None and callback(len(history) - 1, L.data)
                if scheduler is not None:
                    scheduler.step()
                bar.set_postfix(loss=f"{epoch_sum / k:.4g}", refresh=False)
                bar.update()
                if stop:
                    total = len(history)
                if len(history) == total:
                    break
    return history


BACKENDS = {True: "python", "python": "python", "numpy": "numpy"}


def _backend(compile: object) -> str | None:
    """``fit``'s ``compile=`` as a replay backend: None (eager), "python" or "numpy"."""
    if compile is False or compile is None:
        return None
    if (type(compile) is bool or isinstance(compile, str)) and compile in BACKENDS:
        return BACKENDS[compile]
    raise ValueError(f"fit: compile must be False, True (the Python replay), 'python' or 'numpy', got {compile!r}"[:200])


class _Replay:
    """One batch's replayed outputs, as leaves the loss is computed on, and their way back."""

    def __init__(self, compiled: autodiff.Compiled, layout: list[int | None], values: list[float]) -> None:
        self.compiled = compiled
        self.leaves = [Value(v) for v in values]
        it = iter(self.leaves)
        self.outputs = [next(it) if n is None else [next(it) for _ in range(n)] for n in layout]

    def backward(self) -> None:
        """The loss's gradients at the outputs, back through the replay into the params' grads."""
        self.compiled.backward([v.grad for v in self.leaves])


class _Replays:
    """``fit(compile=...)``: one compiled forward and backward of the model per batch shape."""

    def __init__(self, model: Callable, backend: str) -> None:
        self.model, self.backend = model, backend
        self.cache: dict[tuple, tuple[autodiff.Compiled, list[int | None]]] = {}

    def forward(self, Xb: list) -> _Replay:
        Xb = [x if isinstance(x, (list, tuple, Real)) else list(x) for x in Xb]  # (numpy rows: lists)
        key = tuple(len(x) if isinstance(x, (list, tuple)) else -1 for x in Xb)
        if key not in self.cache:
            layout: list[int | None] = []

            def outputs(rows):
                outs = [self.model(x) for x in rows]
                layout.extend(None if isinstance(o, Value) else len(o) for o in outs)
                return outs

            self.cache[key] = autodiff.compile(outputs, Xb, backend=self.backend), layout
        compiled, layout = self.cache[key]
        return _Replay(compiled, layout, compiled.forward(Xb))


def predict(model: Callable, X: Sequence) -> list:
    """The model's outputs as plain numbers (a float, or a list of floats, per sample), computed
    under ``autodiff.no_grad()`` so no graph is kept."""
    out = []
    with autodiff.no_grad():
        for x in X:
            o = model(x)
            out.append(o.data if isinstance(o, Value) else [v.data for v in o])
    return out
