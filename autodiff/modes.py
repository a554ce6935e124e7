"""Grad mode: ``with autodiff.no_grad():`` records no graph (PyTorch's habit)."""

from __future__ import annotations

from contextlib import ContextDecorator

from . import engine


class no_grad(ContextDecorator):
    """``with autodiff.no_grad():`` operations inside record no graph (their results are leaves).
    Also works as a decorator. Like PyTorch's, it is a process-wide switch."""

    def __init__(self) -> None:
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(engine._grad_enabled)
        engine._grad_enabled = False

    def __exit__(self, *exc) -> None:
        engine._grad_enabled = self._prev.pop()


def is_grad_enabled() -> bool:
    return engine._grad_enabled
