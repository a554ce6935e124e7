"""The collector's share on W1, W2 and W4, and what ``autodiff.gc_paused()`` around each step buys.

    .venv/bin/python benchmarks/gc_share.py [--repeat 3]

For each workload, runs with the collector on and with each step inside ``gc_paused()`` alternate
(thread CPU time, median over repetitions); the collector's share and full collections come from
``gc.callbacks`` in the collector-on runs.
"""

from __future__ import annotations

import argparse
import gc
import sys
from contextlib import nullcontext
from statistics import median
from time import thread_time

from engines import available_engines
from gcmeter import GCMeter
from tqdm import tqdm
from w2_mlp import MAKERS, demo_data, demo_weights
from w4_bench import NUM_STEPS, data
from w4_gpt import build_model, tokenize, train_step
from workloads import w1_chain

import autodiff


def w1_step():
    engine = available_engines(skip={"micrograd", "torch"})[0][0]  # autodiff
    _, root = w1_chain(engine, 40_000)
    root.backward()


def w2_steps():
    X, y = demo_data(0)
    trainer = MAKERS["autodiff"](X, y, demo_weights(1))
    return trainer.step


def w4_steps(idiomatic: bool):
    names, chars = data()
    docs = [tokenize(n, chars) for n in names]
    model = build_model(autodiff.Value, idiomatic=idiomatic, vocab_size=len(chars) + 1)
    return lambda k: train_step(model, docs[k % len(docs)], k, NUM_STEPS)


def run(make, steps: int, paused: bool) -> tuple[float, float, int]:
    """Seconds per step, collector seconds per step, full collections."""
    step = make()
    gc.collect()
    with GCMeter(thread_time) as meter:
        t0 = thread_time()
        for k in range(steps):
            with autodiff.gc_paused() if paused else nullcontext():
                step(k)
        elapsed = thread_time() - t0
    return elapsed / steps, meter.seconds / steps, meter.full


WORKLOADS = {
    "W1 (200,000-op chain: build + backward)": (lambda: lambda k: w1_step(), 2),
    "W2 (nn.MLP, micrograd's demo step)": (w2_steps, 5),
    "W4 as written": (lambda: w4_steps(False), 4),
    "W4 idiomatic": (lambda: w4_steps(True), 8),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    gc.enable()
    rows = ["| workload | ms/step, collector on | collector share | full collections/step | ms/step in gc_paused | bought |",
            "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    plan = [(name, paused) for _ in range(args.repeat) for name in WORKLOADS for paused in (False, True)]
    got: dict = {(n, p): [] for n in WORKLOADS for p in (False, True)}
    for name, paused in tqdm(plan, desc="gc share", file=sys.stderr):
        make, steps = WORKLOADS[name]
        got[name, paused].append((run(make, steps, paused), steps))
    for name in WORKLOADS:
        on = [r for r, _ in got[name, False]]
        off = [r for r, _ in got[name, True]]
        steps = got[name, False][0][1]
        t_on, t_off = median(r[0] for r in on), median(r[0] for r in off)
        share = median(r[1] / r[0] for r in on)
        full = median(r[2] for r in on) / steps
        rows.append(f"| {name} | {t_on * 1e3:.1f} | {share:.0%} | {full:.2f} | {t_off * 1e3:.1f} | {t_on / t_off:.2f}× |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
