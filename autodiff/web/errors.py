"""What every answer of the site's API shares: its error (one line, with a caret under the column the
parser names), and numbers as JSON holds them (±inf and nan as the strings "inf", "-inf", "nan")."""

from __future__ import annotations

from ..verify.expressions import ExpressionError
from ..viz.page_hints import number  # ±inf and nan as "inf", "-inf", "nan"

MAX_MESSAGE = 400  # characters of an error message (the parser's own quote what was typed, clipped)
CARET_WINDOW = 80  # characters of a long text shown around the column of an error


class WebError(ValueError):
    """A request the API refuses: ``message`` (one line), and where in which field it went wrong
    (``field`` "expr", "names", "values", ...; ``column`` 1-based in ``text``)."""

    def __init__(self, message: str, *, field: str | None = None, column: int | None = None,
                 text: str | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.field, self.column, self.text = field, column, text


def from_expression(err: ExpressionError, field: str, prefix: str = "") -> WebError:
    """The parser's error as the API's: its message, and its column in the text of ``field``."""
    return WebError(prefix + str(err), field=field, column=err.column, text=err.text)


def one_line(message: str) -> str:
    """A message on one line, at most ``MAX_MESSAGE`` characters."""
    flat = " ".join(str(message).split())
    return flat if len(flat) <= MAX_MESSAGE else flat[: MAX_MESSAGE - 1] + "…"


def caret(column: int, text: str, field: str) -> dict:
    """Where an error is: ``{"field", "column", "text", "marker", "offset"}``: ``text`` is the line
    of the typed text that holds the column (a window of it, when it is long), starting at index
    ``offset`` of the whole text; ``column`` is 1-based in ``text`` and ``marker`` is spaces and a "^"
    under that column (for a <pre> line)."""
    column = min(max(column, 1), len(text) + 1)
    start = text.rfind("\n", 0, column - 1) + 1
    end = text.find("\n", column - 1)
    line = text[start : end if end >= 0 else len(text)]
    at = column - start
    offset = 0
    if len(line) > 2 * CARET_WINDOW:
        offset = max(0, min(at - 1 - CARET_WINDOW // 2, len(line) - CARET_WINDOW))
        line = line[offset : offset + CARET_WINDOW]
    at -= offset
    return {"field": field, "column": at, "text": line, "marker": " " * (at - 1) + "^", "offset": start + offset}


def error_answer(err: BaseException) -> dict:
    """``{"ok": false, "error": one line, "caret": {...}?}`` for a refused request."""
    answer: dict = {"ok": False, "error": one_line(str(err) or type(err).__name__)}
    if isinstance(err, WebError) and err.column is not None and err.text is not None and err.field:
        answer["caret"] = caret(err.column, err.text, err.field)
    return answer


__all__ = ["WebError", "caret", "error_answer", "from_expression", "number", "one_line"]
