"""``autodiff.compile``: record a graph once, as a tape, and hand it to a replay of the chosen backend:
``"python"`` (``compiled``: one line per node) or ``"numpy"`` (``batched``: one array operation per group
of nodes; numpy is imported only then)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..engine import Value
from ..guards import check_data
from ..modes import is_grad_enabled
from .compiled import Compiled, _number
from .tape import RecordError, record

BACKENDS = ("python", "numpy")


def compile(target: Callable | Value | Sequence[Value], *example_args, inputs: Sequence[Value] | None = None,
            params: Sequence[Value] | None = None, backend: str = "python") -> Compiled:  # fmt: skip
    """Record a graph once and return a :class:`Compiled` replay of it.

    - ``compile(fn, *example_args)``: ``fn`` is called once on Values made from the example
      arguments (numbers, or lists/tuples of them, nested); each leaf so made is an input. It
      returns a Value (or a list of Values). A replay takes arguments of the same shape.
    - ``compile(root, inputs=[...])``: the graph already recorded behind ``root`` (a Value or a list
      of them); ``inputs`` are its leaves given at each replay, as one flat list.

    ``params``, if given, must list every other leaf of the graph (the order of the param gradients);
    otherwise they are every other leaf, in graph order (``.params``).

    ``backend="numpy"`` replays the same graph as a batched plan (``replay.batched``: same-operation
    nodes of a level run as one array operation, a layer's dot nodes as a matrix product; needs numpy);
    the default ``"python"`` writes one line per node (``.source``: your backward pass as a program).
    """
    if backend not in BACKENDS:
        raise ValueError(f"compile: backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}")
    if isinstance(target, Value) or (isinstance(target, (list, tuple)) and not callable(target)):
        if example_args:
            raise TypeError("compile(root, inputs=[...]) takes no example arguments (they are for a function)")
        if inputs is None:
            raise TypeError("compile(root, inputs=[...]): name the leaves the replay is given")
        leaves = list(inputs)
        shapes: tuple = (len(leaves),)
        roots = target
    elif callable(target):
        if inputs is not None:
            raise TypeError("compile(fn, *example_args): the inputs are the leaves made from example_args")
        if not is_grad_enabled():
            raise RuntimeError("compile(fn, ...) records fn's graph: call it with grad on (not inside no_grad)")
        shapes = tuple(_shape(a, f"example argument {i + 1}") for i, a in enumerate(example_args))
        leaves = []
        args = [_leaves(a, leaves) for a in example_args]
        roots = target(*args)
    else:
        raise TypeError(f"compile needs a function or a Value, got {type(target).__name__}")
    single = isinstance(roots, Value)
    outs = [roots] if single else _flat_outputs(roots)
    numpy = backend == "numpy"
    tape = record(outs, leaves, None if params is None else list(params), keep=numpy)
    if numpy:
        from .batched import NumpyCompiled  # numpy is imported only here: `import autodiff` needs none

        return NumpyCompiled(tape, shapes, single, len(leaves))
    return Compiled(tape, shapes, single, len(leaves))


# ---- shapes of the arguments: None a number, an int n a flat list of n numbers, a tuple a nesting ----
def _shape(x, where: str):
    if isinstance(x, Value):
        raise TypeError(f"{where}: give numbers (the compiler makes the leaves), got a Value")
    if isinstance(x, (list, tuple)):
        inner = [_shape(e, f"{where}[{i}]") for i, e in enumerate(x)]
        return len(inner) if all(s is None for s in inner) else tuple(inner)
    _number(x, where)
    return None


def _leaves(x, out: list[Value]):
    if isinstance(x, (list, tuple)):
        return [_leaves(e, out) for e in x]
    v = Value(check_data(x, "compile's example"))
    out.append(v)
    return v


def _flat_outputs(roots) -> list[Value]:
    if isinstance(roots, Value):
        return [roots]
    if isinstance(roots, (list, tuple)):
        return [v for r in roots for v in _flat_outputs(r)]
    raise RecordError(f"the function must return a Value or a list of Values, got {type(roots).__name__}")
