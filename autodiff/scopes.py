"""``with autodiff.scope("layer1"):``: name the nodes made inside a block, so that drawings can
box them as a cluster (nested scopes nest the boxes; ``nn`` modules open theirs automatically).

Outside any scope the engine's allocator is ``Value.__new__`` and nodes carry no scope at all;
inside one it is swapped for an allocator that also records the current scope path, so the
feature costs nothing when it is not in use.
"""

from __future__ import annotations

from contextlib import ContextDecorator

from . import engine

_plain_new = engine.Value.__new__


def _new_in_scope(cls):
    v = _plain_new(cls)
    v._scope = engine._scope
    return v


class scope(ContextDecorator):
    """Record ``name`` as the scope of every node made inside the block; scopes nest."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"scope name must be a non-empty string, got {name!r}")
        self.name = name
        self._saved: list[tuple[str, ...]] = []

    def __enter__(self) -> scope:  # noqa: PYI034
        self._saved.append(engine._scope)
        engine._scope = (*engine._scope, self.name)
        engine._new = _new_in_scope
        return self

    def __exit__(self, *exc) -> bool:
        engine._scope = self._saved.pop()
        if not engine._scope:
            engine._new = _plain_new
        return False


def _switch(path: tuple[str, ...]) -> tuple[str, ...]:
    """Internal fast path (``nn`` uses it around user-supplied activations): make ``path`` the whole
    current scope and return the previous one; ``_switch(previous)`` restores it. No context-manager
    object and no nesting bookkeeping: the caller owns the restore (in a ``finally``)."""
    previous = engine._scope
    engine._scope = path
    engine._new = _new_in_scope if path else _plain_new
    return previous


def current_scope() -> tuple[str, ...]:
    """The scope path new nodes get now, outermost first (``()`` outside any scope)."""
    return engine._scope
