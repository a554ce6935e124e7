"""Convolution and pooling on nested lists (seed 001 §二), built on ``autodiff.dot``.

An image is ``C × H × W``: a list of channels, each a list of rows of Values or numbers. A kernel
bank is ``C_out × C_in × kh × kw``. With stride s and padding p (zeros on every side) the output is

    H_out = ⌊(H + 2p − kh) / s⌋ + 1,   W_out = ⌊(W + 2p − kw) / s⌋ + 1.

Every output entry is **one** ``dot`` node over its window (bias included), so the gradient of
each weight is the sum over window positions of δ × the entry it met (∂L/∂W = XCᵀ·δ), and each
input sums the δ of the outputs it fed (a full convolution of δ with the flipped kernel).

Pooling has no parameters: ``max_pool2d`` routes the upstream gradient to the window's largest
entry (a dot node with local derivatives 1 there and 0 elsewhere); on a tie the **first** largest
entry in reading order (row by row, left to right) wins, as PyTorch's ``max_pool2d``.
``avg_pool2d`` gives every entry upstream / (kh·kw).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from numbers import Real

import autodiff
from autodiff import Value, engine, scopes

from .layers import _size, make_rng
from .module import Module

Pair = int | tuple[int, int]
Image = list[list[list[Value | float]]]


def _pair(x, what: str, where: str, least: int = 1) -> tuple[int, int]:
    """An int or a pair of ints ≥ ``least`` (1: kernel and stride; 0: padding), as (height, width)."""
    pair = tuple(x) if isinstance(x, (tuple, list)) else (x, x)
    good = len(pair) == 2 and all(isinstance(v, int) and not isinstance(v, bool) and v >= least for v in pair)
    if not good:
        kind = "a positive int" if least else "a non-negative int"
        raise ValueError(f"{where}: {what} must be {kind} or a pair of them, got {x!r}")
    return pair


def _entry(v, where: str, index: tuple[int, ...]) -> Value | float:
    if isinstance(v, Value):
        return v
    place = "".join(f"[{i}]" for i in index)
    if isinstance(v, Real) and not isinstance(v, bool):
        v = float(v)
        if math.isfinite(v):
            return v
        raise ValueError(f"{where}{place} must be finite, got {v!r}")
    raise TypeError(f"{where}{place} must be a Value or a number, got {type(v).__name__}: {v!r:.60}")


def _is_list(x) -> bool:
    return isinstance(x, (list, tuple))


def nested(x, dims: int, where: str, names: str) -> tuple[list, tuple[int, ...]]:
    """``x`` as nested lists of ``dims`` levels with entries Values or floats, and its shape. A
    ragged, too shallow or too deep input is a ValueError naming ``where`` (e.g. "conv2d: x") and
    the expected ``names`` (e.g. "C × H × W"; for one level a phrase such as "a list of numbers")."""
    kind = names if dims == 1 else f"{names} nested lists"
    arg = where.rsplit(": ", 1)[-1]
    shape: list[int] = []
    probe = x
    for _ in range(dims):
        if not _is_list(probe) or not probe:
            raise ValueError(f"{where} must be {kind} (non-empty), got {_describe(x)}")
        shape.append(len(probe))
        probe = probe[0]

    def walk(node, level: int, index: tuple[int, ...]):
        if level == dims:
            if _is_list(node):
                raise ValueError(f"{where} must be {kind}, got lists nested deeper than {dims} level(s)")
            return _entry(node, where, index)
        if not _is_list(node) or len(node) != shape[level]:
            got = len(node) if _is_list(node) else type(node).__name__
            at = "".join(f"[{i}]" for i in index)
            raise ValueError(f"{where} must be {kind} of shape {_dims(shape)}; {arg}{at} has {got} entries, not {shape[level]}")
        return [walk(child, level + 1, (*index, i)) for i, child in enumerate(node)]

    return walk(x, 0, ()), tuple(shape)


def _dims(shape) -> str:
    return " × ".join(map(str, shape))


def _describe(x) -> str:
    shape = []
    while _is_list(x) and x:
        shape.append(len(x))
        x = x[0]
    return f"shape {_dims(shape)}" if shape else f"{type(x).__name__}"


def _output_size(where: str, shape, k, s, p) -> tuple[int, int]:
    """(H_out, W_out), or a ValueError when the kernel does not fit the padded image."""
    _, h, w = shape
    if h + 2 * p[0] < k[0] or w + 2 * p[1] < k[1]:
        raise ValueError(
            f"{where}: a {k[0]} × {k[1]} kernel needs an input of at least {k[0] - 2 * p[0]} × {k[1] - 2 * p[1]} "
            f"(height × width, padding {p[0]}, {p[1]}); got C × H × W = {_dims(shape)}"
        )
    return (h + 2 * p[0] - k[0]) // s[0] + 1, (w + 2 * p[1] - k[1]) // s[1] + 1


def _windows(x: list, shape, k, s, p):
    """For each output position (row by row): the window's entries channel by channel, each channel
    row by row; padding entries are 0.0."""
    c, h, w = shape
    h_out, w_out = (h + 2 * p[0] - k[0]) // s[0] + 1, (w + 2 * p[1] - k[1]) // s[1] + 1
    rows = []
    for i in range(h_out):
        for j in range(w_out):
            row = []
            top, left = i * s[0] - p[0], j * s[1] - p[1]
            for ch in range(c):
                plane = x[ch]
                for a in range(top, top + k[0]):
                    if 0 <= a < h:
                        line = plane[a]
                        row.extend(line[b] if 0 <= b < w else 0.0 for b in range(left, left + k[1]))
                    else:
                        row.extend([0.0] * k[1])
            rows.append(row)
    return rows, h_out, w_out


def im2col(x, kernel_size: Pair, stride: Pair = 1, padding: Pair = 0) -> list[list[Value | float]]:
    """The unrolled matrix XC of seed 001 §二 (im2col): one **row** per window position (row by row
    over the output), each row the window's kh·kw entries channel by channel (each channel row by
    row), so a convolution is XC · WC with WC the (C·kh·kw) × C_out kernel matrix. For stride 1 and
    no padding there are (H − kh + 1)(W − kw + 1) rows. Padding entries are 0.0.

    PyTorch's ``F.unfold`` returns the transpose: one **column** per window (shape
    (C·kh·kw) × L), so ``im2col(x, k)`` equals ``F.unfold(x[None], k)[0].T``.
    The entries are the inputs themselves (no new nodes)."""
    where = "im2col"
    k, s, p = _pair(kernel_size, "kernel_size", where), _pair(stride, "stride", where), _pair(padding, "padding", where, 0)
    x, shape = nested(x, 3, "im2col: x", "C × H × W")
    _output_size(where, shape, k, s, p)
    return _windows(x, shape, k, s, p)[0]


def _reshape(flat: list, h: int, w: int) -> list[list]:
    return [flat[i * w:(i + 1) * w] for i in range(h)]


def conv2d(x, weight, bias=None, stride: Pair = 1, padding: Pair = 0) -> Image:
    """2-D convolution (cross-correlation, as PyTorch): x is C_in × H × W, weight C_out × C_in × kh × kw,
    bias None or C_out entries; returns C_out × H_out × W_out with

        y[o][i][j] = Σ_c Σ_a Σ_b weight[o][c][a][b] · x_pad[c][i·s + a][j·s + b] + bias[o]

    each entry one dot node (parents: the kernel's weights, the bias, then the window's Values)."""
    where = "conv2d"
    s, p = _pair(stride, "stride", where), _pair(padding, "padding", where, 0)
    x, shape = nested(x, 3, "conv2d: x", "C_in × H × W")
    weight, wshape = nested(weight, 4, "conv2d: weight", "C_out × C_in × kh × kw")
    c_out, c_in, kh, kw = wshape
    if c_in != shape[0]:
        raise ValueError(
            f"conv2d: weight of shape {_dims(wshape)} expects {c_in} input channels, got x of shape {_dims(shape)}"
        )
    if bias is not None:
        bias, bshape = nested(bias, 1, "conv2d: bias", "a list of numbers (one per output channel)")
        if bshape != (c_out,):
            raise ValueError(f"conv2d: bias has shape ({bshape[0]},), expected ({c_out},) (one per output channel)")
    _output_size(where, shape, (kh, kw), s, p)
    cols, h_out, w_out = _windows(x, shape, (kh, kw), s, p)
    out = []
    for o in range(c_out):
        kernel = tuple(v for plane in weight[o] for row in plane for v in row)
        b = None if bias is None else bias[o]
        out.append(_reshape([autodiff.dot(kernel, col, b) for col in cols], h_out, w_out))
    return out


def _pool(x, kernel_size, stride, where: str, pick):
    k = _pair(kernel_size, "kernel_size", where)
    s = k if stride is None else _pair(stride, "stride", where)
    x, shape = nested(x, 3, f"{where}: x", "C × H × W")
    _output_size(where, shape, k, s, (0, 0))
    out = []
    for ch in range(shape[0]):
        windows, h_out, w_out = _windows([x[ch]], (1, *shape[1:]), k, s, (0, 0))
        out.append(_reshape([pick(win) for win in windows], h_out, w_out))
    return out


def _data(v) -> float:
    return v.data if isinstance(v, Value) else v


def _max_window(win: list) -> Value:
    best = 0
    for i in range(1, len(win)):
        if _data(win[i]) > _data(win[best]):  # strictly larger: the first maximum stays
            best = i
    mask = [0.0] * len(win)
    mask[best] = 1.0
    return autodiff.dot(win, mask)


def max_pool2d(x, kernel_size: Pair, stride: Pair | None = None) -> Image:
    """Max pooling over C × H × W (stride defaults to the kernel size, no padding): each output is
    its window's largest entry, as a dot node whose local derivative is 1 towards that entry and 0
    towards the others, so the upstream gradient goes to the maximum only (seed 001: "remember where
    the maximum was"). On a tie the first largest entry in reading order wins (PyTorch)."""
    return _pool(x, kernel_size, stride, "max_pool2d", _max_window)


def _avg_window(win: list) -> Value:
    return autodiff.dot(win, [1.0 / len(win)] * len(win))


def avg_pool2d(x, kernel_size: Pair, stride: Pair | None = None) -> Image:
    """Average pooling over C × H × W (stride defaults to the kernel size, no padding): each output
    is Σ window / (kh·kw), one dot node, so each entry receives upstream / (kh·kw) per window it is in."""
    return _pool(x, kernel_size, stride, "avg_pool2d", _avg_window)




class Conv2d(Module):
    """``Conv2d(c_in, c_out, kernel_size, stride=1, padding=0, bias=True, seed=...)``: a bank of
    c_out kernels of shape c_in × kh × kw. Weights and biases are drawn from U(−a, a) with
    a = 1/√(c_in·kh·kw), PyTorch's default. Parameter names ``weight.o.c.i.j`` and ``bias.o`` (labels
    ``w[o,c,i,j]``, ``b[o]``); ``weight`` is the nested list of Values (C_out × C_in × kh × kw).
    The nodes of a call carry the module's scope; ``out`` keeps the last output (its ``.grad`` is δ)."""

    _last_call = ("out",)

    def __init__(
        self, c_in: int, c_out: int, kernel_size: Pair, stride: Pair = 1, padding: Pair = 0,
        bias: bool = True, *, seed=None,
    ) -> None:
        where = "Conv2d"
        c_in, c_out = _size(c_in, "Conv2d: c_in"), _size(c_out, "Conv2d: c_out")
        self.kernel_size = _pair(kernel_size, "kernel_size", where)
        self.stride, self.padding = _pair(stride, "stride", where), _pair(padding, "padding", where, 0)
        kh, kw = self.kernel_size
        rng = make_rng(seed)
        a = 1.0 / math.sqrt(c_in * kh * kw)
        self.weight = [
            [[[Value(rng.uniform(-a, a), label=f"w[{o},{c},{i},{j}]") for j in range(kw)] for i in range(kh)]
             for c in range(c_in)]
            for o in range(c_out)
        ]
        self.bias = [Value(rng.uniform(-a, a), label=f"b[{o}]") for o in range(c_out)] if bias else None
        self.c_in, self.c_out = c_in, c_out
        self.out: Image | None = None
        self._set_path(())

    def _own_parameters(self) -> Iterator[tuple[str, Value]]:
        for o, bank in enumerate(self.weight):
            for c, plane in enumerate(bank):
                for i, row in enumerate(plane):
                    for j, w in enumerate(row):
                        yield f"weight.{o}.{c}.{i}.{j}", w
        for o, b in enumerate(self.bias or ()):
            yield f"bias.{o}", b

    def forward(self, x) -> Image:
        """conv2d(x, weight, bias, stride, padding) for one C_in × H × W input."""
        previous = scopes._switch((*engine._mode.scope, *self._path)) if self._path else None
        try:
            self.out = conv2d(x, self.weight, self.bias, self.stride, self.padding)
        finally:
            if previous is not None:
                scopes._switch(previous)
        return self.out

    def __repr__(self) -> str:
        kh, kw = self.kernel_size
        return f"Conv2d({self.c_in}, {self.c_out}, kernel_size=({kh}, {kw}), stride={self.stride}, padding={self.padding})"


__all__ = ["Conv2d", "avg_pool2d", "conv2d", "im2col", "max_pool2d"]
