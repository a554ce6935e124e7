"""The look of the drawings: fonts, colours (CS231n's green values and red gradients, fills
by gradient sign and size), the HTML rows of a node's box, and the legend."""

from __future__ import annotations

import math

FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
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
    if o.show_grad and o.color:
        lines.append(f'<TR><TD BGCOLOR="{pos}">grad &gt; 0</TD><TD BGCOLOR="{neg}">grad &lt; 0</TD></TR>')
        lines.append(f'<TR><TD BGCOLOR="{weak_pos}">small</TD><TD BGCOLOR="{weak_neg}">small</TD></TR>')
    lines.append('<TR><TD ALIGN="LEFT" COLSPAN="2">circle or oval: operation (gate); dashed box: plain number</TD></TR>')
    if o.show_local:
        lines.append('<TR><TD ALIGN="LEFT" COLSPAN="2">edge: local derivative ∂child/∂parent</TD></TR>')
    lines.append('<TR><TD ALIGN="LEFT" COLSPAN="2">double border: the output</TD></TR>')
    body = "".join(lines)
    return f'<<TABLE BORDER="1" COLOR="#aaaaaa" CELLBORDER="0" CELLSPACING="1" CELLPADDING="2">{body}</TABLE>>'
