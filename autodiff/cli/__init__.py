"""The ``autodiff`` command: the parser and its error handling (``app``), what each built-in
subcommand does (``commands``), and the tutorials' worked examples that ``make demo`` replays
(``examples``). A new subcommand goes into ``app.build_parser`` and ``commands``, or comes from a
plug-in (the ``autodiff.commands`` entry points). The top of the house: it imports every tool."""

from .app import main, whole_number

__all__ = ["main", "whole_number"]
