"""Grad mode and anomaly detection, per thread as in PyTorch.

``with autodiff.no_grad():`` records no graph in this thread (results are leaves);
``enable_grad`` turns recording back on inside it; ``set_grad_enabled(flag)`` sets it now and, used
as a context manager, puts it back on exit. ``with autodiff.detect_anomaly():`` notes where each node
is made and makes ``backward()`` stop at the first gradient that becomes NaN or infinite, naming the
node, its operation, its inputs and where it was made.

Every thread starts with grad on, no scope and no anomaly detection. The engine's hot path reads
two process-wide switches instead of this thread's state: they stay at their fast settings while no
thread has grad off (or a scope or anomaly detection on), so a single-threaded program pays nothing.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import ContextDecorator

from . import engine

_lock = threading.Lock()
_threads_off = 0  # threads with grad off
_threads_tracking = 0  # threads with a scope or anomaly detection on


class _Share:
    """This thread's part of the counts above; given back when the thread ends, even inside a
    ``no_grad`` block it never left (its thread-local state is dropped then)."""

    __slots__ = ("off", "tracking")

    def __init__(self) -> None:
        self.off = self.tracking = False

    def __del__(self) -> None:
        if self.off or self.tracking:
            try:
                _recount(-self.off, -self.tracking)
            except Exception:  # noqa: BLE001, S110 - interpreter shutdown: nothing left to keep right
                pass


class _Stacks(threading.local):
    def __init__(self) -> None:
        self.share = _Share()
        self.grad: list[bool] = []  # what each open no_grad / enable_grad / set_grad_enabled replaced
        self.scope: list[tuple[str, ...]] = []
        self.anomaly: list = []


_stacks = _Stacks()


def _tracked_new(cls):
    """The engine's allocator while some thread has a scope or anomaly detection on: this thread's
    scope is recorded on the node, and detect_anomaly notes where the node was made."""
    v = engine._plain_new(cls)
    m = engine._mode
    if m.scope:
        v._scope = m.scope
    if m.anomaly is not None:
        m.anomaly.record(v)
    return v


def _recount(d_off: int, d_tracking: int) -> None:
    global _threads_off, _threads_tracking
    with _lock:
        _threads_off += d_off
        _threads_tracking += d_tracking
        engine._grad_enabled = _threads_off == 0
        engine._tracking = _threads_tracking > 0
        engine._new = _tracked_new if engine._tracking else engine._plain_new


def set_modes(grad: bool, scope: tuple[str, ...], anomaly) -> None:
    """Set this thread's grad mode, scope path and anomaly record, and the fast-path switches."""
    m = engine._mode
    m.grad, m.scope, m.anomaly = grad, scope, anomaly
    share = _stacks.share
    off, tracking = not grad, bool(scope) or anomaly is not None
    if off != share.off or tracking != share.tracking:
        _recount(off - share.off, tracking - share.tracking)
        share.off, share.tracking = off, tracking


def _set_grad(flag: bool) -> None:
    m = engine._mode
    if m.grad != flag:
        set_modes(flag, m.scope, m.anomaly)


class _GradMode(ContextDecorator):
    """Sets grad mode to ``self._flag`` on entry and restores the previous mode on exit (per thread:
    one instance may be shared by threads, or used as a decorator)."""

    _flag: bool

    def __enter__(self) -> None:
        _stacks.grad.append(engine._mode.grad)
        _set_grad(self._flag)

    def __exit__(self, *exc) -> None:
        _set_grad(_stacks.grad.pop())


class no_grad(_GradMode):
    """``with autodiff.no_grad():`` operations inside record no graph (their results are leaves).
    Also a decorator. Per thread, like PyTorch's: other threads keep recording."""

    _flag = False


class enable_grad(_GradMode):
    """``with autodiff.enable_grad():`` record graphs again inside a ``no_grad`` block."""

    _flag = True


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` turns recording off in this thread now; as a context manager it
    puts the previous mode back on exit (PyTorch's ``torch.set_grad_enabled``)."""

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled needs True or False, got {type(mode).__name__}: {mode!r}")
        self._flag = mode
        self._before = engine._mode.grad
        _set_grad(mode)

    def __enter__(self) -> None:
        _stacks.grad.append(self._before)

    def __exit__(self, *exc) -> None:
        _set_grad(_stacks.grad.pop())


def is_grad_enabled() -> bool:
    """Whether operations in this thread record a graph."""
    return engine._mode.grad


# ---- anomaly detection ---------------------------------------------------------------------------
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
FRAMES = 4  # frames kept of where a node was made


class AnomalyError(RuntimeError):
    """Raised by ``backward()`` under ``detect_anomaly`` at the first gradient that is not finite."""


class detect_anomaly(ContextDecorator):
    """``with autodiff.detect_anomaly():`` (as ``torch.autograd.detect_anomaly``): nodes made inside
    remember where (file, line, function), and a ``backward()`` inside stops at the first gradient
    that becomes NaN or infinite with an ``AnomalyError`` naming the node, its operation, its inputs
    and where it was made; every grad is left as it was before that backward. Slower: for debugging."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> detect_anomaly:  # noqa: PYI034
        m = engine._mode
        _stacks.anomaly.append(m.anomaly)
        set_modes(m.grad, m.scope, _Record(m.anomaly) if self.check_nan else None)
        return self

    def __exit__(self, *exc) -> None:
        m = engine._mode
        set_modes(m.grad, m.scope, _stacks.anomaly.pop())


class _Record:
    """Where each node made under one ``detect_anomaly`` block was made (kept for the block)."""

    def __init__(self, outer: _Record | None) -> None:
        self.outer = outer
        self.made: dict[int, tuple[object, list[tuple[str, int, str]]]] = {}

    def record(self, v) -> None:
        f = sys._getframe(2)
        while f is not None and f.f_code.co_filename.startswith(_PACKAGE):
            f = f.f_back  # the first frame outside autodiff: the line that asked for the operation
        frames = []
        while f is not None and len(frames) < FRAMES:
            frames.append((f.f_code.co_filename, f.f_lineno, f.f_code.co_name))
            f = f.f_back
        self.made[id(v)] = (v, frames)  # (v is kept so that its id is not reused meanwhile)

    def where(self, v) -> str:
        record: _Record | None = self
        while record is not None:
            if id(v) in record.made:
                frames = record.made[id(v)][1]
                return "\n".join(f'  File "{f}", line {n}, in {name}' for f, n, name in frames)
            record = record.outer
        return "  (made outside detect_anomaly: wrap the forward pass in it too to see where)"

    def fail(self, v, i: int, parent, upstream: float, local: float, new: float) -> None:
        def name(u) -> str:
            return repr(u.label) if u.label else (f"the {u.rule} node" if u.op else "an input")

        ops = v.operands  # the record: plain numbers included, in order (2 − x: 2.0, x)
        inputs = ", ".join(repr(o.data if isinstance(o, engine.Value) else o) for o in ops)
        k = sum(1 for q in v.parents[:i] if q is parent)  # the parent's k-th use ...
        slots = [j for j, o in enumerate(ops) if o is parent]  # ... is this operand
        at = slots[k] if k < len(slots) else i
        raise AnomalyError(
            f"backward: the gradient of {name(parent)} (input {at + 1} of {name(v)}) became {new!r}: "
            f"upstream {upstream!r} × local ∂{v.rule}/∂input {local!r}, added to {parent.grad!r}.\n"
            f"{name(v)[0].upper() + name(v)[1:]} = {v.rule}({inputs}) = {v.data!r} was made at:\n{self.where(v)}"
        )
