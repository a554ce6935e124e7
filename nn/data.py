"""Toy data sets made in code (no download, no scikit-learn), and batching.

Every maker takes ``n`` (samples), ``noise`` (standard deviation of Gaussian noise added to each
coordinate) and ``seed`` (an int or a ``random.Random``), and returns ``(X, y)``: X a list of rows
(lists of floats), y a list of labels. Classification sets label their two classes 0 and 1 unless
``labels=(-1, 1)`` (or another pair) is asked for, e.g. for the hinge loss. The same seed gives the
same data, and the samples come shuffled.

``Batches(X, y, batch_size, seed=...)`` cuts a data set into batches, one epoch per iteration:
batch_size = None (or n) is batch gradient descent, 1 is stochastic, anything between mini-batch.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence

Rows = list[list[float]]
Dataset = tuple[Rows, list]


def _rng(seed: int | random.Random) -> random.Random:
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int or a random.Random, got {type(seed).__name__}: {seed!r}")
    return random.Random(seed)


def _check_noise(noise: float) -> None:
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not noise >= 0 or math.isinf(noise):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")


def _check(n: int, noise: float, labels: Sequence) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an int >= 2 (two classes), got {n!r}")
    _check_noise(noise)
    if len(labels) != 2 or labels[0] == labels[1]:
        raise ValueError(f"labels must be two different values (class 0, class 1), got {labels!r}")


def _finish(points: list[tuple[float, float, int]], noise: float, rng: random.Random, labels) -> Dataset:
    """Add noise, shuffle, split into X and y (class c gets labels[c])."""
    rows = [([x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] if noise else [x, y], c) for x, y, c in points]
    rng.shuffle(rows)
    return [r for r, _ in rows], [labels[c] for _, c in rows]


def make_moons(n: int = 100, noise: float = 0.1, seed: int | random.Random = 0, labels: Sequence = (0, 1)) -> Dataset:
    """Two interleaving half circles: class 0 is (cos t, sin t), class 1 is (1 − cos t, ½ − sin t),
    t evenly spaced in [0, π] (scikit-learn's layout)."""
    _check(n, noise, labels)
    rng = _rng(seed)
    n0 = n // 2
    n1 = n - n0
    pts = [(math.cos(t), math.sin(t), 0) for t in _linspace(0.0, math.pi, n0)]
    pts += [(1.0 - math.cos(t), 0.5 - math.sin(t), 1) for t in _linspace(0.0, math.pi, n1)]
    return _finish(pts, noise, rng, labels)


def make_circles(
    n: int = 100, noise: float = 0.05, seed: int | random.Random = 0, factor: float = 0.5, labels: Sequence = (0, 1)
) -> Dataset:
    """Two concentric circles: class 0 on the unit circle, class 1 on the circle of radius ``factor``."""
    _check(n, noise, labels)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor must be in (0, 1), got {factor!r}")
    rng = _rng(seed)
    n0 = n // 2
    n1 = n - n0
    pts = [(math.cos(t), math.sin(t), 0) for t in _linspace(0.0, 2 * math.pi, n0, endpoint=False)]
    pts += [(factor * math.cos(t), factor * math.sin(t), 1) for t in _linspace(0.0, 2 * math.pi, n1, endpoint=False)]
    return _finish(pts, noise, rng, labels)


def make_xor(n: int = 100, noise: float = 0.0, seed: int | random.Random = 0, labels: Sequence = (0, 1)) -> Dataset:
    """Points uniform in the square [−1, 1]²; class 1 where exactly one coordinate is positive
    (x₁·x₂ < 0), class 0 otherwise: no straight line separates them."""
    _check(n, noise, labels)
    rng = _rng(seed)
    pts = []
    for _ in range(n):
        a, b = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        pts.append((a, b, int((a > 0) != (b > 0))))
    return _finish(pts, noise, rng, labels)


def make_spirals(
    n: int = 100, noise: float = 0.05, seed: int | random.Random = 0, turns: float = 1.5, labels: Sequence = (0, 1)
) -> Dataset:
    """Two interleaved spirals: class c at radius r ∈ (0, 1] and angle 2π·turns·r + cπ."""
    _check(n, noise, labels)
    if not turns > 0:
        raise ValueError(f"turns must be > 0, got {turns!r}")
    rng = _rng(seed)
    pts = []
    for c, m in ((0, n // 2), (1, n - n // 2)):
        for i in range(m):
            r = (i + 1) / m
            a = 2 * math.pi * turns * r + c * math.pi
            pts.append((r * math.cos(a), r * math.sin(a), c))
    return _finish(pts, noise, rng, labels)


def make_regression(
    n: int = 50,
    noise: float = 0.1,
    seed: int | random.Random = 0,
    fn: Callable[[float], float] = math.sin,
    low: float = -3.0,
    high: float = 3.0,
) -> Dataset:
    """A 1-D regression set: x uniform in [low, high], y = fn(x) + noise (default fn = sin).
    X is a list of one-element rows [x], y a list of floats."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    _check_noise(noise)
    if not low < high:
        raise ValueError(f"need low < high, got {low!r}, {high!r}")
    rng = _rng(seed)
    xs = [rng.uniform(low, high) for _ in range(n)]
    return [[x] for x in xs], [fn(x) + (rng.gauss(0.0, noise) if noise else 0.0) for x in xs]


def _linspace(a: float, b: float, n: int, endpoint: bool = True) -> list[float]:
    if n == 1:
        return [a]
    d = (b - a) / (n - 1 if endpoint else n)
    return [a + i * d for i in range(n)]


#: name → maker, for the ``autodiff train --data`` choices
DATASETS: dict[str, Callable[..., Dataset]] = {
    "moons": make_moons,
    "circles": make_circles,
    "xor": make_xor,
    "spirals": make_spirals,
}


class Batches:
    """``for Xb, yb in Batches(X, y, batch_size=10, seed=0):`` one epoch, every sample exactly once.

    batch_size None (or ≥ n): one batch of everything, batch gradient descent (批量梯度下降);
    1: stochastic gradient descent (随机梯度下降), one sample per step; k: mini-batches (小批量)
    of k, the last one smaller when k does not divide n (``drop_last=True`` drops it).
    With ``shuffle`` the order is drawn anew each epoch from a generator seeded once, so a run is
    repeatable and different epochs still see different batches.
    """

    def __init__(
        self,
        X: Sequence,
        y: Sequence,
        batch_size: int | None = None,
        *,
        shuffle: bool = True,
        seed: int | random.Random = 0,
        drop_last: bool = False,
    ) -> None:
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
        if len(X) == 0:
            raise ValueError("the data set is empty")
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
        ):
            raise ValueError(f"batch_size must be a positive int or None (the whole set), got {batch_size!r}")
        self.X, self.y = X, y
        self.batch_size = len(X) if batch_size is None else min(batch_size, len(X))
        self.shuffle, self.drop_last = shuffle, drop_last
        self._rng = _rng(seed)

    def __len__(self) -> int:
        """Batches per epoch."""
        n, k = len(self.X), self.batch_size
        return n // k if self.drop_last else -(-n // k)

    def __iter__(self) -> Iterator[tuple[list, list]]:
        order = list(range(len(self.X)))
        if self.shuffle:
            self._rng.shuffle(order)
        k = self.batch_size
        for start in range(0, len(order), k):
            idx = order[start : start + k]
            if len(idx) < k and self.drop_last:
                return
            yield [self.X[i] for i in idx], [self.y[i] for i in idx]
