"""``Module``: the base of every network piece, in PyTorch's habits.

A module owns parameters (``Value`` leaves) and child modules. Parameter names are paths of
attribute names and indices joined by dots, stable from one run to the next, e.g.
``layers.0.neurons.3.w.1`` (layer 0, neuron 3, weight 1) and ``layers.2.neurons.0.b``.
The same path, split at the dots up to the neuron, is the ``autodiff.scope`` of the nodes a module
makes when it is called: ``node.scope == ("layers.0", "neurons.3")``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from autodiff import Value


class Module:
    """Base class: ``parameters()``, ``named_parameters()``, ``zero_grad()``, ``model(x)``.

    Subclasses implement ``forward`` and say what they own through ``named_children()`` (child
    modules) and ``_own_parameters()`` (their own ``Value`` leaves); everything else follows.
    """

    #: this module's place in the tree it was built in, e.g. ("layers.0", "neurons.3"); () for a root
    _path: tuple[str, ...] = ()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``model(x)`` runs ``model.forward(x)``."""
        return self.forward(*args, **kwargs)

    # ---- what a module owns ------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for each direct child, in a fixed order. Names are like ``layers.0``."""
        return iter(())

    def _own_parameters(self) -> Iterator[tuple[str, Value]]:
        """(name, Value) for the parameters this module holds itself (not its children's)."""
        return iter(())

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name relative to this module, children depth first:
        ``[("layers.0.neurons.0.w.0", w), ..., ("layers.0.neurons.0.b", b), ...]``."""
        out: list[tuple[str, Value]] = []
        self._collect("", out)
        return out

    def _collect(self, prefix: str, out: list[tuple[str, Value]]) -> None:
        for name, p in self._own_parameters():
            out.append((prefix + name, p))
        for name, child in self.named_children():
            child._collect(f"{prefix}{name}.", out)

    def parameters(self) -> list[Value]:
        """Every parameter (a list of ``Value`` leaves, in ``named_parameters()`` order)."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        return len(self.named_parameters())

    def zero_grad(self) -> None:
        """Set ``grad = 0.0`` on every parameter (gradients accumulate otherwise, as in PyTorch)."""
        for p in self.parameters():
            p.grad = 0.0

    # ---- names and scopes ----------------------------------------------------------------------
    def _set_path(self, path: tuple[str, ...]) -> None:
        """Record this module's place in the tree (its children follow; the parameters' ``scope``
        too, so a drawing boxes a neuron's weights with the nodes the neuron makes)."""
        self._path = path
        for _, p in self._own_parameters():
            if path:
                p._scope = path
        for name, child in self.named_children():
            child._set_path((*path, name))

    @property
    def name(self) -> str:
        """This module's dotted place in its network (``"layers.1"``), or its class name at the root."""
        return ".".join(self._path) if self._path else type(self).__name__
