"""The workloads, each written once and run on any engine of the registry (engines.py).
Every function returns seconds (or bytes) and leaves no graph behind."""

from __future__ import annotations

import ctypes
import gc
import os
import sys
import threading
import tracemalloc
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter

from engines import Engine

OPS_PER_STEP = 5  # W1's pattern: *const, *node, +node, +const, relu
PEER_RECURSION_LIMIT = 10**6  # raised around the W1 runs of engines whose topological sort recurses
# Before 3.11 a Python-level recursion also recurses in C: such runs then need a thread with a big stack.
NEEDS_BIG_STACK = sys.version_info < (3, 11)
BIG_STACK = 1 << 30


def w1_chain(engine: Engine, steps: int):
    """W1's graph, ``steps`` × 5 ops that reuse earlier nodes (values converge near 0.707).
    Returns (leaf, root)."""
    x = leaf = engine.leaf(0.5)
    relu = engine.relu
    for _ in range(steps):
        y = x * -0.5  # *const
        y = y * x  # *node (reuses x)
        y = y + x  # +node
        y = y + 0.25  # +const
        x = relu(y)
    return leaf, x


@contextmanager
def recursion_limit(limit: int | None):
    """Raise the recursion limit to ``limit`` inside the block (None: leave it alone)."""
    old = sys.getrecursionlimit()
    if limit is not None:
        sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def in_big_stack_thread(fn, *args):
    """``fn(*args)`` in a thread with a 1 GiB C stack; its result, or its exception re-raised."""
    box: dict = {}

    def target():
        try:
            box["result"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 -- handed back to the caller below
            box["error"] = exc

    old = threading.stack_size(BIG_STACK)
    try:
        thread = threading.Thread(target=target)
        thread.start()
    finally:
        threading.stack_size(old)
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def w1(engine: Engine, steps: int) -> dict[str, float]:
    """W1 for one engine: seconds to build, to backward (``root.backward()``) and to free: ``del`` of
    every reference plus the collection work the graph causes (``gc.collect()`` minus an identical
    collection right after, which walks the same heap with nothing to free; ``free_raw`` keeps both). For an engine that can reuse its topological order, also
    the order alone and ``backward(order=...)`` over a graph whose grads were reset."""
    if engine.recursive_sort and NEEDS_BIG_STACK:
        return in_big_stack_thread(_w1, engine, steps)
    return _w1(engine, steps)


def _w1(engine: Engine, steps: int) -> dict[str, float]:
    gc.collect()  # garbage left by the previous engine is not charged to this one
    with recursion_limit(PEER_RECURSION_LIMIT if engine.recursive_sort else None):
        t0 = perf_counter()
        leaf, root = w1_chain(engine, steps)
        t1 = perf_counter()
        engine.backward(root)
        t2 = perf_counter()
        out = {"build": t1 - t0, "backward": t2 - t1, "result": float(root.data)}
        if engine.topological_order is not None:
            t0 = perf_counter()
            order = engine.topological_order(root)
            t1 = perf_counter()
            engine.zero_grad(order)
            t2 = perf_counter()
            engine.backward_with_order(root, order)
            out.update(order=t1 - t0, reused=perf_counter() - t2)
            del order  # untimed, so every engine frees the same thing: a graph held by its leaf and root
        t0 = perf_counter()
        del leaf, root  # an engine without reference cycles frees its whole graph here
        t1 = perf_counter()
        gc.collect()  # micrograd's closures make cycles: only the collector frees those
        t2 = perf_counter()
        gc.collect()  # the same collection with no garbage: the cost of walking the rest of the heap
        t3 = perf_counter()
        out["free_raw"] = t2 - t0
        out["free"] = (t1 - t0) + max(0.0, (t2 - t1) - (t3 - t2))
    return out


def empty_collect() -> float:
    """Seconds of one ``gc.collect()`` with no graph alive: the part of every engine's free time that
    is the rest of this process's heap (torch's import alone brings ~150,000 tracked objects)."""
    gc.collect()
    t0 = perf_counter()
    gc.collect()
    return perf_counter() - t0


def backward_depth(engine: Engine, depth: int) -> str | None:
    """Backward through a chain of ``depth`` ops ``x = x * 0.99999`` at the current recursion limit.
    None if it worked (and the leaf's gradient is right), else what went wrong."""
    gc.collect()
    leaf = x = engine.leaf(1.0)
    for _ in range(depth):
        x = x * 0.99999
    try:
        engine.backward(x)
        grad, expected = float(leaf.grad), 0.99999**depth
        if abs(grad - expected) > 1e-9 * expected:
            return f"wrong gradient: {grad!r}, expected {expected!r}"
    except (RecursionError, MemoryError, RuntimeError, OverflowError) as exc:  # the error is the measurement
        return f"{type(exc).__name__}: {exc}"
    finally:
        del leaf, x
        gc.collect()
    return None


def traced_bytes_per_op(engine: Engine, steps: int) -> float:
    """Bytes per op of W1's graph as tracemalloc sees them (Python allocations only)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        leaf, root = w1_chain(engine, steps)
        used = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    del leaf, root
    gc.collect()
    return used / (steps * OPS_PER_STEP)


def rss_bytes_per_op(engine: Engine, steps: int) -> float | None:
    """A rough estimate for engines tracemalloc cannot see: growth of the resident set while building
    W1's graph, per op (after returning freed heap memory to the OS). None where /proc is missing."""
    statm = Path("/proc/self/statm")
    if not statm.exists():
        return None
    page = os.sysconf("SC_PAGE_SIZE")
    gc.collect()
    _malloc_trim()
    before = int(statm.read_text().split()[1]) * page
    leaf, root = w1_chain(engine, steps)
    after = int(statm.read_text().split()[1]) * page
    del leaf, root
    gc.collect()
    return (after - before) / (steps * OPS_PER_STEP)


def _malloc_trim() -> None:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
