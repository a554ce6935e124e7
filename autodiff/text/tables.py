"""Plain-text and HTML tables for the reports of ``check.py`` (one format, two renderings)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence


def number(x: float | None, digits: int = 10) -> str:
    """A float to ``digits`` significant digits; blank for None."""
    if x is None:
        return ""
    if not math.isfinite(x):
        return str(x)
    return f"{x:.{digits}g}"


def error(x: float | None) -> str:
    return "" if x is None else ("inf" if x == math.inf else f"{x:.1e}")


def point(values: dict[str, float]) -> str:
    """``x = 0.3, y = -1.25`` (six significant digits: the report keeps the exact numbers)."""
    return ", ".join(f"{k} = {v:.6g}" for k, v in values.items())


def text_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, a rule under the header."""
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*head).rstrip(), "  ".join("-" * w for w in widths)]
    out += [line.format(*r).rstrip() for r in rows]
    return "\n".join(out)


def html_table(title: str, head: Sequence[str], rows: Sequence[Sequence[str]], bad: Sequence[bool],
               footer: str = "") -> str:  # fmt: skip
    """An HTML table for Jupyter; rows flagged in ``bad`` are tinted red."""
    esc = html.escape
    cells = "".join(f"<th style='text-align:left'>{esc(h)}</th>" for h in head)
    body = []
    for r, is_bad in zip(rows, bad):
        style = " style='background:#fde2e1'" if is_bad else ""
        body.append(f"<tr{style}>" + "".join(f"<td style='text-align:left'>{esc(c)}</td>" for c in r) + "</tr>")
    foot = f"<p>{esc(footer)}</p>" if footer else ""
    return f"<div><p><b>{esc(title)}</b></p><table><tr>{cells}</tr>{''.join(body)}</table>{foot}</div>"
