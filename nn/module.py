"""``Module``: the base of every network piece, in PyTorch's habits.

A module owns parameters (``Value`` leaves) and child modules. Parameter names are paths of
attribute names and indices joined by dots, stable from one run to the next, e.g.
``layers.0.neurons.3.w.1`` (layer 0, neuron 3, weight 1) and ``layers.2.neurons.0.b``.
The same path, split at the dots up to the neuron, is the ``autodiff.scope`` of the nodes a module
makes when it is called: ``node.scope == ("layers.0", "neurons.3")``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from numbers import Real
from typing import Any, NamedTuple

from autodiff import Value


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(..., strict=False)`` did not match, as PyTorch's ``_IncompatibleKeys``."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"IncompatibleKeys(missing_keys={self.missing_keys!r}, unexpected_keys={self.unexpected_keys!r})"

    __str__ = __repr__


class Module:
    """Base class: ``parameters()``, ``named_parameters()``, ``zero_grad()``, ``model(x)``,
    ``state_dict()`` / ``load_state_dict()``.

    Subclasses implement ``forward`` and say what they own through ``named_children()`` (child
    modules) and ``_own_parameters()`` (their own ``Value`` leaves); everything else follows.
    ``copy.deepcopy`` and ``pickle`` copy a module without the graph of its latest call: the
    attributes named in ``_last_call`` (a neuron's ``z`` and ``out``) come back as None.
    """

    #: this module's place in the tree it was built in, e.g. ("layers.0", "neurons.3"); () for a root
    _path: tuple[str, ...] = ()
    #: attributes that hold the nodes of the latest call: left out of copies and pickles
    _last_call: tuple[str, ...] = ()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for name in self._last_call:
            if name in state:
                state[name] = None
        return state

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

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Set ``grad = 0.0`` on every parameter (gradients accumulate otherwise, as in PyTorch);
        ``set_to_none=True``: None, "no gradient yet" (``backward()`` fills it, optimizers skip it)."""
        empty = None if set_to_none else 0.0
        for p in self.parameters():
            p.grad = empty

    # ---- saving and loading -------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, float]:
        """Parameter name → value, in ``named_parameters()`` order, as plain floats (so
        ``json.dumps(model.state_dict())`` works and loads back exactly)."""
        return OrderedDict((name, p.data) for name, p in self.named_parameters())

    def load_state_dict(self, state_dict: Mapping[str, float], strict: bool = True) -> IncompatibleKeys:
        """Set each parameter's value from ``state_dict`` (name → number), as PyTorch's.

        strict: every parameter named, nothing else, or a RuntimeError listing the missing and
        unexpected keys; strict=False loads the keys that match and returns the others as
        ``IncompatibleKeys(missing_keys, unexpected_keys)``. A value that is not a finite number is a
        TypeError or ValueError naming its key. Nothing is changed when an error is raised; the
        gradients are left as they are."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state_dict]
        unexpected = [key for key in state_dict if key not in params]
        if strict and (missing or unexpected):
            errors = [f"Error(s) in loading state_dict for {type(self).__name__}:"]
            for what, keys in (("Missing", missing), ("Unexpected", unexpected)):
                if keys:
                    listed = ", ".join(f'"{k}"' for k in keys)
                    errors.append(f"\t{what} key(s) in state_dict: {listed}.")
            raise RuntimeError("\n".join(errors))
        values = [(params[key], _state_value(state_dict[key], key)) for key in state_dict if key in params]
        for p, x in values:
            p.data = x
        return IncompatibleKeys(missing, unexpected)

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


def _state_value(x: Any, key: str) -> float:
    """A state_dict entry as a float: a finite real number (not a bool), else an error naming ``key``."""
    if isinstance(x, bool) or not isinstance(x, Real):
        hint = " (a parameter holds one number)" if isinstance(x, (list, tuple)) else ""
        hint = " (use its .data)" if isinstance(x, Value) else hint
        raise TypeError(f"load_state_dict: {key!r} must be a number, got {type(x).__name__}: {x!r:.60}{hint}")
    try:
        x = float(x)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise ValueError(f"load_state_dict: {key!r} must be a finite number, got {x!r}")
    return x
