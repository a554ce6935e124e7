"""autodiff: a scalar reverse-mode automatic differentiation engine for learning and checking
backpropagation. Each ``Value`` records its parents and its local derivative towards each of
them; ``backward()`` applies the chain rule, upstream × local, accumulated over all paths."""

from .check import check_formula, gradcheck
from .drawing import GraphTooLargeError, GraphvizMissingError, draw, render
from .engine import Value, is_grad_enabled, no_grad
from .frames import save_frames, save_gif
from .functions import dot, max, min, sum
from .gradient_paths import PathLimitError, paths
from .graph import topological_order, zero_grad
from .rules import RULES
from .scopes import current_scope, scope
from .stepper import step_through
from .trace import trace_backward, trace_forward

__version__ = "0.1.0"

__all__ = [
    "RULES",
    "GraphTooLargeError",
    "GraphvizMissingError",
    "PathLimitError",
    "Value",
    "__version__",
    "check_formula",
    "current_scope",
    "dot",
    "draw",
    "gradcheck",
    "is_grad_enabled",
    "max",
    "min",
    "no_grad",
    "paths",
    "render",
    "save_frames",
    "save_gif",
    "scope",
    "step_through",
    "sum",
    "topological_order",
    "trace_backward",
    "trace_forward",
    "zero_grad",
]
