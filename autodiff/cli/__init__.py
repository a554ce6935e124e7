"""The ``autodiff`` command: the parser and its error handling (``app``), what each built-in
subcommand does (``commands``), and the tutorials' worked examples that ``make demo`` replays
(``examples``). A new subcommand goes into ``app.build_parser`` and ``commands``, or comes from a
plug-in (the ``autodiff.commands`` entry points). The top of the house: it imports every tool.

``main`` and ``whole_number`` are loaded from ``app`` when first asked for, so that importing
``autodiff.cli.examples`` alone (the site's worked examples, in the browser) does not pull in the
parser, argparse and importlib.metadata."""

from __future__ import annotations

__all__ = ["main", "whole_number"]


def __getattr__(name: str):
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
