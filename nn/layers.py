"""``Neuron``, ``Layer`` and ``MLP``.

A neuron computes  z = w·x + b = Σᵢ wᵢxᵢ + b  and then  f(z)  for its activation f.
The weighted sum, bias included, is **one** node of op ``"dot"`` (parents: the weights, the bias,
then the inputs that are Values; local derivatives ∂z/∂wᵢ = xᵢ, ∂z/∂b = 1, ∂z/∂xᵢ = wᵢ): the
parents and local derivatives ``autodiff.dot([*w, b], [*x, 1.0])`` records (weights listed first),
built here without its per-entry checks because a network's weights are known to be Values. After each call a neuron keeps what it computed:

    neuron.z     the pre-activation node z (after ``loss.backward()``, ``neuron.z.grad`` is δ = ∂L/∂z)
    neuron.out   the output node f(z) (the same node as z for a linear neuron)

and ``layer.z`` / ``layer.out`` list them for the layer's neurons.

Weights are rows: ``W[j]`` holds neuron j's weights, as a document prints a layer's matrix, so
``MLP.from_weights([(W1, b1), (W2, b2)], activations="sigmoid")`` replays a printed network.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Mapping, MappingView, Sequence
from collections.abc import Set as AbstractSet
from numbers import Real
from operator import mul

from autodiff import Value, engine, functions, scopes

from .module import Module

Activation = str | Callable[[Value], Value] | None
Seed = int | random.Random | None

#: activation name → the Value method that applies it (None: linear, f(z) = z)
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "linear": None,
}
_dot_node = functions.dot_node  # a dot node from parts the neuron computed (respects no_grad and autodiff.scope)
PATHS_KEPT = 8  # outer scopes whose neuron scopes a Layer keeps ready (see Layer._neuron_paths)


def _activation(spec: Activation) -> tuple[str, Callable[[Value], Value] | None, bool]:
    """(name, function, built_in) for an activation given by name, as a callable, or None (linear)."""
    if spec is None:
        return "linear", None, True
    if isinstance(spec, str):
        key = spec.lower()
        if key not in ACTIVATIONS:
            raise ValueError(f"unknown activation {spec!r}; choose one of {sorted(ACTIVATIONS)} or pass a callable")
        return key, ACTIVATIONS[key], True
    if callable(spec):
        return getattr(spec, "__name__", type(spec).__name__), spec, False
    raise TypeError(f"activation must be a name, a callable or None, got {type(spec).__name__}: {spec!r}")


def make_rng(seed: Seed) -> random.Random:
    """A ``random.Random`` from a seed (int), an existing generator, or None (the global one,
    so ``random.seed(...)`` makes runs repeatable, as in micrograd)."""
    if seed is None:
        return random._inst  # type: ignore[attr-defined]  # the generator behind random.uniform
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, int) and not isinstance(seed, bool):
        return random.Random(seed)
    raise TypeError(f"seed must be an int, a random.Random or None, got {type(seed).__name__}: {seed!r}")


def init_bound(activation: str, nin: int, nout: int) -> float:
    """Half-width a of the uniform initialisation U(−a, a):
    He (Kaiming) for relu, a = √(6 / nin);  Xavier (Glorot) otherwise, a = √(6 / (nin + nout))."""
    if activation == "relu":
        return math.sqrt(6.0 / nin)
    return math.sqrt(6.0 / (nin + nout))


def _number(x, where: str) -> float:
    if type(x) is float or (isinstance(x, Real) and not isinstance(x, bool)):
        x = float(x)
        if x - x == 0.0:
            return x
        raise ValueError(f"{where} must be finite, got {x!r}")
    raise TypeError(f"{where} must be a number, got {type(x).__name__}: {x!r}")


def _size(n, what: str) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return n


#: inputs that have a length but no order of numbers: a dict would give its keys, a set any order
_NOT_SEQUENCES = (str, bytes, bytearray, memoryview, Mapping, AbstractSet, MappingView)


def check_input(x, nin: int, where: str) -> list:
    """The input as a list of nin floats or Values; a single number or Value is allowed when nin = 1.
    An input is a sequence (list, tuple, range, a 1-D array: anything with a length and indexing);
    a dict, a set, a string or an iterator is a TypeError naming its type; wrong length → ValueError
    naming ``where`` and both shapes."""
    if isinstance(x, (Value, Real)) and not isinstance(x, bool):
        x = [x]
    elif isinstance(x, _NOT_SEQUENCES) or not (hasattr(x, "__len__") and hasattr(x, "__getitem__")):
        kind = type(x).__name__
        why = " (a set has no order)" if isinstance(x, AbstractSet) else ""
        why = " (its keys would be read)" if isinstance(x, Mapping) else why
        raise TypeError(f"{where}: the input must be a list of {nin} numbers or Values, got {kind}{why}")
    if len(x) != nin:
        raise ValueError(f"{where}: expected an input of shape ({nin},), got shape ({len(x)},)")
    out = []
    for i, v in enumerate(x):
        if isinstance(v, Value):
            out.append(v)
        else:
            out.append(_number(v, f"{where}: input[{i}]"))
    return out


class Neuron(Module):
    """f(w·x + b): ``nin`` weights ``w`` (labels w0, w1, ...), a bias ``b``, an activation f.

    ``Neuron(nin, activation="relu", seed=...)`` draws the weights uniformly from (−a, a) with the
    bound of :func:`init_bound` (``fan_out`` is the width of the layer it sits in, for Xavier) and
    sets b = 0; ``Neuron.from_weights(w, b, activation=...)`` uses given numbers.
    """

    def __init__(self, nin: int, activation: Activation = "relu", *, seed: Seed = None, fan_out: int = 1) -> None:
        nin = _size(nin, "nin")
        self.activation, self._act, self._builtin = _activation(activation)
        rng = make_rng(seed)
        a = init_bound(self.activation, nin, _size(fan_out, "fan_out"))
        self._set_weights([rng.uniform(-a, a) for _ in range(nin)], 0.0)
        self.z: Value | None = None
        self.out: Value | None = None

    @classmethod
    def from_weights(cls, w: Sequence[float], b: float = 0.0, activation: Activation = "relu") -> Neuron:
        """A neuron with the given weights ``w`` (one per input) and bias ``b``."""
        if isinstance(w, (str, bytes)) or not hasattr(w, "__len__") or len(w) == 0:
            raise ValueError(f"Neuron.from_weights: w must be a non-empty list of numbers, got {w!r}")
        n = cls.__new__(cls)
        n.activation, n._act, n._builtin = _activation(activation)
        n._set_weights([_number(v, f"Neuron: w[{i}]") for i, v in enumerate(w)], _number(b, "Neuron: b"))
        n.z = n.out = None
        return n

    _last_call = ("z", "out")  # not pickled or copied: the graph of the latest call

    def _set_weights(self, w: list[float], b: float) -> None:
        self._w = tuple(Value(v, label=f"w{i}") for i, v in enumerate(w))
        self._wb = (*self._w, Value(b, label="b"))  # weights then bias: the order the dot node records

    @property
    def w(self) -> tuple[Value, ...]:
        """The weights (Values labelled w0, w1, ...)."""
        return self._w

    @property
    def b(self) -> Value:
        """The bias (a Value labelled b)."""
        return self._wb[-1]

    @property
    def nin(self) -> int:
        return len(self._w)

    def _own_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, w in enumerate(self._w):
            yield f"w.{i}", w
        yield "b", self._wb[-1]

    def forward(self, x) -> Value:
        """f(w·x + b) for one input x (a list of nin numbers or Values); records ``z`` and ``out``."""
        x = check_input(x, self.nin, self.name)
        xt, xd, kind = _prepare(x)
        return _fire(self, xt, xd, kind, (*engine._mode.scope, *self._path))

    def __repr__(self) -> str:
        shown = ""
        if self.nin <= 4:
            shown = f"; w = [{', '.join(f'{w.data:.4g}' for w in self._w)}], b = {self.b.data:.4g}"
        return f"Neuron({self.nin} → 1, {self.activation}{shown})"


def _prepare(x: list) -> tuple[tuple, tuple[float, ...], int]:
    """Once per layer call: the inputs as a tuple, their numbers, and their kind
    (0: all plain numbers, 1: all Values, 2: mixed)."""
    xt = tuple(x)
    n_values = sum(isinstance(v, Value) for v in xt)
    if n_values == 0:
        return xt, xt, 0
    xd = tuple(v.data if isinstance(v, Value) else v for v in xt)
    return xt, xd, 1 if n_values == len(xt) else 2


def _fire(neuron: Neuron, xt: tuple, xd: tuple, kind: int, path: tuple[str, ...]) -> Value:
    """One neuron's forward: z = Σ wᵢxᵢ + b as one dot node, then f(z); both record ``path`` as
    their scope and are kept on the neuron as ``z`` and ``out``."""
    w = neuron._w
    wb = neuron._wb
    wd = [v.data for v in w]
    total = sum(map(mul, wd, xd)) + wb[-1].data
    if kind == 1:  # every input a Value (hidden layers): parents w, b, x
        z = _dot_node(total, w, xt, wb[-1], wb + xt, (*xd, 1.0, *wd))
    elif kind == 0:  # plain-number inputs: only the weights and the bias are parents
        z = _dot_node(total, w, xd, wb[-1], wb, (*xd, 1.0))
    else:
        idx = [i for i, v in enumerate(xt) if isinstance(v, Value)]
        xs = tuple(v if isinstance(v, Value) else d for v, d in zip(xt, xd))
        z = _dot_node(total, w, xs, wb[-1], wb + tuple(xt[i] for i in idx), (*xd, 1.0, *(wd[i] for i in idx)))
    act = neuron._act
    if act is None:
        out = z
    elif neuron._builtin:
        out = act(z)
        if path:
            out._scope = path
    else:  # a user's callable may make several nodes: give them all the scope
        previous = scopes._switch(path)
        try:
            out = act(z)
        finally:
            scopes._switch(previous)
    if path:
        z._scope = path
    neuron.z = z
    neuron.out = out
    return out


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs: x ↦ [f(W[j]·x + b[j]) for each neuron j].

    Calling a layer returns a list of Values, or a single Value when it has one neuron.
    """

    def __init__(self, nin: int, nout: int, activation: Activation = "relu", *, seed: Seed = None) -> None:
        nin, nout = _size(nin, "nin"), _size(nout, "nout")
        rng = make_rng(seed)
        self.neurons = [Neuron(nin, activation, seed=rng, fan_out=nout) for _ in range(nout)]
        self._finish()

    @classmethod
    def from_weights(
        cls,
        W: Sequence[Sequence[float]],
        b: Sequence[float] | None = None,
        activation: Activation = "relu",
        *,
        name: str = "Layer",
    ) -> Layer:
        """A layer with the given weights: ``W`` has one row per neuron (rows = neurons, columns =
        inputs), ``b`` one entry per neuron (None: zeros). Shapes are checked; errors name ``name``."""
        nout, nin = _matrix_shape(W, name)
        if b is None:
            b = [0.0] * nout
        elif isinstance(b, (str, bytes)) or not hasattr(b, "__len__"):
            raise ValueError(f"{name}: b must be a list of {nout} numbers (one per row of W), got {b!r}")
        elif len(b) != nout:
            raise ValueError(f"{name}: b has shape ({len(b)},), expected ({nout},) (one per row of W, {nout}×{nin})")
        layer = cls.__new__(cls)
        layer.neurons = []
        for j, (row, bj) in enumerate(zip(W, b)):
            w = [_number(v, f"{name}: W[{j}][{i}]") for i, v in enumerate(row)]
            layer.neurons.append(Neuron.from_weights(w, _number(bj, f"{name}: b[{j}]"), activation))
        layer._finish()
        return layer

    def _finish(self) -> None:
        self._paths: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        self._set_path(self._path)

    @property
    def nin(self) -> int:
        return self.neurons[0].nin

    @property
    def nout(self) -> int:
        return len(self.neurons)

    @property
    def activation(self) -> str:
        return self.neurons[0].activation

    @property
    def z(self) -> list[Value | None]:
        """Each neuron's pre-activation z from the latest call (δ = z.grad after backward)."""
        return [n.z for n in self.neurons]

    @property
    def out(self) -> list[Value | None]:
        """Each neuron's output f(z) from the latest call."""
        return [n.out for n in self.neurons]

    def weights(self) -> tuple[list[list[float]], list[float]]:
        """(W, b) as plain numbers, W with one row per neuron: what ``from_weights`` takes."""
        return [[w.data for w in n.w] for n in self.neurons], [n.b.data for n in self.neurons]

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for j, n in enumerate(self.neurons):
            yield f"neurons.{j}", n

    def _set_path(self, path: tuple[str, ...]) -> None:
        super()._set_path(path)
        self._paths = {}

    def _neuron_paths(self, outer: tuple[str, ...]) -> list[tuple[str, ...]]:
        """The scope of each neuron's nodes under the caller's scope ``outer``, cached for the last
        ``PATHS_KEPT`` outer scopes (a scope per training step must not grow the cache for ever)."""
        paths = self._paths.get(outer)
        if paths is None:
            if len(self._paths) >= PATHS_KEPT:
                del self._paths[next(iter(self._paths))]  # the oldest entry
            paths = self._paths[outer] = [(*outer, *n._path) for n in self.neurons]
        return paths

    def forward(self, x) -> Value | list[Value]:
        """The layer's outputs for one input x (nin numbers or Values)."""
        out = self._forward(check_input(x, self.nin, self.name), engine._mode.scope)
        return out[0] if len(out) == 1 else out

    def _forward(self, x: list, outer: tuple[str, ...], hidden: bool = False) -> list[Value]:
        """Outputs as a list; ``hidden``: x is known to be all Values (a previous layer's outputs)."""
        if hidden:
            xt, kind = tuple(x), 1
            xd = tuple([v.data for v in xt])
        else:
            xt, xd, kind = _prepare(x)
        return [_fire(n, xt, xd, kind, p) for n, p in zip(self.neurons, self._neuron_paths(outer))]

    def __repr__(self) -> str:
        return f"Layer({self.nin} → {self.nout}, {self.activation})"


def _matrix_shape(W, name: str) -> tuple[int, int]:
    """(rows, columns) of a list of equal-length rows, or a ValueError naming ``name``."""
    if isinstance(W, (str, bytes)) or not hasattr(W, "__len__") or len(W) == 0:
        raise ValueError(f"{name}: W must be a non-empty list of rows (one per neuron), got {W!r}")
    rows = []
    for j, row in enumerate(W):
        if isinstance(row, (str, bytes)) or not hasattr(row, "__len__"):
            raise ValueError(
                f"{name}: W must be a list of rows (one per neuron); row {j} is {row!r} "
                "(for a single neuron write [[w1, w2, ...]])"
            )
        rows.append(len(row))
    if rows[0] == 0 or any(r != rows[0] for r in rows):
        raise ValueError(f"{name}: the rows of W must have the same, non-zero length; got row lengths {rows}")
    return len(rows), rows[0]
