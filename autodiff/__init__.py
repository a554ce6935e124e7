"""autodiff: a scalar reverse-mode automatic differentiation engine for learning and checking
backpropagation. Each ``Value`` records its parents and its local derivative towards each of
them; ``backward()`` applies the chain rule, upstream × local, accumulated over all paths.

The house: the engine stands here at the top (``engine``, ``rules``, ``graph``, ``functions``,
``scopes``); below it each tool family has a package of its own, and imports only point down:
``text`` (names, numbers, tables) → ``viz`` (pictures, traces, frames) → ``verify`` (gradcheck,
formulas, the expression language) → ``cli`` (the command). This module is the public API.

``autodiff.sum``, ``autodiff.max`` and ``autodiff.min`` stay out of ``__all__``, so that
``from autodiff import *`` does not shadow Python's built-ins."""

from .collector import gc_paused
from .engine import Value
from .functions import dot
from .functions import max as max  # public as autodiff.max, kept out of __all__ (see above)
from .functions import min as min
from .functions import sum as sum
from .graph import topological_order, zero_grad
from .modes import AnomalyError, detect_anomaly, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .rules import RULES
from .scopes import current_scope, scope
from .verify.check import check_formula, gradcheck
from .version import __version__
from .viz.drawing import GraphTooLargeError, GraphvizMissingError, draw, render
from .viz.frames import save_frames, save_gif
from .viz.gradient_paths import PathLimitError, paths
from .viz.stepper import step_through
from .viz.trace import trace_backward, trace_forward

__all__ = [
    "RULES",
    "AnomalyError",
    "GraphTooLargeError",
    "GraphvizMissingError",
    "PathLimitError",
    "Value",
    "__version__",
    "check_formula",
    "current_scope",
    "detect_anomaly",
    "dot",
    "draw",
    "enable_grad",
    "gc_paused",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "paths",
    "render",
    "save_frames",
    "save_gif",
    "scope",
    "set_grad_enabled",
    "step_through",
    "topological_order",
    "trace_backward",
    "trace_forward",
    "zero_grad",
]
