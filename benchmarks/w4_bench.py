"""W4 (the GPT on scalars, ``w4_gpt.py``) in three forms in one process, collector on: the microgpt-design
peer, autodiff running the peer's code as written, autodiff idiomatic. Prints a markdown table.

    .venv/bin/python benchmarks/w4_bench.py [--steps 8] [--repeat 3]

Each repetition runs ``--steps`` training steps of every form, in an order that rotates between
repetitions, timed in this thread's CPU time (other processes on a shared machine count less); the × column is the median over repetitions of peer time / form time of that repetition.
Every form trains on the same names from the same weights, so their losses agree (checked to 1e-12).
Nodes per step and peak memory (tracemalloc) are measured on one extra, untimed step of a fresh model.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import median
from time import thread_time

import microgpt_peer
from gcmeter import GCMeter
from tqdm import tqdm
from w4_gpt import build_model, make_names, tokenize, train_step, vocabulary
from workloads import recursion_limit

import autodiff

PEER = "microgpt-design"
NUM_STEPS = 1000  # the learning-rate schedule's length (fixed, so every run trains alike)
PEER_RECURSION_LIMIT = 10**5  # the peer's topological sort recurses


@dataclass
class Form:
    """One way to run W4: ``make()`` returns a step function ``step(k) -> loss``."""

    name: str
    make: Callable[[], Callable[[int], float]]
    recursive_sort: bool = False
    root: Callable[[], object] | None = None  # one step's graph root, for counting nodes


@dataclass
class Run:
    seconds: list[float] = field(default_factory=list)  # per repetition, per step
    gc_seconds: list[float] = field(default_factory=list)
    full: int = 0
    steps: int = 0
    losses: list[float] = field(default_factory=list)
    nodes: int | None = None
    peak: int | None = None


def data() -> tuple[list[str], list[str]]:
    names = make_names()
    return names, vocabulary(names)


def model_form(name: str, Value, *, idiomatic: bool = False, recursive_sort: bool = False) -> Form:
    names, chars = data()
    docs = [tokenize(n, chars) for n in names]

    def make():
        model = build_model(Value, idiomatic=idiomatic, vocab_size=len(chars) + 1)
        return lambda k: train_step(model, docs[k % len(docs)], k, NUM_STEPS)

    def root():
        return build_model(Value, idiomatic=idiomatic, vocab_size=len(chars) + 1).loss(docs[0])

    return Form(name, make, recursive_sort, root)


def forms() -> list[Form]:
    return [
        model_form(PEER, microgpt_peer.Value, recursive_sort=True),
        model_form("autodiff as written", autodiff.Value),
        model_form("autodiff idiomatic", autodiff.Value, idiomatic=True),
    ]


def count_nodes(root) -> int:
    """Distinct nodes of a graph, for either engine (the peer's ``_children``, autodiff's ``parents``)."""
    seen, stack = {id(root)}, [root]
    while stack:
        v = stack.pop()
        for p in v._children if hasattr(v, "_children") else v.parents:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


def peak_bytes(form: Form) -> int:
    """Peak traced memory of one training step of a fresh model, above what the model itself holds."""
    step = form.make()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        with recursion_limit(PEER_RECURSION_LIMIT if form.recursive_sort else None):
            step(0)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def measure(all_forms: list[Form], steps: int, repeat: int, progress: bool = True) -> dict[str, Run]:
    runs = {f.name: Run() for f in all_forms}
    trainers = {f.name: f.make() for f in all_forms}
    plan = []
    for rep in range(repeat):
        k = rep % len(all_forms)
        plan += all_forms[k:] + all_forms[:k]
    for form in tqdm(plan, desc="W4", file=sys.stderr, disable=not progress):
        run, step = runs[form.name], trainers[form.name]
        gc.collect()  # garbage of the previous form is not charged to this one
        with recursion_limit(PEER_RECURSION_LIMIT if form.recursive_sort else None), GCMeter(thread_time) as meter:
            t0 = thread_time()
            for _ in range(steps):
                run.losses.append(step(len(run.losses)))
            elapsed = thread_time() - t0
        run.seconds.append(elapsed / steps)
        run.gc_seconds.append(meter.seconds / steps)
        run.full += meter.full
        run.steps += steps
    for form in all_forms:
        run = runs[form.name]
        if form.root is not None:
            run.nodes = count_nodes(form.root())
        run.peak = peak_bytes(form)
    return runs


def report(runs: dict[str, Run], steps: int, repeat: int) -> list[str]:
    peer = runs[PEER]
    head = ["form", "ms/step", "× vs peer", "nodes/step", "peak MiB/step", "collector share", "full collections",
            "first loss"]  # fmt: skip
    rows = [head, ["---"] * len(head)]
    for name, r in runs.items():
        ratio = median(a / b for a, b in zip(peer.seconds, r.seconds))
        share = sum(r.gc_seconds) / sum(r.seconds)
        rows.append([
            name, f"{median(r.seconds) * 1e3:.1f}", f"{ratio:.1f}×", "n/a" if r.nodes is None else f"{r.nodes:,}",
            f"{r.peak / 2**20:.1f}", f"{share:.0%}", f"{r.full} in {r.steps} steps", f"{r.losses[0]:.15f}",
        ])  # fmt: skip
    firsts = [r.losses[0] for r in runs.values()]
    spread = max(firsts) - min(firsts)
    drift = max(max(abs(a - b) for a, b in zip(peer.losses, r.losses)) for r in runs.values())
    return [
        "",
        (
            f"## W4: a GPT on scalars (n_embd 16, 4 heads, 1 layer, block 16, RMSNorm, Adam; made-up names); "
            f"{steps} steps × {repeat} repetitions per form, forms interleaved, collector on"
        ),
        "",
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
        (
            f"- First loss {'agrees' if spread <= 1e-12 else 'DISAGREES'} across forms to 1e-12: spread "
            f"{spread:.1e}; largest loss difference from the peer over all {peer.steps} steps: {drift:.1e}."
        ),
        (
            "- Peak MiB: tracemalloc's peak during one step above the model itself (the step's graph); nodes/step: "
            "distinct nodes of one step's graph (the peer wraps every number operand in a node)."
        ),
        "- × = peer time / form time in the same repetition, median over repetitions.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=8, help="training steps per form per repetition")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.steps < 1 or args.repeat < 1:
        parser.error("--steps and --repeat must be at least 1")
    gc.enable()
    runs = measure(forms(), args.steps, args.repeat)
    print("\n".join(report(runs, args.steps, args.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
