"""``autodiff.compile``: record a graph once, replay its forward and backward passes for new numbers.

    step = autodiff.compile(lambda xs: model(xs) ... , [0.5, -1.0])   # from a function of its inputs
    step = autodiff.compile(loss, inputs=[x, y])                       # from a recorded graph
    loss_value = step([0.7, 0.2])        # forward + backward: adds ∂loss/∂p to every param's .grad

The replay is straight-line Python made from the rules table (``.source`` shows it): no Value per
node, one line per node and pass. Inputs are the leaves whose numbers you give at each call; every
other leaf of the graph is a *param*, read live (its ``.data`` at each call, its ``.grad`` added to).
What the graph records is fixed: its operations and the numbers written into it (``x * 3``). A Python
``if`` on a value, or a ``.data`` read, is frozen at recording time (as in ``torch.jit.trace``); the
kinks of relu, abs, max, min and leaky_relu are not: each replay takes the side its numbers are on.
"""

from __future__ import annotations

import builtins
import functools
import threading
from collections.abc import Callable, Sequence
from itertools import chain
from numbers import Real
from operator import attrgetter
from typing import NamedTuple

from ..engine import Value
from ..guards import check_data
from .codegen import NAMESPACE, Code, _words, generate
from .diagnose import diagnose
from .tape import INPUT, PARAM, Tape

_data = attrgetter("data")
FAILED = object()  # what a failed forward leaves for backward (in its thread): a refusal, not stale numbers


class Gradients(NamedTuple):
    """A replay's results: the output(s), ∂/∂ each input (flat, in input order), ∂/∂ each param."""

    value: float | list[float]
    inputs: list[float]
    params: list[float]


class Compiled:
    """A recorded graph as code. Call it like the function it came from; see ``compile``."""

    backend = "python"

    def __init__(self, tape: Tape, shapes: tuple, single: bool, n_inputs: int) -> None:
        self._take(tape, shapes, single, n_inputs)
        self._code = generate(tape)
        self._fns: dict[str, Callable] = {}

    def _take(self, tape: Tape, shapes: tuple, single: bool, n_inputs: int) -> None:
        """What every backend keeps of the recording: the tape, the arguments' shapes, the params."""
        self._tape, self._shapes, self._single, self.n_inputs = tape, shapes, single, n_inputs
        self.params: list[Value] = tape.params
        self.n_outputs = len(tape.outputs)
        self.nodes = len(tape.entries)
        self._local = threading.local()

    def __repr__(self) -> str:
        return (f"<autodiff.Compiled: {self.nodes:,} nodes, {self.n_inputs} input(s), {len(self.params)} "
                f"param(s), {self.n_outputs} output(s)>")  # fmt: skip

    @property
    def source(self) -> str:
        """The forward and backward passes as code: one line per node in each."""
        return _source(self._code, self._tape, self.n_inputs, ("forward", "backward"))

    @property
    def step_source(self) -> str:
        """The fused forward-and-backward function ``__call__`` runs (one scalar output, seed 1, the
        params' gradients only)."""
        return _source(self._code, self._tape, self.n_inputs, ("step",))

    def compile_step(self) -> Compiled:
        """Compile the code ``__call__`` runs now rather than on its first call (it takes a while for
        a big graph: CPython compiles every line); returns self."""
        self._fn("step")
        return self

    def __call__(self, *args) -> float:
        """Forward and backward: the output's value; ∂output/∂p is added to every param's ``.grad``
        (as ``output.backward()`` does)."""
        value, gp = self._step(args)
        _accumulate(self.params, gp)
        return value

    def gradients(self, *args, grad: float | Sequence[float] | None = None) -> Gradients:
        """The output(s) and every gradient for these inputs, touching no ``.grad``. ``grad``: the
        seed (one number per output; default 1.0 for a single output)."""
        value = self.forward(*args)
        gx, gp = self._backward(grad)
        return Gradients(value, list(gx), list(gp))

    def forward(self, *args) -> float | list[float]:
        """The output(s) for these inputs; kept (in this thread) for a following ``backward``, which
        refuses to run until a forward succeeds (never the previous call's numbers)."""
        self._local.saved = FAILED
        xs = self._inputs(args)
        ps = self._params()
        try:
            outs, c, saved = self._fn("forward")(xs, ps)
        except (ArithmeticError, ValueError, TypeError):
            self._failed(xs)
            raise
        if type(c) is not float or c - c != 0.0:
            self._failed(xs)
        self._local.saved = saved
        return outs[0] if self._single else list(outs)

    def backward(self, grad: float | Sequence[float] | None = None) -> list[float]:
        """After ``forward``: add grad · ∂output/∂p to every param's ``.grad`` (one seed per output,
        default 1.0 for a single output); returns the inputs' gradients."""
        gx, gp = self._backward(grad)
        _accumulate(self.params, gp)
        return list(gx)

    # ---- the replay ---------------------------------------------------------------------------------
    def _step(self, args):
        if not self._single:
            raise ValueError(f"this replay has {self.n_outputs} outputs: use forward(...) and backward(seeds)")
        xs = self._inputs(args)
        ps = self._params()
        try:
            value, c, gp = self._fn("step")(xs, ps)
        except (ArithmeticError, ValueError, TypeError):
            self._failed(xs)
            raise
        if type(c) is not float or c - c != 0.0:
            self._failed(xs)
        return value, gp

    def _backward(self, grad):
        saved = getattr(self._local, "saved", None)
        if saved is None:
            raise RuntimeError("backward() needs a forward(...) first (in this thread)")
        if saved is FAILED:
            raise RuntimeError("backward(): the last forward(...) in this thread failed; call forward again with "
                               "inputs it can compute")  # fmt: skip
        if grad is None:
            if not self._single:
                raise ValueError(f"backward of {self.n_outputs} outputs needs one seed per output: backward([...])")
            seeds = (1.0,)
        else:
            seeds = [grad] if isinstance(grad, (Real, Value)) else list(grad)
            if len(seeds) != self.n_outputs:
                raise ValueError(f"backward needs {self.n_outputs} seed(s), got {len(seeds)}")
            seeds = [check_data(s, f"backward seed {i}") for i, s in enumerate(seeds)]
        return self._fn("backward")(saved, seeds)

    def _inputs(self, args) -> list[float]:
        shapes = self._shapes
        if len(args) != len(shapes):
            raise TypeError(f"this replay takes {len(shapes)} argument(s) (as it was recorded), got {len(args)}")
        flat = _rows(args, shapes)
        if flat is None:
            flat = []
            for i, (a, s) in enumerate(zip(args, shapes)):
                _flatten(a, s, f"argument {i + 1}", flat)
        if flat and set(map(type, flat)) == {float}:
            total = builtins.sum(flat)
            if total - total == 0.0:
                return flat
        return [_number(x, _where(shapes, i)) for i, x in enumerate(flat)]

    def _params(self) -> list:
        return list(map(_data, self.params))

    def _failed(self, xs: list[float]) -> None:
        """A replay raised or its check saw a number that is not finite: the engine's own error."""
        diagnose(self._tape, xs, self.params)

    def _fn(self, name: str) -> Callable:
        """The generated function, compiled on first use (only our own code: see codegen)."""
        fn = self._fns.get(name)
        if fn is None:
            text = _source(self._code, self._tape, self.n_inputs, (name,))
            namespace = {"__builtins__": {}, **NAMESPACE, **self._code.bound}
            exec(builtins.compile(text, "<autodiff.compile>", "exec"), namespace)  # noqa: S102
            fn = self._fns[name] = namespace[name]
        return fn


def _source(code: Code, tape: Tape, n_inputs: int, which: tuple[str, ...]) -> str:
    """The module text of the named functions."""
    xs = [f"x{i}" for i in range(n_inputs)]
    ps = [f"p{j}" for j in range(len(tape.params))]
    entries = tape.entries
    given = {e.slot for e in entries if e.kind == INPUT}
    outs = [code.names[k] for k in tape.outputs]
    gx = [f"gx{i}" if i in given else "0.0" for i in range(n_inputs)]
    used_p = {e.slot for e in entries if e.kind == PARAM}
    gp = [f"gp{j}" if j in used_p else "0.0" for j in range(len(ps))]
    fwd = [*_unpack(xs, "_x"), *_unpack(ps, "_p"), *code.forward, *code.check]
    back = code.backward
    parts = []
    if "forward" in which:
        parts.append(_def("forward", ["_x", "_p"], ["# forward: one line per node", *fwd,
                                                   f"return {_tuple(outs)}, _c, {_tuple(code.saved)}"]))
    if "backward" in which:
        parts.append(_def("backward", ["_saved", "_s"], [
            "# backward: each gradient is the sum over the node's uses of upstream × local derivative",
            *_unpack(code.saved, "_saved"), *_unpack([f"s{i}" for i in range(len(outs))], "_s"), *back,
            f"return {_tuple(gx)}, {_tuple(gp)}"]))  # fmt: skip
    if "step" in which:
        back = [line for line in back if not line.startswith("gx")]  # no input gradients
        body = [*fwd, "s0 = 1.0", *back]
        parts.append(_def("step", ["_x", "_p"], [*_hot_first(body), "# forward", *fwd, "# backward", "s0 = 1.0",
                                                *back, f"return {outs[0]}, _c, {_tuple(gp)}"]))
    return "\n\n".join(parts) + "\n"


HOT = 200  # local slots below 256 are read without an EXTENDED_ARG prefix (and pair into one dispatch)


def _hot_first(body: list[str]) -> list[str]:
    """A first line that binds the most-read names, so that CPython numbers their slots first."""
    counts: dict[str, int] = {}
    for line in body:
        for w in _words(line):
            if w[0] in "xpvgs" and w[1:].isdigit():
                counts[w] = counts.get(w, 0) + 1
    if len(counts) <= 256:
        return []
    hot = sorted(counts, key=counts.__getitem__, reverse=True)[:HOT]
    return ["# the most-read names first: CPython numbers local slots in order of appearance", " = ".join(hot) + " = 0.0"]


def _def(name: str, params: list[str], body: list[str]) -> str:
    used = set()
    for line in body:
        if not line.startswith("#"):
            used.update(_words(line))
    bound = sorted(n for n in used if n.startswith("_") and n not in params and n != "_c")
    sig = ", ".join([*params, *(f"{n}={n}" for n in bound)])  # bound names as locals: no global lookups
    return f"def {name}({sig}):\n" + "\n".join(f"    {line}" for line in body)


def _unpack(names: list[str], source: str) -> list[str]:
    return [f"{', '.join(names)}, = {source}"] if names else []


def _tuple(names: list[str]) -> str:
    return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"


# ---- the arguments' shapes (``front._shape`` records them) ----------------------------------------------
def _flatten(x, shape, where: str, out: list) -> None:
    if shape is None:
        out.append(x)
        return
    if type(x) is not list and type(x) is not tuple:
        if isinstance(x, (str, bytes, Value, Real)) or not hasattr(x, "__len__"):
            raise TypeError(f"{where}: expected a list of {_count(shape)}, got {type(x).__name__}")
        x = list(x)
    n = shape if type(shape) is int else len(shape)
    if len(x) != n:
        raise ValueError(f"{where}: this replay was recorded for {n} entries here, got {len(x)} (record it again "
                         "for another shape)")  # fmt: skip
    if type(shape) is int:
        out.extend(x)
    else:
        for i, (e, s) in enumerate(zip(x, shape)):
            _flatten(e, s, f"{where}[{i}]", out)


def _rows(args, shapes) -> list | None:
    """The flat inputs when every argument is a number, a flat list or a list of flat lists of the
    recorded lengths (a batch's rows); None for anything else (``_flatten`` then checks each place)."""
    flat: list = []
    for a, s in zip(args, shapes):
        if s is None:
            flat.append(a)
            continue
        if (type(a) is not list and type(a) is not tuple) or len(a) != (s if type(s) is int else len(s)):
            return None
        if type(s) is int:
            flat.extend(a)
            continue
        lengths = _row_lengths(s)
        if lengths is None or not set(map(type, a)) <= _SEQUENCES or list(map(len, a)) != lengths:
            return None
        flat.extend(chain.from_iterable(a))
    return flat


_SEQUENCES = {list, tuple}


@functools.lru_cache(maxsize=64)
def _row_lengths(shape: tuple) -> list[int] | None:
    """The rows' lengths when a shape is a list of flat lists, else None."""
    return list(shape) if all(type(t) is int for t in shape) else None


def _count(shape) -> str:
    return f"{shape} numbers" if type(shape) is int else f"{len(shape)} entries"


def _where(shapes: tuple, index: int) -> str:
    """The place of the flat input ``index`` as the caller wrote it: argument 2[3][0]."""
    def walk(shape, path):
        if shape is None:
            yield path
        elif type(shape) is int:
            yield from (f"{path}[{i}]" for i in range(shape))
        else:
            for i, s in enumerate(shape):
                yield from walk(s, f"{path}[{i}]")

    for k, place in enumerate(p for i, s in enumerate(shapes) for p in walk(s, f"argument {i + 1}")):
        if k == index:
            return place
    return f"input {index}"


def _number(x, where: str) -> float:
    if isinstance(x, Value):
        raise TypeError(f"{where}: a replay takes numbers, got a Value (use v.data)")
    return check_data(x, where)


__all__ = ["Compiled", "Gradients"]


def _accumulate(params, grads) -> None:
    """``p.grad += g`` for each param; a grad set to None (torch's set_to_none: none yet) becomes g."""
    for p, g in zip(params, grads):
        old = p.grad
        p.grad = g if old is None else old + g
