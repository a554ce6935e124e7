"""Operations and random programs that run the same way on autodiff Values and on torch tensors.

A *program* is a list of steps over a growing pool of nodes that starts with the leaves; each step
applies one operation to earlier pool entries (any of them, so nodes are reused and diamonds
appear), and the output is the sum of the whole pool. Tests run a program on Values, on torch
float64 tensors, and on perturbed inputs for finite differences.
"""

from __future__ import annotations

import math

import autodiff
from autodiff import Value

# ops smooth everywhere on the values our programs produce (used for finite differences)
SMOOTH_UNARY = ["neg", "tanh", "sigmoid", "softplus", "sin", "cos", "exp_tanh", "log_1p_sq", "sqrt_1p_sq"]
SMOOTH_BINARY = ["add", "sub", "mul", "div_safe", "pow_safe"]
ANY_UNARY = SMOOTH_UNARY + ["relu", "leaky_relu", "abs"]
ANY_BINARY = SMOOTH_BINARY + ["max", "min"]


def _is_value(x) -> bool:
    return isinstance(x, Value)


def _torch():
    import torch

    return torch


def unary(name: str, x, slope: float = 0.1):
    """Apply a unary op to a Value or a torch tensor."""
    if name == "neg":
        return -x
    if name == "abs":
        return abs(x)
    if name == "leaky_relu":
        if _is_value(x):
            return x.leaky_relu(slope)
        return _torch().nn.functional.leaky_relu(x, slope)
    if name == "softplus" and not _is_value(x):
        # torch switches to the line y = x above `threshold` (20 by default); keep the exact curve
        return _torch().nn.functional.softplus(x, threshold=1000.0)
    # composites that keep every input in a safe domain
    if name == "exp_tanh":
        return unary("exp", unary("tanh", x))
    if name == "log_1p_sq":
        return unary("log", x * x + 1.0)
    if name == "sqrt_1p_sq":
        return unary("sqrt", x * x + 1.0)
    if _is_value(x):
        return getattr(x, name)()
    return getattr(_torch(), name)(x)


def binary(name: str, a, b):
    """Apply a binary op; a and b are each a Value/tensor or a plain number."""
    if name == "add":
        return a + b
    if name == "sub":
        return a - b
    if name == "mul":
        return a * b
    if name == "div":
        return a / b
    if name == "pow":
        return a**b
    if name == "div_safe":
        return a / (b * b + 1.0)
    if name == "pow_safe":
        return (a * a + 1.0) ** (unary("tanh", b) if not isinstance(b, (int, float)) else math.tanh(b))
    if name in ("max", "min"):
        if _is_value(a) or _is_value(b):
            return getattr(autodiff, name)(a, b)
        torch = _torch()
        fn = torch.maximum if name == "max" else torch.minimum
        return fn(torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64))
    raise KeyError(name)


def random_program(rng, n_leaves: int, n_steps: int, smooth: bool = True) -> list[tuple]:
    """Steps ``(kind, name, i, j_or_const, const_side)`` drawn with ``rng`` (a random.Random)."""
    unaries = SMOOTH_UNARY if smooth else ANY_UNARY
    binaries = SMOOTH_BINARY if smooth else ANY_BINARY
    steps = []
    size = n_leaves
    for _ in range(n_steps):
        i = rng.randrange(size)
        if rng.random() < 0.4:
            steps.append(("u", rng.choice(unaries), i, None, None))
        elif rng.random() < 0.75:
            steps.append(("b", rng.choice(binaries), i, rng.randrange(size), None))
        else:  # a plain number on one side
            side = rng.choice(("left", "right"))
            steps.append(("b", rng.choice(binaries), i, round(rng.uniform(-2, 2), 3), side))
        size += 1
    return steps


def run_program(steps, leaves: list):
    """Run a program on a list of leaves (Values or tensors); returns (output, pool)."""
    pool = list(leaves)
    for kind, name, i, j, side in steps:
        if kind == "u":
            pool.append(unary(name, pool[i]))
        elif side is None:
            pool.append(binary(name, pool[i], pool[j]))
        elif side == "right":
            pool.append(binary(name, pool[i], j))
        else:
            pool.append(binary(name, j, pool[i]))
    if _is_value(pool[0]):
        return autodiff.sum(pool), pool
    out = pool[0]
    for p in pool[1:]:
        out = out + p
    return out, pool


def value_of_program(steps, xs: list[float]) -> float:
    """The program's output at plain numbers xs (through the engine, graph discarded)."""
    with autodiff.no_grad():
        out, _ = run_program(steps, [Value(x) for x in xs])
    return out.data


def central_difference(f, xs: list[float], i: int, h: float = 1e-6) -> float:
    """(f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h with h scaled to |xᵢ|."""
    step = h * max(1.0, abs(xs[i]))
    up = list(xs)
    down = list(xs)
    up[i] += step
    down[i] -= step
    return (f(up) - f(down)) / (up[i] - down[i])
