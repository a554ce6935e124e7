"""The chain rule's common slips, named once: the kinds ``check_backward``'s diagnosis gives and the
step-through page's typed quiz shows, and when a learner's number counts as right."""

from __future__ import annotations

import math

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
