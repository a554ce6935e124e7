"""Optimizers and learning-rate schedules, with PyTorch's update rules (``torch.optim``).

Every optimizer takes the parameters (a list of Values, or a Module), reads ``p.grad`` in
``step()`` and changes ``p.data`` in place; ``zero_grad()`` resets the gradients, which otherwise
accumulate over ``backward()`` calls. The learning rate is the attribute ``lr`` (a schedule sets it).
Settings are checked as PyTorch checks them (lr, eps, momentum, weight_decay ≥ 0 and finite; betas in
[0, 1)); a parameter listed twice gets PyTorch's warning and, as there, is updated once per listing.
"""

from __future__ import annotations

import functools
import math
import struct
import warnings
from collections.abc import Iterable
from numbers import Real

from autodiff import Value

from .module import Module

DUPLICATES = (
    "optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; "
    "see github.com/pytorch/pytorch/issues/40967 for more information"
)


def _params(params: Iterable[Value] | Module) -> list[Value]:
    ps = params.parameters() if isinstance(params, Module) else list(params)
    if not ps:
        raise ValueError("the optimizer got an empty parameter list")
    for i, p in enumerate(ps):
        if not isinstance(p, Value):
            raise TypeError(f"parameter {i} is a {type(p).__name__}, not a Value")
    return ps


def _slots(params: list[Value]) -> list[int]:
    """For each entry of params, the index of its state (one per distinct parameter). A parameter
    listed twice warns, as PyTorch does, is kept, and is updated once per listing, sharing its state."""
    first: dict[int, int] = {}
    slots = [first.setdefault(id(p), len(first)) for p in params]
    if len(first) < len(params):
        warnings.warn(DUPLICATES, UserWarning, stacklevel=4)
    return slots


def _number(x, name: str) -> float:
    """x as a float: a real number (not a bool), else a TypeError naming ``name``."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{name} must be a number, got {type(x).__name__}: {x!r}")
    return float(x)


def _non_negative(x, name: str) -> float:
    x = _number(x, name)
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {x!r}")
    return x


def _divide(a: float, b: float) -> float:
    """a / b with IEEE's answers for b = 0 (b ≥ 0 here): 0/0 = nan, a/0 = ±inf, as PyTorch computes."""
    if b:
        return a / b
    return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)


NUMPY_FROM = 64  # Adam runs on numpy arrays from this many distinct parameters (measured: even at 48 to 64)


@functools.cache
def _numpy():
    """numpy, or None when it is not installed (imported at the first large step: ``import nn`` does not)."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


class Optimizer:
    """Base: holds ``params`` and ``lr``; ``zero_grad()``; subclasses implement ``step()``."""

    def __init__(self, params: Iterable[Value] | Module, lr: float) -> None:
        self.params = _params(params)
        self._slot = _slots(self.params)
        self.lr = _non_negative(lr, "lr")

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Set ``grad = 0.0`` on every parameter (``set_to_none=True``: None, "no gradient yet", which
        ``backward()`` fills and ``step()`` skips, as PyTorch)."""
        empty = None if set_to_none else 0.0
        for p in self.params:
            p.grad = empty

    def step(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self._settings().items())
        return f"{type(self).__name__}({len(self.params)} parameters, {settings})"

    def _settings(self) -> dict:
        return {"lr": self.lr}


def _number_of(g) -> float:
    """A gradient as a number: a Value left by ``backward(create_graph=True)`` is read for its data
    (as torch's ``step()`` reads the gradient tensor without recording it)."""
    return g if type(g) is float else (g.data if isinstance(g, Value) else float(g))


class SGD(Optimizer):
    """Stochastic gradient descent, W⁺ = W − η ∂L/∂W (seed 004), with PyTorch's extras:

    g = ∂L/∂p + λ p                    (weight_decay λ: the gradient of (λ/2) p²)
    v = g at the first step, then  v = μ v + g      (momentum μ)
    p = p − η v                        (v = g when μ = 0)
    """

    def __init__(
        self, params: Iterable[Value] | Module, lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _non_negative(momentum, "momentum")
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self.velocity: list[float] | None = None  # the momentum buffers, made at the first step

    def step(self) -> None:
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        if not mu and not wd:  # plain SGD: the hot path
            for p in self.params:
                g = p.grad
                if type(g) is not float:
                    if g is None:  # no gradient yet (set_to_none): not stepped, as torch
                        continue
                    g = _number_of(g)
                p.data -= lr * g
            return
        first = self.velocity is None
        if first and mu:
            self.velocity = [0.0] * (max(self._slot) + 1)
        velocity = self.velocity
        for p, k in zip(self.params, self._slot):  # one by one, as torch: a listed-twice p moves twice
            if p.grad is None:  # no gradient yet: not stepped, its velocity kept (0: its first step is v = g)
                continue
            g = _number_of(p.grad)
            g = g + wd * p.data if wd else g
            if mu:
                if first:
                    velocity[k] = g
                else:
                    g = velocity[k] = mu * velocity[k] + g
            p.data -= lr * g

    def _settings(self) -> dict:
        return {"lr": self.lr, "momentum": self.momentum, "weight_decay": self.weight_decay}


def _moments(slot: str, which: str) -> tuple:
    """Getter and setter of an Adam moment list: a list of floats, one per distinct parameter (a copy
    when numpy holds them in an array)."""

    def get(self) -> list[float]:
        values = getattr(self, slot)
        return values if type(values) is list else values.tolist()

    def set_(self, values: Iterable[float]) -> None:
        setattr(self, slot, [float(x) for x in values])

    return get, set_, None, f"The {which} moments, one per distinct parameter (a copy when numpy holds them)."


class Adam(Optimizer):
    """Adam (Kingma & Ba), as ``torch.optim.Adam``: with g = ∂L/∂p (+ λp), step t = 1, 2, ...

    m = β₁ m + (1 − β₁) g,   v = β₂ v + (1 − β₂) g²
    p = p − η · (m / (1 − β₁ᵗ)) / (√v / √(1 − β₂ᵗ) + ε)

    With ``NUMPY_FROM`` or more distinct parameters the same operations run as numpy array operations
    (bitwise the same numbers); ``m`` and ``v`` read as lists of floats either way.
    """

    def __init__(
        self,
        params: Iterable[Value] | Module,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers in [0, 1), got {betas!r}")
        self.betas = (_number(betas[0], "betas[0]"), _number(betas[1], "betas[1]"))
        for i, b in enumerate(self.betas):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"betas[{i}] must be in [0, 1), got {b!r}")
        self.eps = _non_negative(eps, "eps")
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self.t = 0  # step() calls
        n = max(self._slot) + 1
        self._m, self._v = [0.0] * n, [0.0] * n  # one moment pair per distinct parameter (lists or arrays)
        self._steps = [0] * n  # steps taken by each (torch's state["step"]; a listed-twice one counts two)
        self._skipped = False  # a parameter was skipped (grad None): the step counts may differ from then on
        self._pack: struct.Struct | None = None  # the numpy path's reader of n numbers

    m = property(*_moments("_m", "first"))
    v = property(*_moments("_v", "second"))

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        wd, eps, steps = self.weight_decay, self.eps, self._steps
        if len(steps) == len(self.params) and not self._skipped:  # every parameter listed once: one step count
            t = steps[0] + 1
            steps[:] = [t] * len(steps)
            step_size, bc2_sqrt = self.lr / (1 - b1**t), (1 - b2**t) ** 0.5
            big = len(steps) >= NUMPY_FROM and (np := _numpy()) is not None
            if big and self._step_numpy(np, b1, b2, wd, eps, step_size, bc2_sqrt):
                return
            self._step_distinct(b1, b2, wd, eps, step_size, bc2_sqrt, t)
            return
        m, v = self.m, self.v
        self._m, self._v = m, v
        t = 0
        for p, k in zip(self.params, self._slot):
            if p.grad is None:  # no gradient yet (set_to_none): skipped, its step count kept, as torch
                self._skipped = True
                continue
            steps[k] += 1
            if steps[k] != t:
                t = steps[k]
                step_size = self.lr / (1 - b1**t)
                bc2_sqrt = (1 - b2**t) ** 0.5
            g = _number_of(p.grad)
            g = g + wd * p.data if wd else g
            m[k] += (g - m[k]) * (1 - b1)  # torch's lerp form of β₁m + (1 − β₁)g
            v[k] = v[k] * b2 + (1 - b2) * g * g
            p.data -= step_size * _divide(m[k], math.sqrt(v[k]) / bc2_sqrt + eps)

    def _step_distinct(self, b1, b2, wd, eps, step_size, bc2_sqrt, t) -> None:
        """``step()``'s loop, the same arithmetic operation for operation, for distinct parameters (the
        common case): one bias correction for all, no per-parameter calls."""
        m, v = self.m, self.v
        self._m, self._v, steps = m, v, self._steps
        c1, c2, sqrt = 1 - b1, 1 - b2, math.sqrt
        for i, p in enumerate(self.params):
            g = p.grad
            if type(g) is not float:
                if g is None:  # no gradient yet: skipped, its step count kept; from now on step() takes
                    self._skipped = True  # the general path, which counts steps per parameter
                    steps[i] = t - 1
                    continue
                g = _number_of(g)
            if wd:
                g = g + wd * p.data
            mi = m[i] = m[i] + (g - m[i]) * c1
            vi = v[i] = v[i] * b2 + c2 * g * g
            denom = sqrt(vi) / bc2_sqrt + eps
            p.data -= step_size * (mi / denom if denom else _divide(mi, denom))

    def _step_numpy(self, np, b1, b2, wd, eps, step_size, bc2_sqrt) -> bool:
        """``_step_distinct`` as array operations, the same IEEE operations in the same order (so the same
        bits; x/0 gives ``_divide``'s answers). False, with nothing changed, when a gradient is None (the
        loop skips it)."""
        ps, n = self.params, len(self.params)
        if self._pack is None or self._pack.size != 8 * n:
            self._pack = struct.Struct(f"{n}d")  # packs n numbers as doubles: the fastest read of a list
        grads = [p.grad for p in ps]
        try:  # takes floats (and ints), rejecting None and Values (np.fromiter would make None a nan)
            g = np.frombuffer(self._pack.pack(*grads))
        except struct.error:  # None (not stepped), or Values left by create_graph (read for their data)
            if any(x is None for x in grads):
                return False
            g = np.fromiter(map(_number_of, grads), float, n)
        data = np.frombuffer(self._pack.pack(*[p.data for p in ps]))
        m, v = np.asarray(self._m, dtype=float), np.asarray(self._v, dtype=float)
        with np.errstate(all="ignore"):  # overflow to inf, 0/0 = nan, x/0 = ±inf: silent, as Python's floats
            if wd:
                g = g + wd * data
            m = m + (g - m) * (1 - b1)
            v = v * b2 + (1 - b2) * g * g
            denom = np.sqrt(v) / bc2_sqrt + eps
            x = m / denom
            if np.count_nonzero(denom) < n:  # a/0: _divide's answers, Python's nan (the hardware's 0/0 is −nan)
                x[(denom == 0) & np.isnan(x)] = math.nan
            data = data - step_size * x
        self._m, self._v = m, v
        for p, d in zip(ps, data.tolist()):
            p.data = d
        return True

    def _settings(self) -> dict:
        return {"lr": self.lr, "betas": self.betas, "eps": self.eps, "weight_decay": self.weight_decay}


# ---- learning-rate schedules (call .step() once after each optimizer.step(), as in PyTorch) ----
class LRScheduler:
    """Base: remembers the optimizer's starting ``lr`` and sets ``optimizer.lr`` on each ``step()``."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a schedule needs an nn optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        optimizer.lr = self._lr(optimizer.lr)

    def step(self) -> None:
        self.last_epoch += 1
        self.optimizer.lr = self._lr(self.optimizer.lr)

    def get_last_lr(self) -> list[float]:
        return [self.optimizer.lr]

    def _lr(self, lr: float) -> float:
        raise NotImplementedError


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` steps: η_t = η₀ γ^⌊t / step_size⌋."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be a positive int, got {step_size!r}")
        self.step_size, self.gamma = step_size, _non_negative(gamma, "gamma")
        super().__init__(optimizer)

    def _lr(self, lr: float) -> float:
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return lr
        return lr * self.gamma


class LinearLR(LRScheduler):
    """Scale the learning rate linearly from ``start_factor``·η₀ to ``end_factor``·η₀ over
    ``total_iters`` steps, then hold it. micrograd's demo schedule η_k = 1 − 0.9k/100 is
    ``LinearLR(SGD(params, lr=1.0), start_factor=1.0, end_factor=0.1, total_iters=100)``."""

    def __init__(
        self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5
    ) -> None:
        if not 0.0 < start_factor <= 1.0 or not 0.0 <= end_factor <= 1.0:
            raise ValueError(
                f"start_factor must be in (0, 1] and end_factor in [0, 1], got {start_factor}, {end_factor}"
            )
        if isinstance(total_iters, bool) or not isinstance(total_iters, int) or total_iters < 1:
            raise ValueError(f"total_iters must be a positive int, got {total_iters!r}")
        self.start_factor, self.end_factor, self.total_iters = float(start_factor), float(end_factor), total_iters
        super().__init__(optimizer)

    def _lr(self, lr: float) -> float:  # PyTorch's recursive form, for the same rounding
        s, e, n, t = self.start_factor, self.end_factor, self.total_iters, self.last_epoch
        if t == 0:
            return lr * s
        if t > n:
            return lr
        return lr * (1.0 + (e - s) / (n * s + (t - 1) * (e - s)))
