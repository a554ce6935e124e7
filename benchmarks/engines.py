"""The engines the benchmark compares, as a small registry: each entry says how to make a leaf,
how to apply relu and how to run the backward pass, so that every workload is written once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import microgpt_peer

import autodiff

PEER = "microgpt-design"  # the engine every ratio is taken against


@dataclass(frozen=True)
class Engine:
    name: str
    leaf: Callable[[float], Any]  # a leaf holding a float (torch: requires_grad=True)
    relu: Callable[[Any], Any]
    backward: Callable[[Any], None]  # root.backward()
    recursive_sort: bool = False  # topological sort recurses: needs the recursion limit raised
    tracemalloc_sees_it: bool = True  # False when the nodes live in C++ allocations
    # Only for engines that can hand out their topological order and reuse it (ours):
    topological_order: Callable[[Any], list] | None = None
    zero_grad: Callable[[list], None] | None = None
    backward_with_order: Callable[[Any, list], None] | None = None


def _backward(root) -> None:
    root.backward()


def _ours() -> Engine:
    return Engine(
        name="autodiff",
        leaf=autodiff.Value,
        relu=autodiff.Value.relu,
        backward=_backward,
        topological_order=autodiff.topological_order,
        zero_grad=autodiff.zero_grad,
        backward_with_order=lambda root, order: root.backward(order=order),
    )


def _peer() -> Engine:
    value = microgpt_peer.Value
    return Engine(name=PEER, leaf=value, relu=value.relu, backward=_backward, recursive_sort=True)


def _micrograd() -> Engine | str:
    try:
        from micrograd.engine import Value
    except ImportError as exc:
        return f"micrograd skipped: not importable ({exc}); `pip install micrograd==0.1.0`"
    return Engine(name="micrograd", leaf=Value, relu=Value.relu, backward=_backward, recursive_sort=True)


def _torch() -> Engine | str:
    try:
        import torch
    except ImportError as exc:
        return f"torch skipped: not importable ({exc}); `pip install torch`"

    def leaf(x: float):
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    return Engine(name="torch", leaf=leaf, relu=torch.relu, backward=_backward, tracemalloc_sees_it=False)


_MAKERS = {"autodiff": _ours, PEER: _peer, "micrograd": _micrograd, "torch": _torch}


def available_engines(skip: set[str] = frozenset()) -> tuple[list[Engine], list[str]]:
    """The engines that can run here (ours first, then the peer), and a note for each one left out."""
    engines: list[Engine] = []
    notes: list[str] = []
    for name, make in _MAKERS.items():
        if name in skip:
            notes.append(f"{name} skipped: --skip {name}")
            continue
        entry = make()
        if isinstance(entry, Engine):
            engines.append(entry)
        else:
            notes.append(entry)
    return engines, notes
