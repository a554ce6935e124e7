"""``autodiff.compile(..., backend="numpy")``: the recorded graph replayed as a few array operations.

The tape is the Python replay's (``tape.record``); ``plan`` groups its nodes and lays out one flat
array of values, ``npcode`` writes the numpy code, and this module runs it: each thread gets its own
arrays (``Workspace``: ``V``, ``G``, the views and buffers the code names), filled with the inputs and
the params' data at each call. A forward whose numbers are not all finite is run once more through the
engine (``diagnose``), so the error is the eager engine's, naming the node, as in the Python replay.
"""

from __future__ import annotations

import builtins
from numbers import Real

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..engine import Value
from ..guards import check_data
from .codegen import _words
from .compiled import FAILED, Compiled, _accumulate, _data
from .diagnose import diagnose
from .npcode import Code
from .plan import Plan
from .tape import Tape

ITEM = 8  # bytes per float64 cell


class Workspace:
    """One thread's arrays and the generated functions bound to them."""

    def __init__(self, plan: Plan, code: Code, compiled: dict) -> None:
        self.V = V = np.zeros(plan.size)
        self.G = G = np.zeros(plan.size)
        for at, x in plan.consts:
            V[at] = x
        names: dict = {"np": np, "V": V, "G": G, "__builtins__": builtins}
        for name, spec in code.binds.items():
            if spec[0] == "view":
                _, which, base, shape, strides = spec
                arr = V if which == "V" else G
                names[name] = as_strided(arr[base:], shape=shape, strides=tuple(s * ITEM for s in strides))
            elif spec[0] == "buf":
                names[name] = np.empty(spec[1])
            else:
                names[name] = spec[1]
        self.fns = {}
        for fn, obj in compiled.items():
            space = dict(names)
            exec(obj, space)  # noqa: S102 - our own generated code (npcode: no user text reaches it)
            self.fns[fn] = space[fn]
        self.saved = None


class NumpyCompiled(Compiled):
    """A compiled replay whose plan runs on numpy arrays (see ``compile``); same calls as ``Compiled``.
    ``plan``: the groups (``plan.groups``, ``plan.group_of(v)``); ``source``: the batched program. It
    keeps the recorded Values (each group's ``nodes``), so the graph lives as long as the replay."""

    backend = "numpy"

    def __init__(self, tape: Tape, shapes: tuple, single: bool, n_inputs: int) -> None:
        self._take(tape, shapes, single, n_inputs)
        self.plan = Plan(tape, n_inputs)
        self._code = Code(self.plan)
        self._texts = {name: _function(name, getattr(self._code, name), self._code.binds)
                       for name in ("forward", "backward", "step")}  # fmt: skip
        self._compiled = {name: builtins.compile(text, "<autodiff.compile numpy>", "exec")
                          for name, text in self._texts.items()}  # fmt: skip
        self._cells = np.array(self.plan.param_cells, dtype=np.int64)
        self._ordered = [self.params[j] for j in self.plan.param_order]  # the params in V's order
        self._region = slice(n_inputs, n_inputs + len(self.params))
        self._outs = np.array(self.plan.outputs, dtype=np.int64)

    def __repr__(self) -> str:
        return (f"<autodiff.Compiled (numpy): {self.nodes:,} nodes in {len(self.plan.groups)} groups, "
                f"{self.n_inputs} input(s), {len(self.params)} param(s), {self.n_outputs} output(s)>")  # fmt: skip

    @property
    def source(self) -> str:
        """The batched program: the plan in one line per group, then forward and backward (a few numpy
        lines per group)."""
        groups, levels = len(self.plan.groups), max((g.level for g in self.plan.groups), default=0)
        head = [(f"# the batched plan: {self.nodes:,} nodes in {groups} groups over {levels} levels (x: the inputs, "
                 "o3: group 3's outputs, w/x/c: a dot's weights, inputs and bias, a/b/t: other operands)"),
                *self._code.summary]  # fmt: skip
        return "\n".join(head) + "\n\n" + self._texts["forward"] + "\n\n" + self._texts["backward"]

    @property
    def step_source(self) -> str:
        return self._texts["step"]

    def compile_step(self) -> NumpyCompiled:
        self._space()
        return self

    def _space(self) -> Workspace:
        ws = getattr(self._local, "ws", None)
        if ws is None:
            ws = self._local.ws = Workspace(self.plan, self._code, self._compiled)
        return ws

    # ---- the replay ------------------------------------------------------------------------------------
    def _run_forward(self, args) -> Workspace:
        ws = self._space()
        ws.saved = FAILED
        xs = self._inputs(args)
        V = ws.V
        V[: self.n_inputs] = xs
        data = np.array(list(map(_data, self._ordered)))
        if data.dtype.kind not in "fiub":  # a param's data set by hand to a str or a Value: the engine's error
            self._failed(xs)
        V[self._region] = data
        with np.errstate(all="ignore"):
            try:
                ws.fns["forward"]()
            except (ArithmeticError, ValueError, TypeError):  # a user's operation raised
                self._failed(xs)
                raise
            total = V.sum()  # finite only if every value is (a false alarm past 1e308 is checked again)
            bad = total - total != 0.0 and not np.isfinite(V).all()
        if bad:
            self._failed(xs)
        ws.saved = True
        return ws

    def forward(self, *args) -> float | list[float]:
        ws = self._run_forward(args)
        outs = ws.V[self._outs].tolist()
        return outs[0] if self._single else outs

    def __call__(self, *args) -> float:
        """Forward and backward: the output's value; ∂output/∂p is added to every param's ``.grad``."""
        value, ws = self._run_step(args)
        _accumulate(self._ordered, ws.G[self._region].tolist())  # V's order: no gather
        return value

    def _step(self, args):
        value, ws = self._run_step(args)
        return value, ws.G[self._cells].tolist()

    def _run_step(self, args) -> tuple[float, Workspace]:
        if not self._single:
            raise ValueError(f"this replay has {self.n_outputs} outputs: use forward(...) and backward(seeds)")
        ws = self._run_forward(args)
        G = ws.G
        G.fill(0.0)
        G[self._outs[0]] = 1.0
        with np.errstate(all="ignore"):
            ws.fns["step"]()
        return float(ws.V[self._outs[0]]), ws

    def _backward(self, grad):
        ws = getattr(self._local, "ws", None)
        if ws is None or ws.saved is None:
            raise RuntimeError("backward() needs a forward(...) first (in this thread)")
        if ws.saved is FAILED:
            raise RuntimeError("backward(): the last forward(...) in this thread failed; call forward again with "
                               "inputs it can compute")  # fmt: skip
        seeds = self._seeds(grad)
        G = ws.G
        G.fill(0.0)
        for at, s in zip(self._outs.tolist(), seeds):
            G[at] += s
        with np.errstate(all="ignore"):
            ws.fns["backward"]()
        return G[: self.n_inputs].tolist(), G[self._cells].tolist()

    def _seeds(self, grad) -> list[float]:
        if grad is None:
            if not self._single:
                raise ValueError(f"backward of {self.n_outputs} outputs needs one seed per output: backward([...])")
            return [1.0]
        seeds = [grad] if isinstance(grad, (Real, Value)) else list(grad)
        if len(seeds) != self.n_outputs:
            raise ValueError(f"backward needs {self.n_outputs} seed(s), got {len(seeds)}")
        return [check_data(s, f"backward seed {i}") for i, s in enumerate(seeds)]

    def _failed(self, xs: list[float]) -> None:
        diagnose(self._tape, xs, self.params)


def _function(name: str, lines: list[str], binds: dict) -> str:
    """The text of one generated function; the names it reads are bound as its defaults (locals)."""
    body = lines or ["pass"]
    what = {"forward": "the values of every group, in level order",
            "backward": "each group's gradients added to its operands' (params and inputs)",
            "step": "the params' gradients only (the inputs' are skipped)"}[name]  # fmt: skip
    used = set()
    for line in body:
        if not line.lstrip().startswith("#"):
            used.update(_words(line))
    names = ["np", "V", "G", *sorted(n for n in used if n in binds)]
    sig = ", ".join(f"{n}={n}" for n in names)
    return f"def {name}({sig}):\n    # {what}\n" + "\n".join(f"    {line}" for line in body) + "\n"
