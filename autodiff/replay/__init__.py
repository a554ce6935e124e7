"""The compiled replay: a graph recorded once (``tape``), written out as straight-line Python from
the rules table (``codegen``), and run for new numbers (``compiled``: ``autodiff.compile``).
Reads only the engine."""

from .compiled import Compiled, Gradients, compile

__all__ = ["Compiled", "Gradients", "compile"]
