"""Per-operation microbench: ns per operation for the microgpt-design peer and autodiff, collector off.

    .venv/bin/python benchmarks/microbench.py [--number 200000] [--repeat 7]

Each operation runs ``number`` times per timing (``timeit``, which turns the collector off; this
thread's CPU time, so that other processes on a shared machine count less) on the
operands a = 1.3, b = 0.7 (Values; 3.0 a plain number); timings of the two engines alternate, and the
best of ``repeat`` is kept. × = peer ns / autodiff ns (> 1: autodiff faster). The issue's targets: every
operation ≥ 1×, and ``**`` with a number exponent, exp, log, tanh ≥ 1.3×.
"""

from __future__ import annotations

import argparse
import sys
import time
import timeit

import microgpt_peer
from tqdm import tqdm

import autodiff

OPS = ["a * b", "a + b", "a - b", "a * 3.0", "a + 3.0", "3.0 * a", "3.0 + a", "a - 3.0", "3.0 - a", "-a", "a / b",
       "a / 3.0", "3.0 / a", "a ** 2", "a ** 0.5", "a ** -0.5", "a ** -1", "a ** 3", "a.exp()", "a.log()", "a.tanh()",
       "a.relu()", "a.sigmoid()"]  # fmt: skip
FAST = {"a ** 2", "a ** 0.5", "a ** -0.5", "a ** -1", "a ** 3", "a.exp()", "a.log()", "a.tanh()"}  # ≥ 1.3×
ENGINES = {"microgpt-design": microgpt_peer.Value, "autodiff": autodiff.Value}


def ns_per_op(Value, stmt: str, number: int) -> float:
    timer = timeit.Timer(stmt, globals={"a": Value(1.3), "b": Value(0.7)}, timer=time.thread_time)
    return timer.timeit(number) / number * 1e9


def measure(number: int, repeat: int, progress: bool = True, ops: list[str] = OPS) -> dict[str, dict[str, float]]:
    """op -> engine -> best ns/op (the engines alternate, the loop's own cost is subtracted)."""
    best = {op: dict.fromkeys(ENGINES, float("inf")) for op in ops}
    empty = min(timeit.Timer("a", globals={"a": 1.3}, timer=time.thread_time).repeat(repeat, number)) / number * 1e9
    for _ in tqdm(range(repeat), desc="microbench", file=sys.stderr, disable=not progress):
        for op in ops:
            for name, Value in ENGINES.items():
                best[op][name] = min(best[op][name], ns_per_op(Value, op, number) - empty)
    return best


def report(best: dict[str, dict[str, float]], number: int, repeat: int) -> list[str]:
    rows = [["operation", "peer ns/op", "autodiff ns/op", "×", "target", ""], ["---"] * 6]
    for op, t in best.items():
        ratio = t["microgpt-design"] / t["autodiff"]
        target = 1.3 if op in FAST else 1.0
        rows.append([f"`{op}`", f"{t['microgpt-design']:.0f}", f"{t['autodiff']:.0f}", f"{ratio:.2f}×",
                     f"≥ {target}×", "met" if ratio >= target else "NOT MET"])  # fmt: skip
    return [
        "",
        f"## Per operation, collector off (best of {repeat} × {number:,}; a = 1.3, b = 0.7 Values)",
        "",
        *("| " + " | ".join(r) + " |" for r in rows),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--number", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--ops", nargs="+", choices=OPS, metavar="OP", help="only these operations (as listed)")
    args = parser.parse_args(argv)
    best = measure(args.number, args.repeat, ops=args.ops or OPS)
    print("\n".join(report(best, args.number, args.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
