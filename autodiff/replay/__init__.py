"""The compiled replay: a graph recorded once (``tape``), written out as straight-line Python from
the rules table (``codegen``), and run for new numbers (``compiled``: ``autodiff.compile``, ``front``);
or, with ``backend="numpy"``, grouped into batched array operations (``plan``, ``npcode``, ``batched``).
Reads only the engine."""

from .compiled import Compiled, Gradients
from .front import compile

__all__ = ["Compiled", "Gradients", "compile"]
