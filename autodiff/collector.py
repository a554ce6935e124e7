"""``gc_paused()``: Python's cyclic garbage collector off for the duration of a block, as it was after.

An autodiff graph holds no reference cycles (a node points to its parents only), so reference
counting frees every graph the moment its root goes; the collector still walks the heap each time
700 new nodes have been allocated, and a training step allocates tens of thousands. Pausing it for a
step removes that work. The library never changes the collector's settings on its own: only inside
this context (``nn.fit`` uses it), and every exit puts back what was there.

Nested and concurrent uses (any thread) share one count: the collector is switched off by the first
block to enter while it is on and switched back on when the last block leaves, and only if it was on
when the first one entered (a ``gc.disable()`` of your own stays). Cycles your own code makes inside
the block are collected after it, when the collector runs again.
"""

from __future__ import annotations

import gc
import threading
from contextlib import ContextDecorator

_lock = threading.Lock()
_depth = 0  # blocks open now, in every thread
_restore = False  # whether the first of them found the collector on


class gc_paused(ContextDecorator):
    """``with autodiff.gc_paused(): ...`` (or as a decorator) runs the block with ``gc`` disabled,
    re-enabled afterwards if it was enabled before, on every exit path (exceptions included)."""

    def __enter__(self) -> gc_paused:  # noqa: PYI034 - typing.Self needs 3.11
        global _depth, _restore
        with _lock:
            if _depth == 0:
                _restore = gc.isenabled()
                gc.disable()
            _depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        global _depth
        with _lock:
            _depth -= 1
            if _depth == 0 and _restore:
                gc.enable()
