"""The playground site's API (``api.call``: JSON in, JSON out): the tools of the command, the drawings,
the step-through page's player, the checks and the practice exercises, for a page that runs the engine
in the browser (Pyodide) and only renders. Ranks just above ``cli``; imports no numpy, matplotlib,
PIL, tqdm or sympy."""

from .api import call

__all__ = ["call"]
