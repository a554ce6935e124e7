"""nn.Adam's numpy path against its Python loop: the same bits (struct-packed doubles) for parameters,
moments and steps over several steps, each path forced through ``nn.optim.NUMPY_FROM``. One freedom: when
two NaNs meet (nan − nan), IEEE 754 leaves open whose sign survives and numpy's loops may take the other
operand's, so there a nan is compared as nan; with one NaN source (0/0 included) its sign bit is checked too.
Cases:
zeros, huge and tiny gradients, nan/inf, a zero denominator (eps = 0), weight decay, Values left by
``create_graph``, skipped parameters and duplicates; and numpy stays unimported by ``import nn``."""

from __future__ import annotations

import math
import random
import struct
import subprocess
import sys

import pytest

import nn
import nn.optim
from autodiff import Value

LOOP, NUMPY = 10**9, 1  # NUMPY_FROM values forcing each path

SPECIAL = [0.0, -0.0, 1e200, -1e200, 1e-200, 5e-324, float("nan"), float("inf"), float("-inf"), 1e154]


def bits(xs: list[float], nan_sign: bool = False) -> list[str]:
    return ["nan" if math.isnan(x) and not nan_sign else struct.pack("<d", x).hex() for x in xs]


def gradients(rng: random.Random, n: int, steps: int, special: bool) -> list[list]:
    """Per step a gradient per parameter: gaussians of every scale, and (special) the edge values above."""
    out = []
    for _ in range(steps):
        row = [rng.gauss(0, 1) * 10 ** rng.randint(-5, 5) for _ in range(n)]
        if special:
            for i in rng.sample(range(n), n // 3):
                row[i] = rng.choice(SPECIAL)
        out.append(row)
    return out


def trail(monkeypatch, numpy_from, start, grads, listed=None, nan_sign=False, **settings):
    """Run Adam from ``start`` on these gradients (None: not stepped; ("value", x): a Value grad, as
    create_graph leaves); the bits of params, m, v and step counts after every step, and the path taken."""
    monkeypatch.setattr(nn.optim, "NUMPY_FROM", numpy_from)
    params = [Value(x) for x in start]
    listed = params if listed is None else [params[i] for i in listed]
    opt = nn.Adam(listed, **settings)
    out, arrays = [], False
    for row in grads:
        for p, g in zip(params, row):
            p.grad = Value(g[1]) if isinstance(g, tuple) else g
        opt.step()
        arrays |= type(opt._m) is not list
        assert type(opt.m) is list and type(opt.v) is list
        assert all(type(x) is float for x in opt.m + opt.v)
        data = [p.data for p in params]
        out.append((bits(data, nan_sign), bits(opt.m, nan_sign), bits(opt.v, nan_sign), list(opt._steps)))
    return out, arrays


def both(monkeypatch, start, grads, listed=None, expect_numpy=True, nan_sign=False, **settings):
    loop, loop_arrays = trail(monkeypatch, LOOP, start, grads, listed, nan_sign, **settings)
    fast, fast_arrays = trail(monkeypatch, NUMPY, start, grads, listed, nan_sign, **settings)
    assert not loop_arrays and fast_arrays == expect_numpy  # each path really taken
    for k, (a, b) in enumerate(zip(loop, fast)):
        assert a == b, f"step {k + 1} differs"


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("special", [False, True])
def test_numpy_path_equals_the_loop_bitwise(monkeypatch, seed, special):
    rng = random.Random(seed)
    n = 150
    start = [rng.gauss(0, 3) for _ in range(n)]
    if special:
        start[:4] = [0.0, 1e300, -1e300, 5e-324]
    settings = [{}, {"lr": 0.5, "betas": (0.5, 0.9), "eps": 0.0}, {"lr": 0.01, "weight_decay": 0.3},
                {"lr": 2.0, "betas": (0.0, 0.0), "eps": 1e-3, "weight_decay": 1e-8}][seed]  # fmt: skip
    both(monkeypatch, start, gradients(rng, n, 6, special), **settings)


@pytest.mark.parametrize("eps", [0.0, 1e-8])
def test_a_zero_denominator_gives_the_loops_nan_and_infinities(monkeypatch, eps):
    """eps = 0: a zero gradient gives 0/0 = nan (Python's nan, not the hardware's −nan), an underflowing
    one m/0 = ±inf; nan and inf gradients spread as in the loop."""
    start = [1.0, -2.0, 3.0, 0.0, 0.5, -0.5, 7.0, 1e-300]
    grads = [[0.0, -0.0, 1e-200, -1e-200, float("nan"), float("inf"), -5e-324, 0.0]] * 3
    both(monkeypatch, start, grads, nan_sign=True, eps=eps)
    loop, _ = trail(monkeypatch, LOOP, start, grads, nan_sign=True, eps=eps)
    if eps == 0:  # after step 1: 0/0 = +nan (python's), 1e-200 → m/0 = +inf: p − η·inf = −inf, and −1e-200: +inf
        assert loop[0][0][:4] == bits([float("nan"), float("nan"), float("-inf"), float("inf")], nan_sign=True)


@pytest.mark.parametrize("values", [False, True])
def test_value_and_int_gradients_are_read_as_the_loop_reads_them(monkeypatch, values):
    """Values left by create_graph are read for their data; ints (a user's p.grad = 3) as floats."""
    rng = random.Random(7)
    start = [rng.uniform(-1, 1) for _ in range(80)]
    grads = [[round(g * 100) if i % 5 == 0 else ("value", g) if values and i % 3 else g for i, g in enumerate(row)]
             for row in gradients(rng, 80, 4, False)]  # fmt: skip
    both(monkeypatch, start, grads, lr=0.1, weight_decay=0.01)


def test_a_skipped_parameter_takes_the_loop_with_the_same_numbers(monkeypatch):
    """A None gradient: the numpy path changes nothing and hands the step to the loop (which skips it and,
    from then on, counts steps per parameter); numpy steps before it, the loop's after, same bits."""
    rng = random.Random(3)
    start = [rng.gauss(0, 1) for _ in range(100)]
    grads = gradients(rng, 100, 6, True)
    grads[3][17] = None
    grads[4][17] = None
    both(monkeypatch, start, grads, lr=0.05)


def test_duplicates_keep_the_loop_and_its_numbers(monkeypatch):
    rng = random.Random(5)
    start = [rng.gauss(0, 1) for _ in range(90)]
    listed = list(range(90)) + [4, 50]
    with pytest.warns(UserWarning, match="duplicate"):
        both(monkeypatch, start, gradients(rng, 90, 4, False), listed, expect_numpy=False, lr=0.02)


def test_state_written_by_one_path_is_continued_by_the_other(monkeypatch):
    """Switching paths mid-training (lists ↔ arrays) loses nothing: loop, numpy, loop equals loop × 3."""
    rng = random.Random(11)
    start = [rng.gauss(0, 1) for _ in range(70)]
    grads = gradients(rng, 70, 6, True)
    expected, _ = trail(monkeypatch, LOOP, start, grads)
    params = [Value(x) for x in start]
    opt = nn.Adam(params, lr=0.3, weight_decay=0.0)
    opt.lr = 1e-3
    for k, row in enumerate(grads):
        monkeypatch.setattr(nn.optim, "NUMPY_FROM", NUMPY if 2 <= k < 4 else LOOP)
        for p, g in zip(params, row):
            p.grad = g
        opt.step()
        assert bits([p.data for p in params]) == expected[k][0] and bits(opt.m) == expected[k][1], k


def test_the_default_crossover_picks_numpy_for_many_parameters_only():
    for n, arrays in ((nn.optim.NUMPY_FROM - 1, False), (nn.optim.NUMPY_FROM, True), (4192, True)):
        params = [Value(0.1 * i) for i in range(n)]
        opt = nn.Adam(params, lr=0.01)
        for p in params:
            p.grad = 1.0
        opt.step()
        assert (type(opt._m) is not list) == arrays, n
        assert params[3].data == pytest.approx(0.3 - 0.01, rel=1e-9)  # Adam's first step: lr · g/|g|


def test_without_numpy_the_loop_runs(monkeypatch):
    rng = random.Random(2)
    start = [rng.gauss(0, 1) for _ in range(200)]
    grads = gradients(rng, 200, 3, True)
    expected, _ = trail(monkeypatch, LOOP, start, grads)
    monkeypatch.setattr(nn.optim, "_numpy", lambda: None)
    assert trail(monkeypatch, NUMPY, start, grads) == (expected, False)


def test_import_nn_does_not_import_numpy_and_adam_runs_when_numpy_is_missing():
    code = (
        "import sys; sys.modules['numpy'] = None\n"  # numpy unimportable, as when it is not installed
        "import nn; from autodiff import Value\n"
        "ps = [Value(float(i)) for i in range(300)]\n"
        "opt = nn.Adam(ps, lr=0.1)\n"
        "for p in ps: p.grad = 1.0\n"
        "opt.step(); print(type(opt._m).__name__, ps[5].data)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == "list"
    fresh = subprocess.run([sys.executable, "-c", "import nn, sys; print('numpy' in sys.modules)"],
                           check=False, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert fresh.stdout.strip() == "False", fresh.stderr
