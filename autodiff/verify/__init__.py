"""Checking gradients: ``gradcheck`` (engine vs central differences), ``check_formula`` (a
hand-derived formula vs the engine vs finite differences), their reports (``reports``), and the
expression language that learners type formulas in (``expressions``, never evaluated by Python).
A new check goes here, beside ``check.py``; it may draw with ``autodiff.viz``."""

from .check import check_formula, gradcheck
from .expressions import Expression, ExpressionError, parse

__all__ = ["Expression", "ExpressionError", "check_formula", "gradcheck", "parse"]
