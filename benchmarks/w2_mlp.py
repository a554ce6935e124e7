"""W2: micrograd's demo training step (MLP 2-16-16-1, relu hidden, linear out; 100 two-moons points;
hinge loss + 1e-4 L2; backward; SGD update), written once per engine as its users would write it:

- autodiff: ``nn.MLP`` (each neuron one ``autodiff.dot`` node) and ``nn.functional``;
- microgpt-design: a neuron as a sum of products, ``sum(w_i * x_i) + b``, as microgpt's users write it;
- micrograd: its own ``micrograd.nn.MLP``;
- torch: a float64 ``nn.Sequential`` on the whole batch (tensors, not scalars: for orientation).

Every engine starts from the same weights and data, so their first losses agree (checked to 1e-9)."""

from __future__ import annotations

import gc
import random
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from statistics import median
from time import perf_counter

import microgpt_peer
from workloads import recursion_limit

import autodiff
import nn

SIZES = (2, 16, 16, 1)
ALPHA = 1e-4  # the L2 penalty's weight
N_POINTS = 100


def demo_data(seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """100 two-moons points with labels ±1, as micrograd's demo uses."""
    X, y = nn.data.make_moons(N_POINTS, noise=0.1, seed=seed)
    return [list(map(float, x)) for x in X], [1.0 if t > 0 else -1.0 for t in y]


def demo_weights(seed: int = 1) -> list[tuple[list[list[float]], list[float]]]:
    """One set of weights (rows = neurons) that every engine loads."""
    rng = random.Random(seed)
    layers = []
    for nin, nout in pairwise(SIZES):
        bound = (6.0 / (nin + nout)) ** 0.5
        layers.append(([[rng.uniform(-bound, bound) for _ in range(nin)] for _ in range(nout)], [0.0] * nout))
    return layers


def lr_at(k: int) -> float:
    return 1.0 - 0.9 * k / 100  # micrograd's demo schedule


@dataclass
class Trainer:
    """One engine's W2: ``step(k)`` runs a whole training step and returns the loss before the update."""

    name: str
    step: Callable[[int], float]
    recursive_sort: bool = False


def ours(X, y, weights) -> Trainer:
    F = nn.functional
    model = nn.MLP.from_weights(weights, activations=["relu", "relu", "linear"])
    params = model.parameters()
    opt = nn.SGD(params, lr=1.0)

    def step(k: int) -> float:
        scores = [model(x) for x in X]
        loss = F.hinge(scores, y) + F.l2_penalty(params, ALPHA)
        opt.zero_grad()
        loss.backward()
        opt.lr = lr_at(k)
        opt.step()
        return loss.data

    return Trainer("autodiff", step)


def compiled(X, y, weights, backend: str = "python") -> Trainer:
    """``ours`` with the step compiled once (``autodiff.compile``): the loss of the batch as a function of
    its inputs, replayed each step (forward, backward into the params' grads), then the same SGD.
    ``backend="numpy"``: the batched replay (groups of like nodes as numpy array operations)."""
    F = nn.functional
    model = nn.MLP.from_weights(weights, activations=["relu", "relu", "linear"])
    params = model.parameters()
    opt = nn.SGD(params, lr=1.0)
    replay = autodiff.compile(lambda Xv: F.hinge([model(x) for x in Xv], y) + F.l2_penalty(params, ALPHA), X,
                              backend=backend)  # fmt: skip

    def step(k: int) -> float:
        opt.zero_grad()
        loss = replay(X)
        opt.lr = lr_at(k)
        opt.step()
        return loss

    return Trainer("autodiff-compiled" if backend == "python" else f"autodiff-{backend}", step)


def numpy_compiled(X, y, weights) -> Trainer:
    return compiled(X, y, weights, backend="numpy")


def peer(X, y, weights) -> Trainer:
    V = microgpt_peer.Value
    layers = [([[V(w) for w in row] for row in W], [V(c) for c in b]) for W, b in weights]
    params = [p for W, b in layers for row, c in zip(W, b) for p in (*row, c)]

    def forward(x):
        for i, (W, b) in enumerate(layers):
            x = [sum(wi * xi for wi, xi in zip(row, x)) + c for row, c in zip(W, b)]
            if i < len(layers) - 1:
                x = [v.relu() for v in x]
        return x[0]

    def step(k: int) -> float:
        scores = [forward(x) for x in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in params)
        for p in params:
            p.grad = 0
        loss.backward()
        for p in params:
            p.data -= lr_at(k) * p.grad
        return loss.data

    return Trainer("microgpt-design", step, recursive_sort=True)


def micrograd(X, y, weights) -> Trainer:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    model = MLP(SIZES[0], list(SIZES[1:]))
    return Trainer("micrograd", micrograd_demo_step(model, Value, X, y, weights), recursive_sort=True)


def micrograd_as_written(X, y, weights) -> Trainer:
    """micrograd's own ``nn.py`` and demo loop, unchanged, with ``autodiff.Value`` in place of its Value
    (swapped in while the model is made: the only place ``nn.py`` constructs Values)."""
    import micrograd.nn as mg_nn

    import autodiff

    original = mg_nn.Value
    mg_nn.Value = autodiff.Value
    try:
        model = mg_nn.MLP(SIZES[0], list(SIZES[1:]))
    finally:
        mg_nn.Value = original
    return Trainer(AS_WRITTEN, micrograd_demo_step(model, autodiff.Value, X, y, weights))


def micrograd_demo_step(model, Value, X, y, weights):
    """micrograd's demo training step, as its notebook writes it, on ``model`` (micrograd's ``nn.MLP``)
    started from ``weights``, with inputs made by ``Value``."""
    flat = [w for W, b in weights for row, c in zip(W, b) for w in (*row, c)]
    for p, w in zip(model.parameters(), flat, strict=True):
        p.data = w
    Xv = [[Value(v) for v in x] for x in X]

    def step(k: int) -> float:
        scores = list(map(model, Xv))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= lr_at(k) * p.grad
        return loss.data

    return step


def torch_trainer(X, y, weights) -> Trainer:
    import torch

    mods = []
    for i, (W, b) in enumerate(weights):
        lin = torch.nn.Linear(len(W[0]), len(W), dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(W, dtype=torch.float64))
            lin.bias.copy_(torch.tensor(b, dtype=torch.float64))
        mods.append(lin)
        if i < len(weights) - 1:
            mods.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*mods)
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)

    def step(k: int) -> float:
        scores = model(Xt).squeeze(1)
        loss = torch.relu(1 - yt * scores).mean() + ALPHA * sum((p * p).sum() for p in model.parameters())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr_at(k) * p.grad
        return float(loss)

    return Trainer("torch", step)


AS_WRITTEN = "autodiff in micrograd's nn.py"  # outside code as written, only the Value class swapped
MAKERS = {"autodiff": ours, "autodiff-compiled": compiled, "autodiff-numpy": numpy_compiled, "microgpt-design": peer,
          "micrograd": micrograd, "torch": torch_trainer, AS_WRITTEN: micrograd_as_written}  # fmt: skip


def w2(name: str, steps: int, seed: int = 0) -> dict[str, float]:
    """One engine's W2 from fresh weights: seconds per training step (averaged over ``steps`` steps,
    the first included) and the loss of the first step."""
    X, y = demo_data(seed)
    trainer = MAKERS[name](X, y, demo_weights(seed + 1))
    gc.collect()  # garbage left by the previous engine is not charged to this one
    with recursion_limit(10**5 if trainer.recursive_sort else None):
        t0 = perf_counter()
        first = trainer.step(0)
        for k in range(1, steps):
            trainer.step(k)
        seconds = perf_counter() - t0
    return {"step": seconds / steps, "first_loss": first}


def w2_report(runs: dict[str, list[dict[str, float]]], steps: int, peer: str, ours: str) -> list[str]:
    """The W2 table (ms per step, ratios per repetition against the peer and micrograd), the first-loss
    check, and the targets."""
    names = list(runs)
    ratio = {}
    for ref in (peer, "micrograd"):
        if ref in runs:
            ratio[ref] = {n: median(a["step"] / b["step"] for a, b in zip(runs[ref], runs[n])) for n in names}
    head = ["engine", "ms/step", *(f"× vs {r}" for r in ratio), "first loss"]
    rows = [head, ["---"] * len(head)]
    for n in names:
        row = [n, f"{median(r['step'] for r in runs[n]) * 1e3:.1f}", *(f"{ratio[r][n]:.1f}×" for r in ratio)]
        rows.append([*row, f"{runs[n][0]['first_loss']:.15f}"])
    out = [
        "",
        (
            f"## W2: micrograd's demo training step (MLP 2-16-16-1, {N_POINTS} two-moons points, hinge + {ALPHA:g} "
            f"L2, backward, SGD); {steps} steps from fresh weights per repetition, median of {len(runs[ours])}"
        ),
        "",
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
    ]
    firsts = [r["first_loss"] for n in names for r in runs[n]]
    spread = max(firsts) - min(firsts)
    out.append(
        f"- First loss {'agrees' if spread <= 1e-9 else 'DISAGREES'} across engines to 1e-9: spread {spread:.1e}."
    )
    for ref, target in ((peer, 8.0), ("micrograd", 80.0)):
        if ref in ratio:
            got = ratio[ref][ours]
            out.append(
                f"- W2 ≥ {target:.0f}× faster per step than {ref}: {got:.1f}× — {'met' if got >= target else 'NOT MET'}"
            )
    return out
