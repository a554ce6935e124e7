"""The options of a drawing and the state of one frame of the backward pass: what ``draw``,
``render`` and the frames share (validated here, so every entry point checks them the same way)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from ..engine import Value
from ..text.display import check_digits
from .clusters import collapse_spec
from .groups import Colouring, group_colours, node_colours

RANKDIRS = ("LR", "TB", "RL", "BT")


class DrawOptions(NamedTuple):
    """The options of ``draw`` (validated); see ``draw`` for their meaning."""

    rankdir: str = "LR"
    show_grad: bool = True
    show_local: bool = False
    color: bool = True
    highlight: frozenset = frozenset()
    legend: bool = False
    digits: int = 4
    collapse: tuple[str, ...] | int = ()
    max_nodes: int | None = 2000
    node_colours: Colouring | None = None  # given as {Value: "#rrggbb"}
    groups: Colouring | None = None  # given as a numpy replay's plan

    @property
    def colouring(self) -> Colouring | None:
        """The fill by a key of the user's (``node_colours`` or ``groups``), instead of by gradient."""
        return self.node_colours or self.groups

    @classmethod
    def make(cls, **options) -> DrawOptions:
        unknown = set(options) - set(cls._fields)
        if unknown:
            known = ", ".join(cls._fields)
            raise TypeError(f"unknown drawing option(s) {', '.join(sorted(unknown))}; the options are: {known}")
        o = dict(options)
        if "rankdir" in o and o["rankdir"] not in RANKDIRS:
            raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {o['rankdir']!r}")
        if "digits" in o:
            check_digits(o["digits"])
        if "highlight" in o:
            o["highlight"] = _values(o["highlight"], "highlight")
        if "collapse" in o:
            o["collapse"] = collapse_spec(o["collapse"])
        if o.get("node_colours") is not None and o.get("groups") is not None:
            raise ValueError("give node_colours or groups, not both (groups colours each node by its group)")
        if o.get("node_colours") is not None:
            o["node_colours"] = node_colours(o["node_colours"])
        if o.get("groups") is not None:
            o["groups"] = group_colours(o["groups"])
        m = o.get("max_nodes", 2000)
        if m is not None and (type(m) is not int or m < 1):
            raise ValueError(f"max_nodes must be a positive int or None (no limit), got {m!r}")
        return cls(**o)


class FrameState(NamedTuple):
    """What a frame of the backward pass shows (used by ``frames.py``): the gradients computed
    so far (nodes missing from ``grads`` show "?"), the node being processed, a caption, and
    the colour scale of the whole pass (so colours do not jump between frames)."""

    grads: Mapping[Value, float]
    current: Value | None = None
    caption: str = ""  # DOT label text: lines end in \l (or \n, \r), a backslash is \\; escaped when drawn
    scale: float | None = None
    width_chars: int = 0  # > 0: every box this many characters wide, so the layout never moves
    active_parents: frozenset = frozenset()
    computed: frozenset | None = None  # forward-pass frames: the nodes computed so far (others show "?"); None: all


def _values(x, what: str) -> frozenset:
    """Values to outline, and (child, parent) pairs of Values whose edge to draw bold; an object
    with a ``highlights()`` method (``check_backward``'s report) gives its own."""
    if isinstance(x, Value):
        return frozenset((x,))
    if callable(getattr(x, "highlights", None)):
        x = x.highlights()
    try:
        items = frozenset(x)
    except TypeError:
        raise TypeError(f"{what} must be a Value or an iterable of Values, got {type(x).__name__}") from None
    bad = [v for v in items if not isinstance(v, Value) and not _edge(v)]
    if bad:
        raise TypeError(f"{what} must hold Values only, got {type(bad[0]).__name__}: {bad[0]!r}")
    return items


def _edge(x) -> bool:
    return type(x) is tuple and len(x) == 2 and all(isinstance(v, Value) for v in x)
