"""The expression language's checks on the raw text, made before Python's parser sees it: the
length limit, non-ASCII look-alikes and control characters, comments, bracket nesting, and the
split of a long sum into its top-level terms (whose left-deep tree Python's parser cannot build).
Also the language's error type, and the clipping of what a user typed when a message quotes it
(``clip``, ``quoted``, ``listing``): a message stays short whatever the input."""

from __future__ import annotations

import keyword
import re
import unicodedata

MAX_LENGTH = 1_000_000  # characters
MAX_DEPTH = 100  # nested brackets (Python's own parser stops at 200)

_UNWANTED_CHAR = re.compile(r"[^\t\n\r\x20-\x7e]")
_SPLITTABLE = re.compile(r"[A-Za-z0-9_.+\-*/(), ]*")  # texts made only of these may be split into terms
_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.")


SHOWN_CHARS = 40  # of a long name or text quoted in a message
SHOWN_ITEMS = 10  # of a long list of names in a message


def clip(text: str, keep: int = SHOWN_CHARS) -> str:
    """``text``, or, when it is much longer than ``keep``, its first ``keep`` characters and
    "… (N characters)"."""
    return text if len(text) <= keep + 20 else f"{text[:keep]}… ({len(text):,} characters)"


def quoted(text: str, keep: int = SHOWN_CHARS) -> str:
    """``repr(text)``, clipped like ``clip``: ``'abc…' (1,000,000 characters)``."""
    if len(text) <= keep + 20:
        return repr(text)
    head = repr(text[:keep])
    return f"{head[:-1]}…{head[-1]} ({len(text):,} characters)"


def listing(items, shown: int = SHOWN_ITEMS, sep: str = ", ") -> str:
    """``"a, b, c, … (99,997 more)"``: the first ``shown`` items (each clipped), then how many more."""
    items = items if isinstance(items, (list, tuple)) else list(items)
    head = sep.join(clip(str(i)) for i in items[:shown])
    return head if len(items) <= shown else f"{head}{sep}… ({len(items) - shown:,} more)"


class ExpressionError(ValueError):
    """A formula the language does not accept, or cannot evaluate; ``column`` is 1-based (or None)."""

    def __init__(self, message: str, column: int | None = None, text: str | None = None) -> None:
        super().__init__(message)
        self.column = column
        self.text = text


class EvaluationError(ExpressionError):
    """A well-formed formula whose evaluation failed (log of a negative number, x/0, overflow)."""


_NUMBER_THEN_NAME = re.compile(r"(?<![\w.])((?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)([A-Za-z_]\w*)")


def syntax_error(msg: str, col: int, text: str, functions=()) -> ExpressionError:
    """The error for Python's SyntaxError ``msg`` at ``col`` of ``text``, with a hint for the
    learner's habit of implied multiplication (``2x`` → write ``2*x``; ``sin x`` → ``sin(x)``)."""
    if "Exceeds the limit" in msg:
        return ExpressionError(f"number too long at column {col}: more than 4300 digits", col, text)
    if msg == "invalid decimal literal":
        m = next((m for m in _NUMBER_THEN_NAME.finditer(text) if m.start() < col <= m.end()), None)
        if m is not None:
            where, shown = m.start(2) + 1, clip(m.group(2), 20)
            return ExpressionError(f"invalid syntax at column {where}: a number followed by a name; multiplication is "
                                   f"never implied: write {clip(m.group(1), 20)}*{shown}", where, text)  # fmt: skip
    if msg == "invalid syntax" and 0 < col <= len(text):
        ch = text[col - 1]
        why = " (one expression only: no statements)" if ch in ";=" else ""
        before = text[: col - 1].rstrip(" ")
        if (ch.isalnum() or ch in "_(") and before and (before[-1].isalnum() or before[-1] in "_.)"):
            left = "(...)" if before[-1] == ")" else clip(re.split(r"[^\w.]", before)[-1], 20)
            right = clip(re.match(r"\w*", text[col - 1 :]).group() or ch, 20)
            hint = f"call it: {left}({right})" if left in functions else f"multiplication is never implied: write {left}*{right}"
            why = f" ({hint})"
        return ExpressionError(f"invalid syntax at column {col}: unexpected {ch!r}{why}", col, text)
    return ExpressionError(f"invalid syntax at column {col}: {msg}", col, text)


SPACES = str.maketrans("\t\n\r", "   ")  # tabs and newlines read as spaces: the columns stay as they were


def check_characters(text: str) -> None:
    """Refuse over-long text, non-ASCII characters (look-alikes such as ｘ or ×), control characters
    (NUL ...) and comments, naming the column."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression too long: {len(text):,} characters (the limit is {MAX_LENGTH:,})")
    bad = _UNWANTED_CHAR.search(text)
    if bad is None:
        if "#" in text:  # Python would drop the rest of the line silently
            col = text.index("#") + 1
            raise ExpressionError(f"unsupported syntax at column {col}: '#' (comments)", col, text)
        return
    ch, col = bad.group(), bad.start() + 1
    code = f"U+{ord(ch):04X}"
    if ord(ch) < 0x20 or ord(ch) == 0x7F:
        raise ExpressionError(f"control character {code} at column {col}", col, text)
    name = unicodedata.name(ch, "unnamed character")
    raise ExpressionError(
        f"non-ASCII character at column {col}: {code} {name} (write formulas in plain ASCII)", col, text
    )


def top_level_terms(text: str) -> list[tuple[int | None, int, int]] | None:
    """Check bracket nesting; return the sum's top-level terms as (operator index or None, start, end)
    when the text is made only of characters of the language (None otherwise: no splitting)."""
    splittable = _SPLITTABLE.fullmatch(text) is not None
    depth = 0
    terms: list[tuple[int | None, int, int]] = []
    op, start = None, 0
    opened: list[int] = []
    for m in re.finditer(r"[-+()\[\]{}]", text):
        c, i = m.group(), m.start()
        if c in "([{":
            depth += 1
            if splittable:
                opened.append(i)
            if depth > MAX_DEPTH:
                raise ExpressionError(f"nesting too deep at column {i + 1}: more than {MAX_DEPTH} open brackets", i + 1)
        elif c in ")]}":
            depth -= 1
            if splittable:
                if depth < 0:
                    raise ExpressionError(f"unmatched ')' at column {i + 1}", i + 1, text)
                opened.pop()
        elif splittable and depth == 0 and _is_binary(text, i):
            terms.append((op, start, i))
            op, start = i, i + 1
    if splittable and opened:
        raise ExpressionError(f"unclosed '(' at column {opened[-1] + 1}", opened[-1] + 1, text)
    if not splittable:
        return None
    terms.append((op, start, len(text)))
    for op, start, end in terms:
        if not text[start:end].strip():
            where = op + 1 if op is not None else end + 1
            raise ExpressionError(f"missing operand at column {where}: nothing after {text[op]!r}", where, text)
    return terms


def _is_binary(text: str, i: int) -> bool:
    """Is the + or − at ``i`` a binary operator (not a sign, not an exponent's sign as in 1e-5)?"""
    j = i - 1
    while j >= 0 and text[j] == " ":
        j -= 1
    if j < 0:
        return False
    if text[j] == ")":
        return True
    if text[j] not in _WORD_CHARS:
        return False  # after an operator, "(" or ",": a sign
    k = j
    while k > 0 and text[k - 1] in _WORD_CHARS:
        k -= 1
    word = text[k : j + 1]
    if word[0].isdigit() or word[0] == ".":  # a number: 1e-5 keeps its sign, unless hexadecimal
        return not (j == i - 1 and word[-1] in "eE" and not word.lower().startswith("0x"))
    return not keyword.iskeyword(word)  # "else -x", "not -x": a sign
