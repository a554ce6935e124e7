"""The typed quiz of the step-through page: the numbers a learner types at each backward step and,
for each, what the common slips of the chain rule give, with a hint.

At a step that takes node N's complete gradient u = ∂L/∂N to its input P, the learner types three
numbers: the local derivative l = ∂N/∂P (where most slips are), the contribution k = u·l, and
P.grad after the step, b + k (b: P.grad before it). The slips, in the order they are tried:

    local         mul swapped        P itself (for N = P·y, where y was needed)
                  value for deriv.   N = f(P) itself, where f'(P) was needed
                  input for output   the input put where the rule reads the output (σ(z)(1−σ(z)) → z(1−z))
                  sign flipped       −l            factor of 2      2l or l/2
    contribution  chain forgotten    l alone       upstream alone   u alone
                  sign flipped       −k            mul swapped      u·P
    P.grad        overwritten        k alone (P.grad = ... where += was needed; only when b ≠ 0),
                  then b plus each of the contribution's slips

A slip whose value agrees with the right one is left out; the page names the first slip whose value
agrees with the typed one. Agreement, the kinds and the local suspects are ``text/slips.py``'s (as
``check_backward``'s diagnosis); the wording follows the diagnosis's (tests/test_page.py checks
it). Texts are plain (the page writes them with ``textContent``), names through ``style.printable``;
numbers that JSON cannot hold (±inf, nan) are written "inf", "-inf", "nan" (``number``).
"""

from __future__ import annotations

import math

from ..text.display import fmt
from ..text.slips import (
    CHAIN,
    FACTOR_2,
    INPUT_FOR_OUTPUT,
    OVERWRITTEN,
    SIGN,
    SWAPPED,
    UPSTREAM_ALONE,
    VALUE_FOR_DERIVATIVE,
    agrees,
    local_suspects,
)
from .style import MAX_TIP_NAME, printable
from .trace import BackwardTrace, Step

LEADS = {SWAPPED: "mul's operands swapped", OVERWRITTEN: "overwritten instead of accumulated",
         VALUE_FOR_DERIVATIVE: "the value for the derivative", INPUT_FOR_OUTPUT: "the input for the output",
         FACTOR_2: "off by a factor of 2"}  # fmt: skip
BOXES = 3  # per parent: the local derivative, the contribution, the parent's new gradient


def number(x: float) -> float | str:
    """``x`` for JSON: a finite number as it is, ±inf and nan as "inf", "-inf", "nan"."""
    return x if math.isfinite(x) else repr(float(x))


def shown_number(shown: str) -> float:
    """The number the page writes (``fmt``: "≈0.3333", "∞", "-∞", "nan") as a float."""
    return float(shown.lstrip("≈").replace("∞", "inf"))


def step_boxes(trace: BackwardTrace, step: Step) -> list[dict]:
    """The step's boxes, three per parent (``BOXES``: the local derivative, the contribution, the
    parent's new gradient), each ``{"v": right, "shown": the number as drawn, "label": ...,
    "hints": [[slip's value, hint, kind], ...]}``."""
    n, d = trace.names, trace.digits

    def name(v) -> str:
        return printable(n[v], MAX_TIP_NAME)

    def f(x: float) -> str:
        return fmt(x, d)

    L, N, u = name(trace.root), name(step.node), step.upstream
    out = []
    for c in step.contributions:
        P, l, k, b = name(c.parent), c.local, c.contribution, c.before
        local = f"∂{N}/∂{P}"
        suspects = {  # what the local suspects are made of
            SWAPPED: (f"{P} = {f(c.parent.data)} itself", f"{local} of a product is the other factor, {f(l)}"),
            VALUE_FOR_DERIVATIVE: (f"{N} = {f(step.node.data)}, the operation's value",
                                   f"its derivative is needed: {local} = {f(l)}"),
            INPUT_FOR_OUTPUT: (f"the rule with the input {P} = {f(c.parent.data)} in place of the output {N}",
                               f"the rule reads the output {N} = {f(step.node.data)}: {local} = {f(l)}"),
        }  # fmt: skip
        own = [(kind, x, *suspects[kind]) for kind, x in local_suspects(step.node, c.parent, l)]
        own += [(SIGN, -l, f"−{local}", f"{local} is {f(l)}"), (FACTOR_2, 2 * l, f"2 × {f(l)}", f"{local} is {f(l)}"),
                (FACTOR_2, l / 2, f"{f(l)} / 2", f"{local} is {f(l)}")]  # fmt: skip
        out.append(_box(l, f"the local derivative {local}", f(l), _hints(own)))
        slips = [  # (kind, the contribution it gives, what the value is made of, what to do)
            (CHAIN, l, f"the local derivative {local} = {f(l)} alone",
             f"multiply it by the upstream ∂{L}/∂{N} = {f(u)}"),
            (UPSTREAM_ALONE, u, f"the upstream ∂{L}/∂{N} = {f(u)} alone",
             f"multiply it by the local derivative {local} = {f(l)}"),
            (SIGN, -k, f"−({f(u)} × {f(l)})", f"upstream × local is {f(k)}"),
        ]  # fmt: skip
        if step.node.op == "mul":
            slips.append((SWAPPED, u * c.parent.data, f"upstream × {P} = {f(u)} × {f(c.parent.data)}",
                          f"{local} of a product is the other factor, {f(l)}, not {P} itself"))  # fmt: skip
        out.append(_box(k, f"the contribution to {P}.grad", f(k), _hints(slips)))
        lost = (f"{LEADS[OVERWRITTEN]}: {P}.grad = ... where += was needed; your value is this step's "
                f"contribution {f(k)} alone, without the {f(b)} {P}.grad already held")  # fmt: skip
        held = [(OVERWRITTEN, k, lost)] if b else []
        for kind, x, made, fix in slips:
            joined = f"{f(b)} − ({made[2:-1]})" if kind == SIGN else f"{f(b)} + {made}"
            held.append((kind, b + x, f"{LEADS.get(kind, kind)}: your value is {joined if b else made}: {fix}"))
        out.append(_box(c.after, f"{P}.grad after this step", f(c.after), held))
    return out


def _hints(slips: list[tuple[str, float, str, str]]) -> list[tuple[str, float, str]]:
    """(kind, value, what it is made of, what to do) as (kind, value, the hint)."""
    return [(kind, x, f"{LEADS.get(kind, kind)}: your value is {made}: {fix}") for kind, x, made, fix in slips]


def _box(right: float, label: str, shown: str, slips: list[tuple[str, float, str]]) -> dict:
    hints, seen = [], []
    for kind, x, hint in slips:
        if not agrees(x, right) and not any(agrees(x, s) for s in seen):
            hints.append([number(x), hint, kind])
            seen.append(x)
    return {"v": number(right), "shown": number(shown_number(shown)), "label": label, "hints": hints}


__all__ = ["BOXES", "number", "shown_number", "step_boxes"]
