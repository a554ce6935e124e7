"""``with autodiff.scope("layer1"):``: name the nodes made inside a block, so that drawings can
box them as a cluster (nested scopes nest the boxes; ``nn`` modules open theirs automatically).

Scopes are per thread (each new thread starts with none). While no thread has a scope open the
engine's allocator is plain ``Value.__new__`` and nodes carry no scope at all, so the feature costs
nothing when it is not in use.
"""

from __future__ import annotations

from contextlib import ContextDecorator

from . import engine
from .modes import _stacks, set_modes


class scope(ContextDecorator):
    """Record ``name`` as the scope of every node made inside the block in this thread; scopes nest."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"scope name must be a non-empty string, got {name!r:.80}")
        self.name = name

    def __enter__(self) -> scope:  # noqa: PYI034
        m = engine._mode
        _stacks.scope.append(m.scope)
        set_modes(m.grad, (*m.scope, self.name), m.anomaly)
        return self

    def __exit__(self, *exc) -> bool:
        m = engine._mode
        set_modes(m.grad, _stacks.scope.pop(), m.anomaly)
        return False


def _switch(path: tuple[str, ...]) -> tuple[str, ...]:
    """Internal fast path (``nn`` uses it around user-supplied activations): make ``path`` the whole
    current scope of this thread and return the previous one; ``_switch(previous)`` restores it. No
    context-manager object and no nesting bookkeeping: the caller owns the restore (in a ``finally``)."""
    m = engine._mode
    previous = m.scope
    set_modes(m.grad, path, m.anomaly)
    return previous


def current_scope() -> tuple[str, ...]:
    """The scope path new nodes get now in this thread, outermost first (``()`` outside any scope)."""
    return engine._mode.scope
