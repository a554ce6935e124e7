"""From a batched plan to numpy code: a few lines per group forward, a few per group backward.

The code reads and writes one flat array ``V`` (values) and ``G`` (gradients) through names bound once
per thread (``batched.Workspace``): ``o3`` is group 3's outputs (a view of V), ``d3`` their gradients (the
same view of G), ``w3``/``x3``/``c3``/``a3``/``b3``/``t3`` its operands (a view of V where their
positions form an affine grid, else a buffer gathered by ``np.take`` at the start of the group), ``gw3``
& co. where their gradients go (a view of G; ``iw3`` an index array; ``uw3``/``nw3`` the distinct
positions and where each entry goes, for ``np.bincount``). The forward of a group is its row's ``array``
form (``rules.py``), a matrix product, a row-wise dot or a row sum; the backward is upstream × local,
with the local derivative from the same row, added where the operand came from. ``_f3``, ``_l3`` &
co. are a user's row's own functions (a group of kind "python"). No name a user chose reaches the
code: only these, numbers as ``repr`` of floats, and the rows' own templates.
"""

from __future__ import annotations

import bisect

import numpy as np

from .codegen import number
from .plan import ELEMENTWISE, MATMUL, PYTHON, Group, Plan, Ref


def affine(idx: np.ndarray) -> tuple[int, tuple[int, ...]] | None:
    """(base, strides in cells) when ``idx[i, j, …] = base + Σ strideₖ·iₖ`` with strides ≥ 0, else None."""
    base = int(idx.flat[0])
    strides = []
    grid = np.full(idx.shape, base, dtype=np.int64)
    for ax, n in enumerate(idx.shape):
        s = int(idx[(0,) * ax + (1,) + (0,) * (idx.ndim - ax - 1)]) - base if n > 1 else 0
        if s < 0:
            return None
        strides.append(s)
        shape = [1] * idx.ndim
        shape[ax] = n
        grid = grid + s * np.arange(n, dtype=np.int64).reshape(shape)
    return (base, tuple(strides)) if np.array_equal(grid, idx) else None


class Code:
    """The generated text of ``forward``, ``backward`` (params and inputs) and ``step`` (params only),
    and the names they need: ``binds[name]`` is ("view", "V" or "G", base, shape, strides), ("buf",
    shape), ("array", ndarray) or ("fn", callable)."""

    def __init__(self, plan: Plan) -> None:
        self.plan, self.binds = plan, {}
        self._params = {cell: j for j, cell in enumerate(plan.param_cells)}
        self._starts = [g.span[0] for g in plan.groups]  # increasing: groups are laid out in order
        self.forward: list[str] = []
        self._back_of: list[tuple[list[str], list[str]]] = []  # per group: its backward and step lines
        self.summary: list[str] = []  # one line per group: what it computes, in the plan's names
        self._owner: dict[tuple[int, int], str] = {(0, plan.n_inputs): "x"}  # a run of cells → its name
        for g in plan.groups:
            self._group(g)
        self.backward = [line for lines in reversed(self._back_of) for line in lines[0]]  # last group first
        self.step = [line for lines in reversed(self._back_of) for line in lines[1]]

    # ---- reading and writing operand blocks -----------------------------------------------------------
    def _read(self, name: str, ref: Ref, lines: list[str]) -> str:
        if ref.idx is None:
            return number(ref.scalar)
        found = affine(ref.idx)
        if found is not None:
            self.binds[name] = ("view", "V", found[0], ref.idx.shape, found[1])
            lines.append(f"#   {name}: {self._where(ref.idx)} as {_shape(ref.idx.shape)} (a view)")
        else:
            self.binds[name] = ("buf", ref.idx.shape)
            self.binds[f"i{name}"] = ("array", ref.idx)
            lines.append(f"V.take(i{name}, out={name})  # {self._where(ref.idx)}, gathered")
        return name

    def _scatter(self, name: str, ref: Ref, term: str, wide: int = 0) -> list[str]:
        """Lines that add ``term`` (an array of ref.idx's shape; with ``wide`` = m, a column (n, 1) that
        stands for n × m copies) into G at ref's positions."""
        idx = ref.idx
        found = affine(idx)
        if found is not None:
            base, strides = found
            summed = tuple(ax for ax, s in enumerate(strides) if s == 0 and idx.shape[ax] > 1)
            keep = [ax for ax in range(idx.ndim) if ax not in summed]
            shape = tuple(idx.shape[ax] for ax in keep) or (1,)
            if len(np.unique(idx)) == int(np.prod(shape)):
                self.binds[f"g{name}"] = ("view", "G", base, shape, tuple(strides[ax] for ax in keep) or (0,))
                if summed:
                    full = f"np.repeat({term.removesuffix('[:, None]')}, {wide}).reshape{idx.shape}" if wide else term
                    term = f"np.add.reduce({full}, axis={summed[0] if len(summed) == 1 else summed})"
                return [f"g{name} += {term}"]
        flat = idx.ravel()
        unique, inverse = np.unique(flat, return_inverse=True)
        if len(unique) == len(flat):
            self.binds[f"i{name}"] = ("array", idx)
            return [f"G[i{name}] += {term}"]
        self.binds[f"u{name}"], self.binds[f"n{name}"] = ("array", unique), ("array", inverse.ravel())
        full = f"np.repeat({term.removesuffix('[:, None]')}, {wide})" if wide else f"({term}).ravel()"
        return [f"G[u{name}] += np.bincount(n{name}, {full}, {len(unique)})"]

    def _back(self, g: Group, parts: list[tuple]) -> None:
        """The backward lines of a group, for the step (refs with param gradients) and for backward."""
        self._back_of.append(([], []))
        for lines, flag in ((self._back_of[-1][1], "grad_step"), (self._back_of[-1][0], "grad_all")):
            chosen = [p for p in parts if p[1].idx is not None and getattr(p[1], flag)]
            if not chosen:
                continue
            lines.append(self._header(g))
            for part in chosen:
                lines.extend(self._scatter(*part))

    # ---- one group --------------------------------------------------------------------------------------
    def _group(self, g: Group) -> None:
        i, fwd = g.index, self.forward
        start = g.span[0]
        o, d = f"o{i}", f"d{i}"
        self.binds[o] = ("view", "V", start, g.shape, _dense(g.shape))
        self.binds[d] = ("view", "G", start, g.shape, _dense(g.shape))
        fwd.append(self._header(g))
        r = {k: self._read(f"{k}{i}", ref, fwd) for k, ref in g.refs.items()}
        refs = g.refs
        if g.kind == MATMUL:
            fwd.append(f"np.matmul({r['x']}, {r['w']}.T, out={o})")
            parts = [(f"w{i}", refs["w"], f"{d}.T @ {r['x']}"), (f"x{i}", refs["x"], f"{d} @ {r['w']}")]
        elif g.op == "dot":
            self.binds[f"p{i}"] = ("buf", refs["w"].idx.shape)
            fwd.append(f"np.multiply({r['w']}, {r['x']}, out=p{i})")
            fwd.append(f"np.add.reduce(p{i}, axis=1, out={o})")
            parts = [(f"w{i}", refs["w"], f"{d}[:, None] * {r['x']}"), (f"x{i}", refs["x"], f"{d}[:, None] * {r['w']}")]
        elif "t" in refs:
            fwd.append(f"np.add.reduce({r['t']}, axis=1, out={o})")
            parts = [(f"t{i}", refs["t"], f"{d}[:, None]", refs["t"].idx.shape[1])]
        elif g.kind == ELEMENTWISE:
            parts = self._elementwise(g, r)
        else:
            parts = self._python(g, r)
        if "c" in refs:
            fwd.append(f"{o} += {r['c']}")
            parts.append((f"c{i}", refs["c"], d))
        self._back(g, parts)
        self._summarise(g, r)
        self._owner[g.span] = o

    def _summarise(self, g: Group, r: dict) -> None:
        """The group as one line: o4 = o2 @ w4.T + c4, an operand named by the group whose whole output
        it is (or x, every input), else by its own name."""
        n = {k: self._alias(r[k], ref) for k, ref in g.refs.items()}
        o = f"o{g.index}"
        if g.kind == MATMUL:
            rows, wrows, k = g.dims
            line, what = f"{o} = {n['x']} @ {n['w']}.T", f"{_nodes(g.size, 'dot')} as {rows}×{wrows}, {k} terms each"
        elif g.op == "dot":
            line, what = f"{o} = ({n['w']} * {n['x']}).sum(axis=1)", f"{_nodes(g.size, 'dot')}, row by row" + (", padded" if g.padded else "")
        elif "t" in g.refs:
            line, what = f"{o} = {n['t']}.sum(axis=1)", f"{_nodes(g.size, 'sum')} of {'≤ ' if g.padded else ''}{g.refs['t'].idx.shape[1]} terms"
        elif g.kind == ELEMENTWISE:
            line = f"{o} = {g.row.array[0].format(a=n.get('a', ''), b=n.get('b', ''))}"
            what = _nodes(g.size, g.op)
        else:
            line = f"{o} = [row's own function]({', '.join(n[k] for k in 'ab' if k in n)})"
            what = f"{_nodes(g.size, 'python')} (an operation without an array form)"
        if "c" in n:
            line += f" + {n['c']}"
        self.summary.append(f"# level {g.level:<3} {line:<44} # {what}")

    def _alias(self, name: str, ref: Ref) -> str:
        if ref.idx is None:
            return name
        flat = ref.idx.ravel()
        start = int(flat[0])
        stop = start + len(flat)
        if not np.array_equal(flat, np.arange(start, stop)):
            return name
        if (start, stop) in self._owner:
            return self._owner[(start, stop)]
        runs, at = [], start  # whole outputs of consecutive groups: [o7, o8]
        ends = {a: (b, o) for (a, b), o in self._owner.items() if b > a}  # (no inputs: x is empty)
        while at in ends and at < stop:
            at, o = ends[at]
            runs.append(o)
        return f"[{', '.join(runs)}]" if at == stop and len(runs) > 1 else name

    def _elementwise(self, g: Group, r: dict) -> list:
        form = g.row.array
        a, b, o, d = r.get("a", ""), r.get("b", ""), f"o{g.index}", f"d{g.index}"
        forward = form[0].format(a=a, b=b, o=o)
        if g.rule == "pow" and g.refs["b"].idx is not None:  # a Value exponent needs a >= 0 (check_pow)
            forward = f"np.where({a} < 0.0, np.nan, {forward})"
        self.forward.append(f"{o}[...] = {forward}")
        parts = []
        for j, name in enumerate("ab"[: len(form) - 1]):
            local = form[1 + j].format(a=a, b=b, o=o)
            term = d if local == "1.0" else f"-{d}" if local == "-1.0" else f"{d} * ({local})"
            parts.append((f"{name}{g.index}", g.refs[name], term))
        return parts

    def _python(self, g: Group, r: dict) -> list:
        """A row without an array form: its own functions, node by node (lists in, an array out)."""
        i, row = g.index, g.row
        names = [r[k] for k in "ab" if k in r]
        lists = ", ".join(f"{n}.tolist()" for n in names)
        args = ", ".join(f"_{k}" for k in "ab"[: len(names)])
        self.binds[f"_f{i}"] = ("fn", row.forward)
        self.forward.append(f"o{i}[...] = [_f{i}({args}) for {args}, in zip({lists})]")
        locals_ = [row.local] if len(names) == 1 else [row.local_a, row.local_b]
        parts = []
        for j, local in enumerate(locals_):
            self.binds[f"_l{i}{'ab'[j]}"] = ("fn", local)
            term = (f"d{i} * np.array([_l{i}{'ab'[j]}({args}, _o) for {args}, _o in zip({lists}, o{i}.tolist())], "
                    "dtype=float)")  # fmt: skip
            parts.append((f"{'ab'[j]}{i}", g.refs["ab"[j]], term))
        return parts

    # ---- words ------------------------------------------------------------------------------------------
    def _header(self, g: Group) -> str:
        """The group's comment line (a user's operation is not named: no name a user chose reaches code)."""
        if g.kind == MATMUL:
            rows, wrows, k = g.dims
            what = f"matmul: {_nodes(g.size, 'dot')} = {rows} rows × {wrows} weight rows, {k} terms each"
        elif g.kind == PYTHON:
            what = f"python: {_nodes(g.size, 'user')} (an operation without an array form), one call each"
        else:
            what = f"{g.op}: {_nodes(g.size, g.op)}"
        return f"# group {g.index} · level {g.level} · {what} ({_ranges(g.entries)})"

    def _cell(self, p: int) -> str:
        """A cell by what it holds: x[3] an input, p[5] a param, o2[17] group 2's output, or a constant."""
        if p < self.plan.n_inputs:
            return f"x[{p}]"
        if p in self._params:
            return f"p[{self._params[p]}]"
        i = bisect.bisect_right(self._starts, p) - 1
        if i >= 0 and p < self.plan.groups[i].span[1]:
            return f"o{i}[{p - self._starts[i]}]"
        return "a constant"

    def _where(self, idx: np.ndarray) -> str:
        """Which part of V a block of positions reads: inputs, params, groups' outputs, constants."""
        found = [self._cell(int(idx.flat[0])), self._cell(int(idx.flat[-1]))]
        return found[0] if found[0] == found[1] else f"{found[0]} … {found[1]}"


def _nodes(n: int, op: str) -> str:
    return f"{n:,} {op} node{'' if n == 1 else 's'}"


def _dense(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (shape[1], 1) if len(shape) == 2 else (1,)


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def _ranges(entries: list[int], shown: int = 3) -> str:
    """Tape nodes as ranges, as the Python replay names them: v40–v71, v90."""
    ks = sorted(entries)
    runs = []
    for k in ks:
        if runs and k == runs[-1][1] + 1:
            runs[-1][1] = k
        else:
            runs.append([k, k])
    if len(runs) > shown:
        return f"nodes v{ks[0]} … v{ks[-1]}, in {len(runs)} runs"
    return "nodes " + ", ".join(f"v{a}" if a == b else f"v{a}–v{b}" for a, b in runs)
