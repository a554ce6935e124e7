"""W2 compiled: micrograd's demo training step (w2_mlp.py) with the step compiled once by
``autodiff.compile`` (the Python replay, and the batched numpy replay), against PyTorch float64 on the
whole batch (torch-vec) and our eager step, in one process with the collector on, engines interleaved
(the order rotates between repetitions). Without torch installed its column is left out.

    .venv/bin/python benchmarks/w2_compiled.py [--repeat N] [--steps N]

Per repetition each engine is set up from fresh weights (the compiled ones record and compile or plan
their step then: reported apart, with the first step), runs 3 warm-up steps, then ``--steps`` steps timed one by one, in CPU time
of the process (``process_time``: all its threads, torch's too) and wall time; the median step of each.
On a shared machine CPU time is the fair figure: a 3 ms step is nearly always preempted, a 0.5 ms one
seldom. ms/step is the median over repetitions, and the ratio is the median of torch time / compiled time within a repetition.
Writes the report to benchmarks/results/w2-compiled.md as well."""

from __future__ import annotations

import argparse
import gc
import sys
import warnings
from pathlib import Path
from statistics import median
from time import perf_counter, process_time

from w2_mlp import MAKERS, demo_data, demo_weights

ENGINES = ("autodiff-numpy", "autodiff-compiled", "torch", "autodiff")
TARGET = 1 / 3  # the Python replay within 3× of torch-vec
NUMPY_TARGET = 1.5  # the numpy replay ≥ 1.5× faster than torch-vec
PLAN_TARGET = 0.5  # seconds to record and plan W2 (numpy), its first step included
WARMUP = 3


def has_torch() -> bool:
    """Is torch installed? If so it is set to one thread, as every other engine here: on arrays this small
    a second thread only waits, and on a loaded machine its spinning counts as CPU time."""
    try:
        import torch
    except ImportError:
        return False
    torch.set_num_threads(1)
    return True


def run(name: str, steps: int) -> dict[str, float]:
    X, y = demo_data(0)
    gc.collect()
    t0 = perf_counter()
    trainer = MAKERS[name](X, y, demo_weights(1))
    setup = perf_counter() - t0
    t0 = perf_counter()
    first = trainer.step(0)
    first_step = perf_counter() - t0
    for k in range(1, WARMUP):
        trainer.step(k)
    wall, cpu = [], []
    for k in range(WARMUP, WARMUP + steps):
        t0, c0 = perf_counter(), process_time()
        trainer.step(k)
        cpu.append(process_time() - c0)
        wall.append(perf_counter() - t0)
    return {"step": median(cpu), "wall": median(wall), "setup": setup, "first_step": first_step, "first_loss": first}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)  # torch's float(loss) note
    gc.enable()
    engines = ENGINES if has_torch() else tuple(n for n in ENGINES if n != "torch")
    ref = "torch" if "torch" in engines else "autodiff"
    runs: dict[str, list[dict[str, float]]] = {n: [] for n in engines}
    for rep in range(args.repeat):
        k = rep % len(engines)
        for name in engines[k:] + engines[:k]:
            runs[name].append(run(name, args.steps))
            print(f"rep {rep + 1}/{args.repeat} {name}: {runs[name][-1]['step'] * 1e3:.2f} ms/step", file=sys.stderr)
    ratio = {n: median(t["step"] / r["step"] for t, r in zip(runs[ref], runs[n])) for n in engines}
    against = "torch-vec" if ref == "torch" else "eager autodiff (torch is not installed)"
    lines = [
        (f"## W2 compiled vs {against}: median of {args.steps} steps after {WARMUP} warm-up steps, median of "
         f"{args.repeat} repetitions, GC on"),
        "",
        f"| engine | CPU ms/step | × {against} (same repetition, CPU) | wall ms/step | setup s | first step s | first loss |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n in engines:
        ms = median(r["step"] for r in runs[n]) * 1e3
        setup, first = median(r["setup"] for r in runs[n]), median(r["first_step"] for r in runs[n])
        wall = median(r["wall"] for r in runs[n]) * 1e3
        lines.append(f"| {n} | {ms:.2f} | {ratio[n]:.2f}× | {wall:.2f} | {setup:.2f} | {first:.3f} | "
                     f"{runs[n][0]['first_loss']:.15f} |")  # fmt: skip
    firsts = [r["first_loss"] for n in engines for r in runs[n]]
    plan = median(r["setup"] + r["first_step"] for r in runs["autodiff-numpy"])
    lines += [
        "",
        f"- First loss spread across engines: {max(firsts) - min(firsts):.1e} (the same weights and data).",
        ("- setup: the compiled engines' includes recording the step once and generating its code (autodiff-compiled:"
         " Python compiles it during the first step) or its batched plan (autodiff-numpy); torch's, its import on"
         " the first repetition; torch runs on one thread."),
        (f"- Recording + planning W2 for numpy (setup + first step) ≤ {PLAN_TARGET} s: {plan:.3f} s — "
         f"{'met' if plan <= PLAN_TARGET else 'NOT MET'}"),
    ]
    if ref == "torch":
        for name, target, what in (("autodiff-compiled", TARGET, "within 3×"), ("autodiff-numpy", NUMPY_TARGET,
                                   "1.5× faster")):  # fmt: skip
            got = ratio[name]
            lines.append(f"- W2 {name} ≥ {target:.2f}× torch-vec ({what}): {got:.2f}× — "
                         f"{'met' if got >= target else 'NOT MET'}")  # fmt: skip
    text = "\n".join(lines) + "\n"
    print(text, end="")
    out = Path(__file__).resolve().parent / "results" / "w2-compiled.md"
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
