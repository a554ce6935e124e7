"""Helpers shared by the nn tests: central finite differences over a list of Values, and a
relative comparison that prints both numbers."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from autodiff import Value


def finite_differences(loss_of: Callable[[], float], leaves: Sequence[Value], h: float = 1e-6) -> list[float]:
    """(L(v + h) − L(v − h)) / 2h for each leaf v, where ``loss_of()`` recomputes the loss (a float)
    from the leaves' current data."""
    grads = []
    for v in leaves:
        x = v.data
        v.data = x + h
        up = loss_of()
        v.data = x - h
        down = loss_of()
        v.data = x
        grads.append((up - down) / (2 * h))
    return grads


def fd_close(analytic: float, numeric: float, scale: float = 1.0) -> bool:
    """Central differences with h = 1e-6 are good to ~1e-8 relative; allow 1e-6."""
    return math.isclose(analytic, numeric, rel_tol=1e-6, abs_tol=1e-7 * max(1.0, scale))


def assert_close(ours: float, ref: float, rel: float, what: str = "") -> None:
    assert math.isclose(ours, ref, rel_tol=rel, abs_tol=0.0), f"{what}: {ours!r} vs {ref!r} (rel {rel})"
