"""autodiff: a scalar reverse-mode automatic differentiation engine for learning and checking
backpropagation. Each ``Value`` records its parents and its local derivative towards each of
them; ``backward()`` applies the chain rule, upstream × local, accumulated over all paths.

The house: the engine stands here at the top (``engine``, ``rules``, ``graph``, ``functions``,
``scopes``); below it each tool family has a package of its own, and imports only point down:
``text`` (names, numbers, tables) → ``viz`` (pictures, traces, frames) → ``verify`` (gradcheck,
formulas, the expression language) → ``cli`` (the command). This module is the public API.

The operations are functions too, as ``torch.exp(x)``: ``autodiff.exp(x)`` is ``x.exp()``, one for
each rules-table row that ``Value`` has as a method (``functions.py`` makes them from the table).
``autodiff.sum``, ``autodiff.max``, ``autodiff.min``, ``autodiff.abs`` and ``autodiff.compile`` (the
compiled replay, ``replay``) stay out of ``__all__``, so that ``from autodiff import *`` does not
shadow Python's built-ins of the same names."""

import builtins as _builtins

from . import functional
from . import functions as _functions
from .collector import gc_paused
from .custom import operation
from .differentiate import grad
from .engine import Value
from .forward import forward_gradient
from .functions import dot, mean
from .functions import max as max  # public as autodiff.max, kept out of __all__ (see above)
from .functions import min as min
from .functions import sum as sum
from .graph import topological_order, zero_grad
from .modes import AnomalyError, detect_anomaly, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .replay import Compiled
from .replay import compile as compile  # public as autodiff.compile, kept out of __all__ (see above)
from .rules import RULES
from .scopes import current_scope, scope
from .verify.backward_check import check_backward
from .verify.check import check_formula, gradcheck
from .verify.derivation import derivation
from .verify.exercise import exercise
from .verify.gradgrad import gradgradcheck
from .verify.quiz import quiz
from .verify.symbolic import symbolic
from .version import __version__

globals().update(_functions.METHOD_FUNCTIONS)  # autodiff.exp, autodiff.log, ..., autodiff.abs
_SHADOWING = {name for name in _functions.METHOD_FUNCTIONS if hasattr(_builtins, name)}
from .viz.drawing import GraphTooLargeError, GraphvizMissingError, draw, render
from .viz.forward_mode import save_forward_frames, side_by_side, trace_forward_mode
from .viz.frames import save_frames, save_gif
from .viz.gradient_paths import PathLimitError, paths
from .viz.page import save_html
from .viz.stepper import step_through
from .viz.trace import trace_backward, trace_forward

__all__ = [
    "RULES",
    "AnomalyError",
    "Compiled",
    "GraphTooLargeError",
    "GraphvizMissingError",
    "PathLimitError",
    "Value",
    "__version__",
    "check_backward",
    "check_formula",
    "current_scope",
    "derivation",
    "detect_anomaly",
    "dot",
    "draw",
    "enable_grad",
    "exercise",
    "forward_gradient",
    "functional",
    "gc_paused",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "mean",
    "no_grad",
    "operation",
    "paths",
    "quiz",
    "render",
    "save_forward_frames",
    "save_frames",
    "save_gif",
    "save_html",
    "scope",
    "set_grad_enabled",
    "side_by_side",
    "step_through",
    "symbolic",
    "topological_order",
    "trace_backward",
    "trace_forward",
    "trace_forward_mode",
    "zero_grad",
]
__all__.extend(sorted(set(_functions.METHOD_FUNCTIONS) - _SHADOWING))  # exp, log, ...: made from the rules table
