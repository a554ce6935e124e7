"""A/B of two versions of autodiff on W1 (the 200,000-op chain): build and backward µs/op.

    .venv/bin/python benchmarks/ab.py REV_A [REV_B] [--runs 9] [--steps 40000]

REV_A and REV_B are git revisions (REV_B defaults to the working tree). Each run starts a fresh
process per version, alternating A, B, B, A, ... so that drift on a shared machine hits both alike;
the garbage collector stays on. Prints the medians and the ratio B / A per phase (< 1: B faster).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import gc, json, sys, time
import autodiff
from autodiff import Value
steps = int(sys.argv[1])
gc.collect()
t0 = time.perf_counter()
x = leaf = Value(0.5)
relu = Value.relu
for _ in range(steps):          # W1's pattern: *const, *node, +node, +const, relu
    y = x * -0.5
    y = y * x
    y = y + x
    y = y + 0.25
    x = relu(y)
t1 = time.perf_counter()
x.backward()
t2 = time.perf_counter()
ops = 5 * steps
print(json.dumps({"build": (t1 - t0) / ops * 1e6, "backward": (t2 - t1) / ops * 1e6,
                  "value": x.data, "grad": leaf.grad, "file": autodiff.__file__}))
"""


def checkout(rev: str, where: Path) -> Path:
    """A detached worktree of ``rev`` (the working tree itself for ``None``)."""
    path = where / rev.replace("/", "_")
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(path), rev],
                   check=True, capture_output=True)  # fmt: skip
    return path


def probe(tree: Path, steps: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, "-c", PROBE, str(steps)], env=env, check=True,
                         capture_output=True, text=True, cwd=tree).stdout  # fmt: skip
    result = json.loads(out)
    if not result["file"].startswith(str(tree)):
        raise SystemExit(f"ab: the probe imported {result['file']}, not the tree {tree}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="git revision A (the baseline)")
    parser.add_argument("b", nargs="?", help="git revision B (default: the working tree)")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--steps", type=int, default=40_000, help="W1 steps (5 ops each)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="autodiff-ab-") as tmp:
        trees = {"A": checkout(args.a, Path(tmp)), "B": checkout(args.b, Path(tmp)) if args.b else ROOT}
        results: dict[str, list[dict]] = {"A": [], "B": []}
        order = []
        for i in range(args.runs):
            order += ["A", "B"] if i % 2 == 0 else ["B", "A"]
        for side in tqdm(order, desc="A/B runs", file=sys.stderr):
            results[side].append(probe(trees[side], args.steps))
        for side in ("A", "B"):
            if trees[side] != ROOT:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(trees[side])],
                               capture_output=True, check=False)  # fmt: skip
    values = {r["value"] for side in results.values() for r in side}
    print(f"W1, {args.steps * 5:,} ops, {args.runs} fresh processes per side, alternating, GC on")
    print(f"A = {args.a}, B = {args.b or 'working tree'}; final values agree: {len(values) == 1}")
    print("| phase | A µs/op | B µs/op | B / A |")
    print("| --- | --- | --- | --- |")
    for phase in ("build", "backward"):
        a = statistics.median(r[phase] for r in results["A"])
        b = statistics.median(r[phase] for r in results["B"])
        print(f"| {phase} | {a:.3f} | {b:.3f} | {b / a:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
