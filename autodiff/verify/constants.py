"""A VALUE typed as text (``x=-2``, ``y=pi/4``) read as the number it stands for: ``constant``, shared by
the command line and the site's API, and ``UsageError``, the mistake of a value that is not a number."""

from __future__ import annotations

import math
import re

from .expression_text import listing, quoted
from .expressions import parse


class UsageError(ValueError):
    """A mistake in what was given (a command line's argument, a value typed in the site), not in an
    expression itself."""


# a decimal literal as Python reads it (not "01", which Python refuses; "1_0", "0x1" go to the parser)
_PLAIN_NUMBER = re.compile(r"[-+]?(?:(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+|[1-9]\d*|0+)")


def constant(text: str, what: str = "value") -> float:
    """The number a VALUE stands for: a plain decimal number is read by ``float`` (the same
    float as the parser's), anything else is parsed and must use no names."""
    plain = text.strip(" \t\n\r")
    if len(plain) <= 100 and _PLAIN_NUMBER.fullmatch(plain):
        x = float(plain)
        if math.isfinite(x):
            return x
    expr = parse(text)
    if expr.names:
        raise UsageError(f"a {what} must be a number, but {quoted(plain)} uses {listing(expr.names)}")
    return expr.evaluate({}).data
