"""Output on a terminal that cannot show Unicode (``PYTHONIOENCODING=ascii``, an old code page).

The command writes ∂, ×, σ, ✓ ... freely; when standard output or error cannot encode them,
``ascii_fallback()`` sets the stream's error handler to one that writes each such character as its
ASCII spelling from ``ASCII`` (∂ → d, × → *, σ → sigmoid, ✓ → ok, ✗ → FAIL, − → -) and any other as
a ``\\uXXXX`` escape, so the command never stops halfway with UnicodeEncodeError. One handler for
every print, argparse's help and messages included; a terminal that shows Unicode is left alone.
"""

from __future__ import annotations

import codecs
import sys
from collections.abc import Iterator
from contextlib import contextmanager

ASCII: dict[str, str] = {
    "∂": "d", "−": "-", "×": "*", "·": "*", "÷": "/", "→": "->", "←": "<-", "↦": "|->", "…": "...",
    "≤": "<=", "≥": ">=", "≈": "~", "≠": "!=", "±": "+-", "∞": "inf", "√": "sqrt", "Σ": "sum", "∈": "in",
    "σ": "sigmoid", "δ": "delta", "ε": "eps", "η": "eta", "λ": "lambda", "μ": "mu", "α": "alpha",
    "β": "beta", "γ": "gamma", "π": "pi", "θ": "theta",
    "✓": "ok", "✗": "FAIL", "▶": ">", "◀": "<", "–": "-", "—": "--", "‘": "'", "’": "'", "“": '"', "”": '"',
    "²": "^2", "³": "^3", "ˣ": "^x", "ᵗ": "^T", "⁻": "^-", "⁺": "^+", "½": "1/2",
    "ᵢ": "_i", "ⱼ": "_j", "ₖ": "_k", "ₙ": "_n", **{chr(0x2080 + d): f"_{d}" for d in range(10)},
    "ŷ": "y_hat", "§": "section ", "三": "3", "四": "4",
}  # fmt: skip
HANDLER = "autodiff-ascii"
_SAMPLE = "".join(ASCII)


def _transliterate(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeEncodeError):
        raise err
    text = err.object[err.start : err.end]
    return "".join(ASCII.get(c) or c.encode("ascii", "backslashreplace").decode() for c in text), err.end


codecs.register_error(HANDLER, _transliterate)


def shows_unicode(stream) -> bool:
    """Can ``stream`` encode the command's symbols (∂ × σ ✓ ...)? True for a str buffer."""
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return True
    try:
        _SAMPLE.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


@contextmanager
def ascii_fallback() -> Iterator[None]:
    """While it is open, standard output and error write what they cannot encode in ASCII."""
    changed = []
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure") and not shows_unicode(stream):
            changed.append((stream, stream.errors))
            stream.reconfigure(errors=HANDLER)
    try:
        yield
    finally:
        for stream, errors in changed:
            try:
                stream.reconfigure(errors=errors)
            except (OSError, ValueError):  # closed, or a broken pipe on the flush: nothing to restore
                pass
