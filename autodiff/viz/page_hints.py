"""The typed quiz of the step-through page: the numbers a learner types at each backward step and,
for each, what the common slips of the chain rule give, with a hint.

At a step that takes node N's complete gradient u = ∂L/∂N to its input P (local l = ∂N/∂P), the
learner types two numbers: the contribution k = u·l, and P.grad after the step, b + k (b: P.grad
before it). The slips, in the order they are tried:

    chain forgotten   l alone                   upstream alone   u alone
    sign flipped      −k                        mul swapped      u·P (for N = P·y, where y was needed)
    overwritten       k alone in P.grad (P.grad = ... where += was needed; only when b ≠ 0)

(P.grad's box: b plus the contribution's slip). A slip whose value agrees with the right one is
left out; the page names the first slip whose value agrees with the typed one. Agreement is
``check_backward``'s and the kinds are its diagnosis's (both in ``text/slips.py``); the wording
follows the diagnosis's (tests/test_page.py checks it), and "upstream alone" is the page's own.
Texts are plain (the page writes them with ``textContent``), names through ``style.printable``.
"""

from __future__ import annotations

from ..text.display import fmt
from ..text.slips import CHAIN, OVERWRITTEN, SIGN, SWAPPED, UPSTREAM_ALONE, agrees
from .style import MAX_TIP_NAME, printable
from .trace import BackwardTrace, Step

LEADS = {SWAPPED: "mul's operands swapped", OVERWRITTEN: "overwritten instead of accumulated"}


def step_boxes(trace: BackwardTrace, step: Step) -> list[dict]:
    """The step's boxes, two per parent (the contribution, then the parent's new gradient), each
    ``{"v": right, "shown": the number as drawn, "label": ..., "hints": [[slip's value, hint, kind], ...]}``."""
    n, d = trace.names, trace.digits

    def name(v) -> str:
        return printable(n[v], MAX_TIP_NAME)

    def f(x: float) -> str:
        return fmt(x, d)

    L, N, u = name(trace.root), name(step.node), step.upstream
    out = []
    for c in step.contributions:
        P, l, k, b = name(c.parent), c.local, c.contribution, c.before
        slips = [  # (kind, the contribution it gives, what the value is made of, what to do)
            (CHAIN, l, f"the local derivative ∂{N}/∂{P} = {f(l)} alone",
             f"multiply it by the upstream ∂{L}/∂{N} = {f(u)}"),
            (UPSTREAM_ALONE, u, f"the upstream ∂{L}/∂{N} = {f(u)} alone",
             f"multiply it by the local derivative ∂{N}/∂{P} = {f(l)}"),
            (SIGN, -k, f"−({f(u)} × {f(l)})", f"upstream × local is {f(k)}"),
        ]  # fmt: skip
        if step.node.op == "mul":
            slips.append((SWAPPED, u * c.parent.data, f"upstream × {P} = {f(u)} × {f(c.parent.data)}",
                          f"∂{N}/∂{P} of a product is the other factor, {f(l)}, not {P} itself"))  # fmt: skip
        mine = [(kind, x, f"{LEADS.get(kind, kind)}: your value is {made}: {fix}") for kind, x, made, fix in slips]
        out.append(_box(k, f"the contribution to {P}.grad", f(k), mine))
        lost = (f"{LEADS[OVERWRITTEN]}: {P}.grad = ... where += was needed; your value is this step's "
                f"contribution {f(k)} alone, without the {f(b)} {P}.grad already held")  # fmt: skip
        held = [(OVERWRITTEN, k, lost)] if b else []
        for kind, x, made, fix in slips:
            joined = f"{f(b)} − ({made[2:-1]})" if kind == SIGN else f"{f(b)} + {made}"
            held.append((kind, b + x, f"{LEADS.get(kind, kind)}: your value is {joined if b else made}: {fix}"))
        out.append(_box(c.after, f"{P}.grad after this step", f(c.after), held))
    return out


def _box(right: float, label: str, shown: str, slips: list[tuple[str, float, str]]) -> dict:
    hints, seen = [], []
    for kind, x, hint in slips:
        if not agrees(x, right) and not any(agrees(x, s) for s in seen):
            hints.append([x, hint, kind])
            seen.append(x)
    return {"v": right, "shown": float(shown.lstrip("≈")), "label": label, "hints": hints}


__all__ = ["step_boxes"]
