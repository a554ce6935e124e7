"""Benchmark: our engine against a microgpt-design peer, micrograd and torch, all in one process with
Python's garbage collector on (W1 chain, W2 micrograd's demo, W3 memory, W4 a GPT on scalars in three
forms, and the per-operation microbench with the collector off). Prints a markdown table to stdout (progress goes to stderr) and writes
the same report to benchmarks/results/latest.md.

    .venv/bin/python benchmarks/run.py [--repeat N] [--quick] [--skip ENGINE]

Times are medians over the repetitions. Within a repetition the engines run one after the other, in an
order that rotates between repetitions, and the × columns are the median over repetitions of
microgpt-design time / engine time from the same repetition: >1 means faster than that peer.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from dataclasses import replace
from pathlib import Path

import microbench
import w4_bench
from engines import PEER, Engine, available_engines
from report import FULL, QUICK, Ladder, Results, report
from tqdm import tqdm
from w2_mlp import AS_WRITTEN, w2
from workloads import backward_depth, empty_collect, rss_bytes_per_op, traced_bytes_per_op, w1

LADDER_BUDGET_S = 60.0  # a rung whose time projected from the previous one exceeds this is skipped
RESULTS = Path(__file__).resolve().parent / "results"


def plan(engines: list[Engine], res: Results) -> list[tuple[str, object]]:
    """Every measurement step, as (label, function), in the order they run: the W1 repetitions
    (engines interleaved, rotating, plus the empty-heap gc.collect()), the W2 repetitions (likewise),
    then the deepest-chain ladder
    at the default recursion limit, then W3's memory."""
    sizes = res.sizes
    steps: list[tuple[str, object]] = []
    for rep in range(1, sizes.repeat + 1):
        k = rep % len(engines)
        for e in engines[k:] + engines[:k]:
            steps.append(
                (f"W1 {rep}/{sizes.repeat} {e.name}", lambda e=e: res.w1[e.name].append(w1(e, sizes.w1_steps)))
            )
        steps.append((f"W1 {rep}/{sizes.repeat} gc baseline", lambda: res.baseline.append(empty_collect())))
    for rep in range(1, sizes.repeat + 1):
        k = rep % len(engines)
        for e in engines[k:] + engines[:k]:
            steps.append(
                (f"W2 {rep}/{sizes.repeat} {e.name}", lambda e=e: res.w2[e.name].append(w2(e.name, sizes.w2_steps)))
            )
        if AS_WRITTEN in res.w2:  # micrograd's own nn.py on our Value
            steps.append((f"W2 {rep}/{sizes.repeat} {AS_WRITTEN}",
                          lambda: res.w2[AS_WRITTEN].append(w2(AS_WRITTEN, sizes.w2_steps))))  # fmt: skip
    for e in engines:
        res.ladder[e.name] = Ladder()
        for depth in sizes.ladder:
            steps.append((f"depth {depth:,} {e.name}", lambda e=e, d=depth: ladder_step(e, d, res.ladder[e.name])))
    for e in engines:
        if e.tracemalloc_sees_it:
            steps.append(
                (f"W3 {e.name}", lambda e=e: res.traced.update({e.name: traced_bytes_per_op(e, sizes.w3_steps)}))
            )
        else:
            steps.append(
                (f"W3 {e.name} (RSS)", lambda e=e: res.rss.update({e.name: rss_bytes_per_op(e, sizes.w3_steps)}))
            )
    return steps


def ladder_step(engine: Engine, depth: int, ladder: Ladder) -> None:
    """One rung of the ladder; none once the engine has failed, or when the previous rung's time,
    scaled to this depth, is over the budget."""
    if ladder.failed or ladder.skipped:
        return
    if ladder.seconds:
        last = max(ladder.seconds)
        projected = ladder.seconds[last] * depth / last
        if projected > LADDER_BUDGET_S:
            ladder.skipped = f"{depth:,} skipped (projected {projected:.0f} s > {LADDER_BUDGET_S:.0f} s budget)"
            return
    t0 = time.perf_counter()
    error = backward_depth(engine, depth)
    ladder.seconds[depth] = time.perf_counter() - t0
    if error is None:
        ladder.deepest = depth
    else:
        ladder.failed = (depth, error)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, help=f"repetitions (default {FULL.repeat}, {QUICK.repeat} with --quick)")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run with smaller sizes")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["micrograd", "torch"],
        help="leave an engine out (not even imported); may be repeated",
    )
    parser.add_argument(
        "--out", type=Path, help="report file (default results/latest.md, latest-quick.md with --quick)"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.repeat is not None:
        if args.repeat < 1:
            parser.error("--repeat must be at least 1")
        sizes = replace(sizes, repeat=args.repeat)
    gc.enable()  # as users have it (it is on by default; made sure of here)
    started = time.perf_counter()
    engines, skipped = available_engines(skip=set(args.skip))
    if PEER not in [e.name for e in engines]:
        parser.error(f"{PEER} is the reference of every ratio and cannot be left out")
    res = Results(sizes=sizes, w1={e.name: [] for e in engines}, w2={e.name: [] for e in engines})
    if "micrograd" in res.w2:
        res.w2[AS_WRITTEN] = []
    w4_steps, w4_repeat = (2, 2) if args.quick else (5, 3)
    mb_number, mb_repeat = (5_000, 3) if args.quick else (30_000, 7)
    extra: dict = {}
    steps = [
        *plan(engines, res),
        ("W4 (three forms)", lambda: extra.update(w4=w4_bench.measure(w4_bench.forms(), w4_steps, w4_repeat, False))),
        ("microbench", lambda: extra.update(mb=microbench.measure(mb_number, mb_repeat, progress=False))),
    ]
    for label, step in (bar := tqdm(steps, file=sys.stderr, unit="step")):
        bar.set_description(label)
        step()
    lines = [
        *report(engines, res, skipped),
        *w4_bench.report(extra["w4"], w4_steps, w4_repeat),
        *microbench.report(extra["mb"], mb_number, mb_repeat),
        "",
        f"Total runtime: {time.perf_counter() - started:.0f} s.",
    ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    out = args.out or RESULTS / ("latest-quick.md" if args.quick else "latest.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"report written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
