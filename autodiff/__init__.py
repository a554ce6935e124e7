"""autodiff: a scalar reverse-mode automatic differentiation engine for learning and checking
backpropagation. Each ``Value`` records its parents and its local derivative towards each of
them; ``backward()`` applies the chain rule, upstream × local, accumulated over all paths."""

from .check import check_formula, gradcheck
from .engine import Value, is_grad_enabled, no_grad
from .functions import dot, max, min, sum
from .graph import topological_order, zero_grad
from .rules import RULES
from .scopes import current_scope, scope

__version__ = "0.1.0"

__all__ = [
    "RULES",
    "Value",
    "__version__",
    "check_formula",
    "current_scope",
    "dot",
    "gradcheck",
    "is_grad_enabled",
    "max",
    "min",
    "no_grad",
    "scope",
    "sum",
    "topological_order",
    "zero_grad",
]
