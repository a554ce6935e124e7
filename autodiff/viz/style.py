"""The look of the drawings: fonts, colours (CS231n's green values and red gradients, fills
by gradient sign and size), the HTML rows of a node's box, the legend, and how text is written
into DOT.

Text policy (every text a user can influence: labels, scope and nn module names, tooltips, the
frames' captions). Every label is an HTML-like label built from ``html_text`` fragments; every
tooltip is a quoted string from ``tooltip``; nothing else carries user text (node ids are
``n0, box1, cluster2``, ...). Both first make the text ``printable``:

- a character ``str.isprintable`` rejects (tab, newline, ``\\r``, NUL and the other control
  characters, zero-width and bidi format characters, lone surrogates, private or unassigned code
  points, spaces other than " ") is written as its Python escape: ``\\t``, ``\\x00``, ``\\u200b``,
  ``\\ud800``; so the drawing shows what is really in the name, and XML/Graphviz never see it;
- a text over its limit (names ``MAX_LABEL``, caption lines ``MAX_CAPTION_LINE``, names in
  tooltips ``MAX_TIP_NAME``, tooltips ``MAX_TOOLTIP`` characters) is cut and ends in "…"
  (Graphviz refuses a string, or a text between two HTML tags, over 16384 characters; and a
  10 000-character box helps no one);
- then ``& < > " '`` become entities (so ``&amp;`` typed by a user shows as ``&amp;``), ``]``
  becomes ``&#93;`` (Graphviz 2.43 rejects the HTML label ``<]>``) and each backslash is doubled
  in labels, written as four ``&#92;`` in tooltips (Graphviz expands ``\\N``, ``\\G``, ... in both,
  and un-escapes tooltips twice).
Non-BMP characters (emoji) and right-to-left scripts are kept as they are.
"""

from __future__ import annotations

import html
import math
import re

FONT = "DejaVu Sans,Helvetica,Arial,Noto Sans CJK SC,Source Han Sans SC,PingFang SC,Microsoft YaHei,sans-serif"  # CJK fallbacks: 中文 names show where such a font exists
DATA_INK, GRAD_INK, MUTED_INK = "#1b6e2a", "#a3161b", "#777777"  # CS231n: values green, gradients red
POSITIVE, NEGATIVE, NEUTRAL = (239, 138, 98), (103, 169, 207), "#f4f4f4"
HIGHLIGHT = "#6a3d9a"


def mix(rgb: tuple[int, int, int], strength: float) -> str:
    """``rgb`` blended with white: strength 0 → white, 1 → the colour itself."""
    r, g, b = (round(255 + (c - 255) * strength) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def fill_colour(g: float, scale: float) -> str:
    """Orange for a positive gradient, blue for a negative one; |g| / scale sets the strength
    (square-root scale, so that small gradients still show)."""
    if not g or not scale or math.isnan(g):
        return NEUTRAL
    if math.isinf(scale):  # an infinite gradient (sqrt at 0) takes the full colour, finite ones none
        t = 1.0 if math.isinf(g) else 0.0
    else:
        t = min(abs(g) / scale, 1.0) ** 0.5
    return mix(POSITIVE if g > 0 else NEGATIVE, 0.12 + 0.5 * t)


def row(text: str, caption: str, *, ink: str, size: int, bold: bool = False, width: int | None = None) -> str:
    """A table row of a box: ``text`` and ``caption`` are HTML fragments (user text through ``html_text``)."""
    body = f"<B>{text}</B>" if bold else text
    cap = f'<FONT POINT-SIZE="8" COLOR="{MUTED_INK}">{caption}</FONT>' if caption else ""
    w = f' WIDTH="{width}"' if width else ""
    return f'<TR><TD{w}>{cap}<FONT POINT-SIZE="{size}" COLOR="{ink}">{body}</FONT></TD></TR>'


def legend(o) -> str:
    """The key (for DrawOptions ``o``): what the box rows, colours, circles and edges mean."""
    pos, neg = fill_colour(1.0, 1.0), fill_colour(-1.0, 1.0)
    weak_pos, weak_neg = fill_colour(0.05, 1.0), fill_colour(-0.05, 1.0)
    lines = [
        '<TR><TD COLSPAN="2" ALIGN="LEFT"><B>key</B></TD></TR>',
        f'<TR><TD ALIGN="LEFT" COLSPAN="2">name = <FONT COLOR="{DATA_INK}">forward value</FONT>'
        + (f', below the line <FONT COLOR="{GRAD_INK}">grad</FONT> = ∂output/∂node' if o.show_grad else "")
        + "</TD></TR>",
    ]
    keyed = o.colouring
    if keyed is not None:
        lines += [f'<TR><TD BGCOLOR="{c}" ALIGN="LEFT" COLSPAN="2">{html_text(text)}</TD></TR>' for c, text in keyed.key]
    elif o.show_grad and o.color:
        lines.append(f'<TR><TD BGCOLOR="{pos}">grad &gt; 0</TD><TD BGCOLOR="{neg}">grad &lt; 0</TD></TR>')
        lines.append(f'<TR><TD BGCOLOR="{weak_pos}">small</TD><TD BGCOLOR="{weak_neg}">small</TD></TR>')
    lines.append('<TR><TD ALIGN="LEFT" COLSPAN="2">circle or oval: operation (gate); dashed box: plain number</TD></TR>')
    if o.show_local:
        lines.append('<TR><TD ALIGN="LEFT" COLSPAN="2">edge: local derivative ∂child/∂parent</TD></TR>')
    lines.append('<TR><TD ALIGN="LEFT" COLSPAN="2">double border: the output</TD></TR>')
    body = "".join(lines)
    return f'<<TABLE BORDER="1" COLOR="#aaaaaa" CELLBORDER="0" CELLSPACING="1" CELLPADDING="2">{body}</TABLE>>'


# ---- text into DOT (the policy is in the module docstring) -------------------------------------------
MAX_LABEL = 60  # characters of a name in a box, cluster title or edge label
MAX_CAPTION_LINE = 200  # characters of a caption line
MAX_TIP_NAME = 200  # characters of a name in a tooltip (the rest of it holds exact numbers)
MAX_TOOLTIP = 600  # even all backslashes (20 characters each in DOT) stay under Graphviz's 16384


def printable(text: str, limit: int | None = None) -> str:
    """``text`` with every character ``str.isprintable`` rejects written as its Python escape
    (``\\t``, ``\\x00``, ``\\u200b``, ``\\ud800``); over ``limit`` characters: cut (never inside an
    escape), ending in "…"."""
    out: list[str] = []
    size = 0
    for c in text:
        piece = c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
        if limit is not None and size + len(piece) > limit:
            while out and size + 1 > limit:
                size -= len(out.pop())
            return "".join(out) + "…"
        out.append(piece)
        size += len(piece)
    return "".join(out)


def short(name: str) -> str:
    """A name as a tooltip holds it: printable, at most ``MAX_TIP_NAME`` characters."""
    return printable(name, MAX_TIP_NAME)


def html_text(text: str, limit: int | None = MAX_LABEL) -> str:
    """``text`` as a fragment of an HTML-like label: printable, entities for ``& < > " ' ]``, and
    backslashes doubled."""
    return html.escape(printable(text, limit), quote=True).replace("]", "&#93;").replace("\\", "\\\\")


def html_label(fragment: str) -> str:
    """An HTML-like label from a fragment (``html_text`` output, or markup made of such pieces)."""
    return f"<{fragment}>"


def text_label(text: str, limit: int | None = MAX_LABEL) -> str:
    """A plain text as an HTML-like label."""
    return html_label(html_text(text, limit))


def tooltip(text: str) -> str:
    """``text`` as a tooltip (a quoted DOT string, which graphviz.Digraph quotes): printable, at
    most ``MAX_TOOLTIP`` characters, entities for ``& < > " '``, each backslash written as four
    ``&#92;`` (entities, not backslashes: graphviz.Digraph's quoting regexes are quadratic in runs
    of backslashes)."""
    return html.escape(printable(text, MAX_TOOLTIP), quote=True).replace("\\", "&#92;" * 4)


_CAPTION_TOKEN = re.compile(r"\\([lnr])|(?:[^\\]+|\\[^lnr]|\\\Z)+", re.DOTALL)  # a line end, or text


def caption_label(caption: str) -> str:
    """A frame's caption (``FrameState.caption``: lines ended by ``\\l``, ``\\n`` or ``\\r`` as in a
    DOT label, a backslash written ``\\\\``) as an HTML-like label, line by line (Graphviz reads an
    HTML string in pieces between tags, each under 16384 characters: lines of any number are fine)."""
    lines: list[tuple[str, str | None]] = []
    line: list[str] = []
    for m in _CAPTION_TOKEN.finditer(caption):
        end = m.group(1)
        if end is None:  # text, in which a backslash escapes the next character
            line.append(m.group(0).replace("\\\\", "\\"))
        else:
            lines.append(("".join(line), {"l": ' ALIGN="LEFT"', "n": "", "r": ' ALIGN="RIGHT"'}[end]))
            line = []
    if line:
        lines.append(("".join(line), None))
    return html_label("".join(html_text(text, MAX_CAPTION_LINE) + ("" if a is None else f"<BR{a}/>") for text, a in lines))
