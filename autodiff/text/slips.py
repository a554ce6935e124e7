"""The chain rule's common slips, named once: the kinds ``check_backward``'s diagnosis gives and the
step-through page's typed quiz shows, when a learner's number counts as right, and the local
derivatives a learner typically writes instead of the right one (``local_suspects``)."""

from __future__ import annotations

import math

from ..rules import Unary

RTOL, ATOL = 1e-3, 0.0  # a learner's number agrees when |mine − right| ≤ ATOL + RTOL·|right|

OUTPUT_SEED = "output seed"
FOLLOWS = "follows upstream"
WRONG_LOCAL = "wrong local"
SIGN = "sign flipped"
OVERWRITTEN = "overwritten"
MISSING_PATH = "missing path"
CHAIN = "chain forgotten"
SWAPPED = "mul swapped"
VALUE_FOR_DERIVATIVE = "value for derivative"
INPUT_FOR_OUTPUT = "input for output"
FACTOR_2 = "factor of 2"
UNKNOWN = "no known slip"
UPSTREAM_ALONE = "upstream alone"  # (the page's: check_backward reads whole gradients, not products)
KINDS = (OUTPUT_SEED, FOLLOWS, WRONG_LOCAL, SIGN, OVERWRITTEN, MISSING_PATH, CHAIN, SWAPPED, VALUE_FOR_DERIVATIVE,
         INPUT_FOR_OUTPUT, FACTOR_2, UNKNOWN)  # fmt: skip


def agrees(mine: float, right: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """|mine − right| ≤ atol + rtol·|right|; an infinite value agrees with the same infinity only."""
    if not (math.isfinite(mine) and math.isfinite(right)):
        return mine == right
    return abs(mine - right) <= atol + rtol * abs(right)


def local_suspects(node, parent, local: float) -> list[tuple[str, float]]:
    """The numbers a learner typically writes for the local derivative ∂node/∂parent = ``local``, each
    with its slip: a product's operands swapped (``parent`` itself where the other factor was needed),
    a unary operation's value f(x) where f'(x) was needed, and the input x put where the rule reads
    the output (σ(z)(1 − σ(z)) → z(1 − z)). A suspect equal to ``local`` is left out."""
    out: list[tuple[str, float]] = []
    row, op = node.row, node.rule
    if op in ("mul", "dot") and parent.data != local:
        out.append((SWAPPED, parent.data))
    if isinstance(row, Unary) and op != "neg":
        x, value = parent.data, node.data
        if not math.isclose(value, local, rel_tol=1e-12):
            out.append((VALUE_FOR_DERIVATIVE, value))
        try:
            mixed = row.local(x, x)
        except (ArithmeticError, ValueError):
            mixed = None
        if mixed is not None and math.isfinite(mixed) and not math.isclose(mixed, local, rel_tol=1e-9):
            out.append((INPUT_FOR_OUTPUT, mixed))
    return out
