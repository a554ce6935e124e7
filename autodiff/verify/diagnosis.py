"""Why a learner's gradient of one node is wrong: the slips of the chain rule, tried one by one.

The learner's value of node v is checked against ∂L/∂v rebuilt from *their own* nearest upstream
values (the nodes they gave between v and the output, the "frontier"):

    G(n) = Σ over n's consumers c of G(c) · ∂c/∂n     (G = the learner's value on the frontier)

so the step at v is judged on its own, whatever came before. The region between v and the
frontier is small; D(p) = ∂p/∂v inside it (forward mode) lets one edge's local derivative be
swapped for another, ``G(v) + G(c)·D(p)·(l' − l)``, without walking paths. Each slip predicts a
value; the first whose prediction agrees with the learner's (to the report's tolerance) names the
slip. The order: the output's seed, the right step from a wrong upstream, the learner's own wrong
local, sign, overwrite and missing paths, chain forgotten, mul's operands swapped, σ vs σ' and the
input for the output, a factor of 2, a wrong local that a round number explains, else nothing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

from ..engine import Value
from ..graph import edges
from ..text.display import eq, fmt, formula
from ..text.slips import (  # the kinds, named in text/slips.py, are read as diagnosis.CHAIN, ...
    CHAIN,
    FACTOR_2,
    FOLLOWS,
    INPUT_FOR_OUTPUT,
    KINDS,
    MISSING_PATH,
    OUTPUT_SEED,
    OVERWRITTEN,
    SIGN,
    SWAPPED,
    UNKNOWN,
    VALUE_FOR_DERIVATIVE,
    WRONG_LOCAL,
    local_suspects,
)
from .local_forms import edge_form

MAX_SUBSETS = 12  # consumers (or frontier nodes) whose subsets are all tried for a missing path


@dataclass
class Diagnosis:
    """The likely slip at ``node``: its ``kind`` (one of ``KINDS``), the ``edge`` (child, parent) it
    lies on when it lies on one, what the slip predicts, the right value, and the right computation."""

    kind: str
    node: Value
    message: str
    right: float  # ∂L/∂node from the learner's upstream values (the engine's when those are right)
    predicted: float | None = None  # what the named slip gives (≈ the learner's value)
    edge: tuple[Value, Value] | None = None
    local: float | None = None  # the local derivative the learner's value implies on ``edge``
    computation: str = ""

    def __str__(self) -> str:
        return f"{self.message}\n  right: {self.computation}" if self.computation else self.message


class Context:
    """What the diagnosis reads: the graph, the learner's values, names and the tolerance."""

    def __init__(self, root: Value, order: list[Value], names: dict[Value, str], given: dict[Value, float],
                 agree: Callable[[float, float], bool], code: bool, hand_local: dict | None = None) -> None:  # fmt: skip
        self.root, self.order, self.names, self.agree, self.code = root, order, names, agree, code
        self.given = dict(given)
        self.seeded = root not in given  # the root's value is the engine's seed, not the learner's
        self.given.setdefault(root, 1.0)  # the backward pass starts from ∂L/∂L = 1
        self.pos = {v: i for i, v in enumerate(order)}
        self.consumers: dict[Value, list[tuple[Value, int, float]]] = {v: [] for v in order}
        for c in order:
            for slot, (p, local) in enumerate(edges(c)):
                self.consumers[p].append((c, slot, local))
        self.hand_local = hand_local or {}


def diagnose(ctx: Context, v: Value, hand: float, engine_right: Callable[[Value], bool]) -> Diagnosis:
    """The slip that explains the learner's ``hand`` value of ``v`` (``engine_right(u)``: did the
    learner get u right?)."""
    n, L = ctx.names, ctx.names[ctx.root]
    if v is ctx.root:
        return Diagnosis(OUTPUT_SEED, v, f"∂{L}/∂{L} = 1: the backward pass starts with {L}.grad = 1, your value is "
                         f"{fmt(hand)}", 1.0, computation=f"∂{L}/∂{L} = 1")  # fmt: skip
    region, frontier = _region(ctx, v)
    G = _upstream(ctx, region, {u: ctx.given[u] for u in frontier})
    D = _within(ctx, v, region)
    right, ok = G[v], ctx.agree
    text = _computation(ctx, v, G)

    def made(kind, message, predicted=None, edge=None, local=None) -> Diagnosis:
        return Diagnosis(kind, v, message, right, predicted, edge, local, text)

    wrong_up = [u for u in frontier if not (u is ctx.root and ctx.seeded) and not engine_right(u)]
    if wrong_up and ok(hand, right):
        return made(FOLLOWS, f"this step is right from your upstream value{'s' if len(wrong_up) > 1 else ''} "
                    f"{', '.join(n[u] for u in wrong_up)}: the mistake is there", right)  # fmt: skip
    edges_in = [(c, slot, p, local) for p in sorted(region, key=ctx.pos.__getitem__) for c, slot, local in ctx.consumers[p]]

    def swapped_to(c, p, local, new) -> float:
        return right + G[c] * D[p] * (new - local)

    for (c, p), mine in ctx.hand_local.items():  # the learner's own local derivative, when they gave one
        if _feeds(ctx, c, p, region):
            total = _edge_local(c, p)
            if not ok(mine, total) and ok(hand, swapped_to(c, p, total, mine)):
                return made(WRONG_LOCAL, f"your local derivative ∂{n[c]}/∂{n[p]} {eq(mine)} is wrong: "
                            f"{_local(c, p, n, total)}", hand, (c, p), mine)  # fmt: skip
    if right and ok(hand, -right):
        return made(SIGN, f"sign flipped: ∂{L}/∂{n[v]} {eq(right)}, your value {fmt(hand)} has the opposite sign",
                    -right)  # fmt: skip
    found = _paths(ctx, v, hand, G, region, frontier)
    if found is not None:
        kind, message, predicted, edge = found
        return made(kind, message, predicted, edge)
    slots = ctx.consumers[v]
    local_only = math.fsum(local for _, _, local in slots)
    only_locals = _upstream(ctx, region, dict.fromkeys(frontier, 1.0))[v]
    for guess in dict.fromkeys((local_only, only_locals)):
        if not ok(guess, right) and ok(hand, guess):
            c = slots[0][0] if len(slots) == 1 else None
            via = f" ∂{n[c]}/∂{n[v]} {eq(guess)}" if c is not None else f" ({fmt(guess)})"
            up = f": multiply it by the upstream ∂{L}/∂{n[c]} {eq(G[c])}" if c is not None else " without their upstream"
            return made(CHAIN, f"chain forgotten: your value is the local derivative{via} alone{up}", guess,
                        (c, v) if c is not None else None)  # fmt: skip
    for c, slot, p, local in edges_in:
        if not G[c] * D[p]:
            continue
        for kind, new, why in _suspects(c, slot, p, local, n):
            if not ok(new, local) and ok(hand, swapped_to(c, p, local, new)):
                return made(kind, why, swapped_to(c, p, local, new), (c, p), new)
    for k in (2.0, 0.5):
        if right and ok(hand, k * right):
            return made(FACTOR_2, f"off by a factor of {'2' if k == 2 else '½'}: ∂{L}/∂{n[v]} {eq(right)}, "
                        f"your value {fmt(hand)} is {'twice' if k == 2 else 'half'} that", k * right)  # fmt: skip
    implied = [(c, slot, p, local, local + (hand - right) / (G[c] * D[p])) for c, slot, p, local in edges_in
               if G[c] * D[p]]  # fmt: skip
    for c, slot, p, local, star in implied:
        new = float(round(star)) if math.isfinite(star) else star
        if math.isfinite(star) and abs(star) >= 0.5 and not ok(new, local) and ok(hand, swapped_to(c, p, local, new)):
            return made(WRONG_LOCAL, f"wrong local derivative on {n[p]} → {n[c]}: {_local(c, p, n, local, slot)}; "
                        f"your value is what ∂{n[c]}/∂{n[p]} {eq(new)} would give "
                        f"({fmt(swapped_to(c, p, local, new))})", swapped_to(c, p, local, new), (c, p), new)  # fmt: skip
    if len(implied) == 1 and math.isfinite(implied[0][4]):
        c, slot, p, local, star = implied[0]
        return made(WRONG_LOCAL, f"the upstream ∂{L}/∂{n[c]} {eq(G[c])} is right, so the local derivative is wrong "
                    f"(or the product miscomputed): {_local(c, p, n, local, slot)}, your value implies "
                    f"{fmt(star)}", hand, (c, p), star)  # fmt: skip
    return made(UNKNOWN, f"no known slip fits your value {fmt(hand)}; ∂{L}/∂{n[v]} {eq(right)}", None)


def _region(ctx: Context, v: Value) -> tuple[set[Value], set[Value]]:
    """The nodes between v and the learner's nearest given values downstream (v included), and those."""
    region, frontier, stack = {v}, set(), [v]
    while stack:
        for c, _, _ in ctx.consumers[stack.pop()]:
            if c in ctx.given:
                frontier.add(c)
            elif c not in region:
                region.add(c)
                stack.append(c)
    return region, frontier


def _upstream(ctx: Context, region: set[Value], seeds: dict[Value, float]) -> dict[Value, float]:
    """G(n) for n in the region: the chain rule from ``seeds`` (frontier values) back to each node."""
    G = dict(seeds)
    for n in sorted(region, key=ctx.pos.__getitem__, reverse=True):
        G[n] = math.fsum(G.get(c, 0.0) * local for c, _, local in ctx.consumers[n])
    return G


def _within(ctx: Context, v: Value, region: set[Value]) -> dict[Value, float]:
    """D(n) = ∂n/∂v for n in the region (forward mode, through region nodes only)."""
    D = {v: 1.0}
    for n in sorted(region - {v}, key=ctx.pos.__getitem__):
        D[n] = math.fsum(local * D[p] for p, local in edges(n) if p in D)
    return D


def _paths(ctx: Context, v: Value, hand: float, G: dict, region: set, frontier: set):
    """Overwritten (code: only the last contribution added survives) or a missing path (a subset of
    the contributions, by consumer of v or by frontier node); None when neither fits."""
    n, ok = ctx.names, ctx.agree
    slots = ctx.consumers[v]
    parts = [((c, slot), G[c] * local) for c, slot, local in slots]
    if len(parts) >= 2:
        last = min(slots, key=lambda s: (ctx.pos[s[0]], -s[1]))  # reversed order: the earliest consumer, its b last
        last_part = G[last[0]] * last[2]
        if ctx.code and ok(hand, last_part) and not ok(last_part, G[v]):
            return (OVERWRITTEN, (f"overwritten instead of accumulated: {n[v]}.grad = ... where += was needed; "
                    f"your value {fmt(hand)} is the last contribution added, through {n[last[0]]}, alone "
                    f"(∂{n[ctx.root]}/∂{n[v]} sums {len(parts)} contributions)"), last_part,
                    next((c, v) for c, slot, _ in slots if (c, slot) != last[:2]))  # the lost edge; fmt: skip
    groups: list[tuple[str, list, float]] = [(n[c] + (f" (input {slot + 1})" if _repeats(c, v) else ""), [(c, v)],
                                              part) for (c, slot), part in parts]  # fmt: skip
    if len(groups) < 2 and len(frontier) >= 2:
        groups = [(n[u], [], _upstream(ctx, region, {u: ctx.given[u]})[v]) for u in sorted(frontier, key=ctx.pos.get)]
    if len(groups) < 2:
        return None
    k = len(groups)
    sizes = range(1, k) if k <= MAX_SUBSETS else (1, k - 1)
    for size in sizes:
        for kept in itertools.combinations(range(k), size):
            predicted = math.fsum(groups[i][2] for i in kept)
            if ok(hand, predicted) and not ok(predicted, G[v]):
                lost = [groups[i] for i in range(k) if i not in kept]
                names = " and ".join(groups[i][0] for i in kept)
                edge = lost[0][1][0] if lost[0][1] else None
                note = ""
                if not ctx.code and size == 1 and groups[kept[0]][1] and groups[kept[0]][1][0][0] is last[0]:
                    note = " (an overwrite, = where += was needed, leaves exactly this one)"
                return (MISSING_PATH, (f"missing path: ∂{n[ctx.root]}/∂{n[v]} sums over {k} paths; you kept only "
                        f"the one{'s' if size > 1 else ''} through {names}{note}; lost: "
                        f"{', '.join(f'the one through {g[0]} ({fmt(g[2])})' for g in lost)}"), predicted, edge)  # fmt: skip
    return None


def _feeds(ctx: Context, c: Value, p: Value, region: set) -> bool:
    """Is p → c an edge between v and the frontier (p in the region, c in it or on the frontier)?"""
    return p in region and any(q is c for q, _, _ in ctx.consumers[p])


def _repeats(c: Value, v: Value) -> bool:
    return sum(1 for p in c.parents if p is v) > 1


def _edge_local(c: Value, p: Value) -> float:
    """∂c/∂p summed over the slots where p is an input of c (x·x: x + x)."""
    return math.fsum(local for q, local in edges(c) if q is p)


def _suspects(c: Value, slot: int, p: Value, local: float, n: dict) -> list[tuple[str, float, str]]:
    """Local derivatives a learner typically puts on the edge p → c instead of the right one
    (``slips.local_suspects``, shared with the page's quiz), each with what it means."""
    row, rule, out_value = c.row, _local(c, p, n, local, slot), c.data
    function = f"{n[c]} = {row.symbol}({n[p]})"
    words = {
        SWAPPED: lambda x: f"{c.rule}'s operands swapped: {rule}; your value uses {n[p]} {eq(x)} itself",
        VALUE_FOR_DERIVATIVE: lambda x: (f"{rule}; your value uses {fmt(x)}, {function} itself: the value where "
                                         "its derivative was needed"),
        INPUT_FOR_OUTPUT: lambda x: (f"{rule} needs the output {function} {eq(out_value)}; your value uses the "
                                     f"input {n[p]} {eq(p.data)} in its place (giving {fmt(x)})"),
    }  # fmt: skip
    return [(kind, x, words[kind](x)) for kind, x in local_suspects(c, p, local)]


def _local(c: Value, p: Value, n: dict, value: float, slot: int | None = None) -> str:
    """The local derivative on p → c in the nodes' own names and in numbers: "∂v1/∂y = 1",
    "∂f/∂z = v1 = 3", "∂f/∂v2 = 1 − f² = 0.7864"."""
    form = _form(c, p, n, slot)
    return f"∂{n[c]}/∂{n[p]} {'= ' + form + ' ' if form else ''}{eq(value)}"


def _form(c: Value, p: Value, n: dict, slot: int | None = None) -> str:
    """∂c/∂p in symbols, by the rules table (``local_forms.edge_form``), "" when it is a plain
    number; ``slot``: that input of c only, else the sum over the slots where p is an input."""
    slots = [slot] if slot is not None else [k for k, q in enumerate(c.parents) if q is p]
    forms = [edge_form(c, k, n) for k in slots]
    return "" if len(forms) == 1 and forms[0].is_number else " + ".join(f.text for f in forms)


def _computation(ctx: Context, v: Value, G: dict) -> str:
    """∂L/∂v = Σ ∂L/∂c · ∂c/∂v in symbols, then in numbers, then the total."""
    n, L = ctx.names, ctx.names[ctx.root]
    slots = ctx.consumers[v]
    if not slots:
        return f"∂{L}/∂{n[v]} = 0 ({n[v]} is not used on the way to {L})"
    def direct(c: Value) -> bool:  # a term ∂L/∂L · ∂L/∂v: written as the local alone
        return c is ctx.root and G[c] == 1.0

    if len(slots) == 1 and direct(slots[0][0]):
        c, _, local = slots[0]
        form = _form(c, v, n)
        return f"∂{L}/∂{n[v]} = ∂({formula(c, n)})/∂{n[v]} {'= ' + form + ' ' if form else ''}{eq(local)}"

    symbols = " + ".join(f"∂{L}/∂{n[v]} (direct)" if direct(c) else f"∂{L}/∂{n[c]} · ∂{n[c]}/∂{n[v]}"
                         for c, _, _ in slots)  # fmt: skip
    numbers = " + ".join(f"({fmt(local)})" if direct(c) else f"({fmt(G[c])}) · ({fmt(local)})" for c, _, local in slots)
    return f"∂{L}/∂{n[v]} = {symbols} = {numbers} {eq(G[v])}"


__all__ = ["KINDS", "Context", "Diagnosis", "diagnose"]
