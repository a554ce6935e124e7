"""The results of a run and the plain-text (markdown) report made from them."""

from __future__ import annotations

import gc
import platform
import statistics
import sys
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata

from engines import PEER, Engine
from w2_mlp import w2_report
from workloads import NEEDS_BIG_STACK, OPS_PER_STEP, PEER_RECURSION_LIMIT

OURS = "autodiff"
TARGETS = {"build": 2.5, "build_micrograd": 30.0, "backward": 1.5, "free": 5.0, "bytes": 150.0, "depth": 10**6}


@dataclass(frozen=True)
class Sizes:
    w1_steps: int
    w2_steps: int
    w3_steps: int
    ladder: tuple[int, ...]
    repeat: int
    quick: bool = False


FULL = Sizes(w1_steps=40_000, w2_steps=5, w3_steps=20_000, ladder=(500, 1000, 2000, 10**4, 10**5, 10**6), repeat=5)
QUICK = Sizes(w1_steps=2_000, w2_steps=2, w3_steps=2_000, ladder=(500, 1000, 2000, 10**4), repeat=3, quick=True)


@dataclass
class Ladder:
    """The deepest-chain result of one engine."""

    deepest: int = 0
    failed: tuple[int, str] | None = None
    skipped: str | None = None
    seconds: dict[int, float] = field(default_factory=dict)


@dataclass
class Results:
    sizes: Sizes
    w1: dict[str, list[dict[str, float]]]  # engine -> one dict of seconds per repetition
    baseline: list[float] = field(default_factory=list)  # empty gc.collect() per repetition
    ladder: dict[str, Ladder] = field(default_factory=dict)
    traced: dict[str, float] = field(default_factory=dict)
    rss: dict[str, float | None] = field(default_factory=dict)
    w2: dict[str, list[dict[str, float]]] = field(default_factory=dict)  # engine -> one dict per repetition

    @property
    def w1_ops(self) -> int:
        return self.sizes.w1_steps * OPS_PER_STEP

    def us_per_op(self, name: str, key: str) -> float:
        """Median over repetitions, in µs per op of W1."""
        return statistics.median(r[key] for r in self.w1[name]) / self.w1_ops * 1e6

    def ratio(self, name: str, key: str, ref: str = PEER) -> float:
        """Median over repetitions of ref time / engine time within the same repetition."""
        return statistics.median(a[key] / b[key] for a, b in zip(self.w1[ref], self.w1[name]))


def report(engines: list[Engine], res: Results, skipped: list[str]) -> list[str]:
    w2 = w2_report(res.w2, res.sizes.w2_steps, PEER, OURS) if res.w2 else []
    return header(res.sizes) + table(engines, res) + notes(engines, res, skipped) + targets(engines, res) + w2


def header(sizes: Sizes) -> list[str]:
    versions = []
    for pkg in ("autodiff", "micrograd", "torch"):
        try:
            versions.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{pkg} not installed")
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    return [
        f"# autodiff benchmark — {stamp}" + (" (--quick)" if sizes.quick else ""),
        "",
        f"Python {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}.",
        f"GC on, thresholds {gc.get_threshold()}; {', '.join(versions)}.",
        "",
    ]


def table(engines: list[Engine], res: Results) -> list[str]:
    head = ["engine", "build µs/op", "backward µs/op", "free µs/op", "deepest backward", "bytes/node"]
    head += ["build ×", "backward ×", "free ×"]
    rows = [head, ["---"] * len(head)]
    for e in engines:
        n = e.name
        row = [n, *(f"{res.us_per_op(n, k):.3f}" for k in ("build", "backward", "free"))]
        row += [depth_cell(res.ladder[n]), bytes_cell(res, n)]
        row += [f"{res.ratio(n, k):.2f}×" for k in ("build", "backward", "free")]
        rows.append(row)
    return ["| " + " | ".join(r) + " |" for r in rows]


def depth_cell(ladder: Ladder) -> str:
    cell = f"{ladder.deepest:,}" if ladder.deepest else "none"
    if ladder.failed:
        cell += f" ({ladder.failed[0]:,}: {ladder.failed[1].split(':')[0]})"
    elif ladder.skipped:
        cell += " (next skipped: too slow)"
    return cell


def bytes_cell(res: Results, name: str) -> str:
    if name in res.traced:
        return f"{res.traced[name]:.0f}"
    rss = res.rss.get(name)
    return "n/a" if rss is None else f"n/a (RSS est. ~{rss:.0f})"


def notes(engines: list[Engine], res: Results, skipped: list[str]) -> list[str]:
    names = [e.name for e in engines]
    w3_ops = res.sizes.w3_steps * OPS_PER_STEP
    out = ["", f"W1: {res.w1_ops:,}-op chain, median of {res.sizes.repeat} repetitions, engines interleaved; "]
    out[-1] += f"W3: {w3_ops:,}-op graph of the same pattern under tracemalloc. × = {PEER} time / engine time."
    out += [f"- {s}" for s in skipped]
    recursive = ", ".join(e.name for e in engines if e.recursive_sort)
    out.append(
        f"- Recursion limit raised to {PEER_RECURSION_LIMIT:,} only around the W1 runs of {recursive} (recursive "
        f"topological sorts); everything else, the deepest-chain ladder included, ran at {sys.getrecursionlimit():,}."
    )
    if NEEDS_BIG_STACK:
        out.append("- Big C stack: those W1 runs ran in a thread with a 1 GiB stack (Python < 3.11).")
    else:
        out.append("- Big C stack: not needed on Python >= 3.11 (Python-to-Python calls do not recurse in C).")
    for e in engines:
        ladder = res.ladder[e.name]
        if ladder.failed:
            out.append(f"- {e.name} deepest chain: first failure at {ladder.failed[0]:,}: {ladder.failed[1][:160]}")
        if ladder.skipped:
            out.append(f"- {e.name} deepest chain: {ladder.skipped}")
    finals = [statistics.median(r["result"] for r in res.w1[n]) for n in names]
    spread = max(finals) - min(finals)
    agree = "agrees" if spread < 1e-12 else "DISAGREES"
    out.append(f"- W1's final value {agree} across engines: {min(finals):.15f} (spread {spread:.1e}).")
    base = statistics.median(res.baseline)
    whose = ", mostly torch's" if "torch" in sys.modules else ""
    raw = ", ".join(f"{n} {res.us_per_op(n, 'free_raw'):.3f}" for n in names)
    out.append(
        "- Free = `del` of the graph + the collection work it causes: a full gc.collect() of this process with no "
        f"garbage takes {base * 1e3:.1f} ms ({len(gc.get_objects()):,} tracked objects{whose}) and is subtracted. "
        f"Raw (del + gc.collect()), µs/op: {raw}."
    )
    if "torch" in sys.modules:
        out.append(
            "- Every full collection walks those objects, also the automatic ones during a build (they slow the "
            "pure-Python engines' build and free, not torch's, whose nodes are C++); `--skip torch` runs without them."
        )
    if "torch" in names:
        out.append(
            "- torch: tracemalloc cannot see its C++ allocations, so bytes/node is n/a; the RSS estimate "
            "(resident-set growth while building the W3 graph) is rough."
        )
    return out


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def targets(engines: list[Engine], res: Results) -> list[str]:
    names = [e.name for e in engines]
    out = [
        "",
        "Targets (this run" + (", --quick sizes: a smoke run, not the reference" if res.sizes.quick else "") + "):",
    ]
    if OURS not in names:
        return [*out, f"- n/a: {OURS} did not run"]
    build, back, free = (res.ratio(OURS, k) for k in ("build", "backward", "free"))
    out.append(
        f"- build ≥ {TARGETS['build']}× faster per op than {PEER}: {build:.2f}× — {verdict(build >= TARGETS['build'])}"
    )
    if "micrograd" in names:
        mg = res.ratio(OURS, "build", ref="micrograd")
        out.append(
            f"- build ≥ {TARGETS['build_micrograd']:.0f}× faster than micrograd: {mg:.1f}× — "
            + verdict(mg >= TARGETS["build_micrograd"])
        )
    out.append(f"- backward ≥ {TARGETS['backward']}×: {back:.2f}× — {verdict(back >= TARGETS['backward'])}")
    raw = res.ratio(OURS, "free_raw")
    out.append(
        f"- free ≥ {TARGETS['free']:.0f}×: {free:.2f}× — {verdict(free >= TARGETS['free'])} (raw, with the "
        f"whole-heap collection left in: {raw:.2f}×)"
    )
    if OURS in res.traced:
        b = res.traced[OURS]
        out.append(f"- bytes/node ≤ {TARGETS['bytes']:.0f}: {b:.0f} — {verdict(b <= TARGETS['bytes'])}")
    deepest = res.ladder[OURS].deepest
    tried = max(res.sizes.ladder) >= TARGETS["depth"]
    out.append(
        f"- 10**6-deep backward at the default recursion limit: deepest {deepest:,} — "
        + (verdict(deepest >= TARGETS["depth"]) if tried else "not tried (the --quick ladder stops lower)")
    )
    full, order, reused = (res.us_per_op(OURS, k) for k in ("backward", "order", "reused"))
    out.append(
        f"- Order reuse: topological_order is {order:.3f} µs/op = {order / full:.0%} of backward() ({full:.3f} µs/op); "
        f"backward(order=...) with a reused order takes {reused:.3f} µs/op, {full / reused:.2f}× faster."
    )
    return out
