"""Showing a graph and its backward pass: pictures (``drawing``: what a box, gate and edge look
like, in ``builder``/``style``/``clusters``), step-by-step traces (``trace``), gradient paths
(``gradient_paths``), frames and GIFs (``frames``), the step-through page (``page``, its CSS and
script in ``assets/``) and the Jupyter player (``stepper``, which shows that page).
A new drawing option goes into ``options.py`` and ``builder.py``; a new kind of step-by-step view
beside ``trace.py``. Built on the engine and ``autodiff.text``; nothing here changes a graph."""

from .drawing import GraphTooLargeError, GraphvizMissingError, draw, render
from .frames import save_frames, save_gif
from .gradient_paths import PathLimitError, paths
from .page import save_html
from .stepper import step_through
from .trace import trace_backward, trace_forward

__all__ = [
    "GraphTooLargeError",
    "GraphvizMissingError",
    "PathLimitError",
    "draw",
    "paths",
    "render",
    "save_frames",
    "save_gif",
    "save_html",
    "step_through",
    "trace_backward",
    "trace_forward",
]
