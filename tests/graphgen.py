"""Random graphs for the cross-tool suite: a program of a few instructions over 1–3 inputs, each
instruction an operation of ``optable.OPS`` (or ``sum``/``dot``) on earlier nodes (shared subexpressions
come from picking a node more than once) and plain numbers (``x * 3``, ``2 - x``, constants and a bias
inside sum and dot). The same program builds on the engine's Values and on torch float64 tensors, at
any input numbers, so a graph can be rebuilt where a replay is run."""

from __future__ import annotations

import math
from typing import NamedTuple

from hypothesis import strategies as st
from optable import BINARY, OPS, UNARY, _pos

import autodiff
from autodiff import Value

# constants and inputs meet where rounding shows: 0.1 + 0.3 is not 0.4, x = −0.3 sits on sum([x, 0.3])'s kink
SMALL = [2.0, -1.5, 0.5, 3.0, -0.25, 1.0, 0.0, 1e-3, 0.3, 0.1, -0.7]
CONSTANTS = st.sampled_from([*SMALL, 1e16, -1e16])  # 1e16 absorbs x: finite differences cannot see it
MODERATE = st.sampled_from(SMALL)
EXPONENTS = st.sampled_from([2.0, 0.5, -1.0, 3.0, 1.5, -0.5, 0.0, 1.0])
INPUT = st.one_of(st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 3)),
                  st.sampled_from([-0.3, 0.1, -0.1, 0.7, -0.4, 0.0, 1e16]))


class Program(NamedTuple):
    n_inputs: int
    code: tuple  # instructions; node k of the graph is input k for k < n_inputs, then one per instruction


@st.composite
def programs(draw, max_steps: int = 7, ops: tuple | None = None, big: bool = True) -> Program:
    """A program whose nodes are reused (a node is picked as an operand any number of times);
    ``big=False`` keeps the constants moderate (for checks by finite differences)."""
    constants = CONSTANTS if big else MODERATE
    n = draw(st.integers(1, 3))
    code = []
    unary = [o for o in UNARY if ops is None or o in ops]
    binary = [o for o in BINARY if ops is None or o in ops]
    kinds = ["u", "b", "c", "sum", "dot"] if binary else ["u", "sum", "dot"]
    for _ in range(draw(st.integers(1, max_steps))):
        size = n + len(code)
        ref = st.integers(0, size - 1)
        kind = draw(st.sampled_from(kinds)) if unary else draw(st.sampled_from(["b", "c", "sum", "dot"]))
        if kind == "u":
            code.append(("u", draw(st.sampled_from(unary)), draw(ref)))
        elif kind == "b":
            code.append(("b", draw(st.sampled_from(binary)), draw(ref), draw(ref)))
        elif kind == "c":
            name = draw(st.sampled_from(binary))
            c = draw(EXPONENTS if name == "pow" else constants)
            code.append(("c", name, draw(ref), c, draw(st.booleans())))
        elif kind == "sum":
            terms = draw(st.lists(st.one_of(ref, constants), min_size=1, max_size=4))
            code.append(("sum", tuple(terms) if any(type(t) is int for t in terms) else (0, *terms)))
        else:
            k = draw(st.integers(1, 3))
            ws = draw(st.lists(st.one_of(ref, constants), min_size=k, max_size=k))
            xs = draw(st.lists(st.one_of(ref, constants), min_size=k, max_size=k))
            if not any(type(t) is int for t in ws + xs):
                ws[0] = 0
            bias = draw(st.one_of(st.none(), ref, constants))
            code.append(("dot", tuple(ws), tuple(xs), bias))
    return Program(n, tuple(code))


def _binary_with(name: str, x, c: float, right: bool, t=None):
    """x op c (or c op x), the operand kept inside the op's domain."""
    if name == "pow":
        return _pos(x) ** c if right else 2.0 ** (x * 0.5)
    if name == "div":
        return x / (c if c else 2.0) if right else c / _pos(x)
    op = OPS[name]
    if t is None:
        return op.engine(x, c) if right else op.engine(c, x)
    return op.torch(t, x, t.tensor(c, dtype=t.float64)) if right else op.torch(t, t.tensor(c, dtype=t.float64), x)


def _binary(name: str, a, b, t=None):
    if name == "div":
        b = _pos(b)
    elif name == "pow":
        a, b = _pos(a), b * 0.5
    return OPS[name].engine(a, b) if t is None else OPS[name].torch(t, a, b)


def _unary(name: str, x, t=None):
    op = OPS[name]
    if op.domain is not None:
        x = op.domain(x)
    return op.engine(x) if t is None else op.torch(t, x)


def run(program: Program, leaves: list, t=None) -> list:
    """Every node of the program built from ``leaves`` (Values, or torch tensors when ``t`` is the
    torch module); the last is the root."""
    nodes = list(leaves)
    pick = lambda r: nodes[r] if type(r) is int else r
    for ins in program.code:
        kind = ins[0]
        if kind == "u":
            nodes.append(_unary(ins[1], nodes[ins[2]], t))
        elif kind == "b":
            nodes.append(_binary(ins[1], nodes[ins[2]], nodes[ins[3]], t))
        elif kind == "c":
            nodes.append(_binary_with(ins[1], nodes[ins[2]], ins[3], ins[4], t))
        elif kind == "sum":
            terms = [pick(r) for r in ins[1]]
            if t is None:
                nodes.append(autodiff.sum(terms))
            else:
                total = 0.0
                for x in terms:
                    total = total + x
                nodes.append(total)
        else:
            ws, xs = [pick(r) for r in ins[1]], [pick(r) for r in ins[2]]
            bias = None if ins[3] is None else pick(ins[3])
            if t is None:
                nodes.append(autodiff.dot(ws, xs, bias))
            else:
                total = 0.0
                for w, x in zip(ws, xs):
                    total = total + w * x
                nodes.append(total if bias is None else total + bias)
    return nodes


def build(program: Program, xs: list[float], limit: float = 1e6) -> tuple[list[Value], Value] | None:
    """(the input leaves, the root) on the engine, or None when these numbers leave the float range
    (or a value grows past ``limit``: past 1e6 finite differences say little)."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    try:
        nodes = run(program, leaves)
    except (OverflowError, ValueError, ZeroDivisionError):
        return None
    root = nodes[-1]
    if not isinstance(root, Value) or any(abs(v.data) > limit for v in nodes if isinstance(v, Value)):
        return None
    return leaves, root


def grads_at(program: Program, xs: list[float], limit: float = 1e6) -> tuple[float, list[float]] | None:
    """(f, ∂f/∂xᵢ) at ``xs`` by the eager engine, or None where the graph cannot be built."""
    built = build(program, xs, limit)
    if built is None:
        return None
    leaves, root = built
    gs = autodiff.grad(root, leaves, allow_unused=True)
    return root.data, [0.0 if g is None else g for g in gs]


def close(a: float, b: float, rtol: float, atol: float = 0.0) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)
