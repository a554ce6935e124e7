"""Scopes as clusters, and collapsing them: which Values ``draw(..., collapse=...)`` folds into
one box. A spec is a depth (1 = every top-level scope) or scope names: a full dotted path
("layers.0.neurons.3"), a last name ("layers.0"), a name prefix ("neurons" matches every
"neurons.j") or a glob, matched against the dotted path or the last name ("layers.*",
"neuron*"). The outermost matching scope wins."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..engine import Value


def collapse_spec(spec) -> tuple[str, ...] | int:
    if spec is None:
        return ()
    if isinstance(spec, bool):
        raise TypeError("collapse must be a depth (int >= 1) or scope names, got a bool")
    if isinstance(spec, int):
        if spec < 1:
            raise ValueError(f"collapse depth must be >= 1 (1 boxes every top-level scope), got {spec}")
        return spec
    if isinstance(spec, str):
        spec = (spec,)
    try:
        names = tuple(spec)
    except TypeError:
        raise TypeError(f"collapse must be a depth or scope names, got {type(spec).__name__}") from None
    for n in names:
        if not isinstance(n, str) or not n:
            raise TypeError(f"collapse scope names must be non-empty strings, got {n!r}")
    return names


def boxes(order: list[Value], spec) -> dict[Value, tuple[str, ...]]:
    """Each collapsed Value's box: the outermost scope prefix that ``spec`` names."""
    if not spec:
        return {}
    memo: dict[tuple[str, ...], tuple[str, ...] | None] = {}
    boxes = {}
    for v in order:
        s = v.scope
        if not s:
            continue
        if s not in memo:
            memo[s] = box_of(s, spec)
        if memo[s] is not None:
            boxes[v] = memo[s]
    return boxes


def box_of(scope: tuple[str, ...], spec) -> tuple[str, ...] | None:
    if isinstance(spec, int):
        return scope[:spec] if len(scope) >= spec else None
    from fnmatch import fnmatchcase

    for k in range(1, len(scope) + 1):
        path = scope[:k]
        dotted, last = ".".join(path), path[-1]
        for p in spec:
            if p in (dotted, last) or last.startswith(p + ".") or fnmatchcase(dotted, p) or fnmatchcase(last, p):
                return path
    return None


def module_order(order: list[Value]) -> dict[tuple[str, ...], int]:
    """Each scope path (and every prefix of one) numbered by the first operation computed in it,
    then by its first node (a scope of parameters only): the order the modules ran in ("layers.0"
    before "layers.1", "neurons.2" after "neurons.1", "neurons.10" after "neurons.9"). Clusters and
    collapsed boxes are drawn in this order, top to bottom."""
    rank: dict[tuple[str, ...], int] = {}
    for v in [v for v in order if not v.is_leaf] + order:
        s = v.scope
        if s and s not in rank:
            for k in range(1, len(s) + 1):
                rank.setdefault(s[:k], len(rank))
    return rank
