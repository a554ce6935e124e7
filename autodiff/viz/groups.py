"""Colouring a drawing by a key of your own instead of by the gradient: ``draw(root, node_colours={v:
"#8dd3c7", ...})``, or ``draw(root, groups=step.plan)`` to colour each node by the batched group a numpy
replay runs it in (``autodiff.compile(..., backend="numpy")``: nodes of one colour are one array
operation). The plan is read only through its public fields (``.groups``, each with ``.index``,
``.op``, ``.size``, ``.nodes``). Colours are checked (``#rrggbb``), so no text reaches DOT from here
unescaped: a group's caption goes through ``style.html_text`` where it is drawn."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from ..engine import Value

#: twelve pale colours that tell apart next to each other (ColorBrewer's Set3); group k takes k mod 12
PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
           "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f")  # fmt: skip
MAX_KEY_ROWS = 16  # groups listed in the legend; more are summed up in one row
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


class Colouring(NamedTuple):
    """What a drawing fills each box with, a small caption per box, and the key's rows (colour, text)."""

    colours: Mapping[Value, str]
    captions: Mapping[Value, str]
    key: tuple[tuple[str, str], ...] = ()


def node_colours(mapping: object) -> Colouring:
    """A checked ``{Value: "#rrggbb"}`` mapping (the boxes not in it are drawn unfilled)."""
    if not isinstance(mapping, Mapping):
        raise TypeError(f"node_colours must be a dict {{Value: '#rrggbb'}}, got {type(mapping).__name__}")
    for v, c in mapping.items():
        if not isinstance(v, Value):
            raise TypeError(f"node_colours' keys must be Values, got {type(v).__name__}: {v!r}"[:200])
        if not isinstance(c, str) or not _COLOUR.fullmatch(c):
            raise ValueError(f"node_colours: a colour is written '#rrggbb' (six hex digits), got {c!r}"[:200])
    return Colouring(dict(mapping), {})


def group_colours(plan: object) -> Colouring:
    """Each node of ``plan``'s groups coloured by its group (``PALETTE[index % 12]``), captioned
    "group k", and one key row per group: "group k: op × size"."""
    groups = getattr(plan, "groups", None)
    if groups is None:
        raise TypeError(f"groups must be a replay's plan (autodiff.compile(..., backend='numpy').plan), "
                        f"got {type(plan).__name__}")  # fmt: skip
    colours: dict[Value, str] = {}
    captions: dict[Value, str] = {}
    key = []
    for g in groups:
        colour = PALETTE[g.index % len(PALETTE)]
        for v in g.nodes:
            colours[v] = colour
            captions[v] = f"group {g.index}"
        key.append((colour, f"group {g.index}: {g.op} × {g.size}"))
    if len(key) > MAX_KEY_ROWS:
        key[MAX_KEY_ROWS - 1 :] = [("#ffffff", f"… {len(key) - MAX_KEY_ROWS + 1} more groups")]
    return Colouring(colours, captions, tuple(key))
