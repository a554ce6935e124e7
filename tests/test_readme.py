"""The README's own code, run as a newcomer pastes it: the tour, then "See the backward pass".
Issue 10's reproducer: the tools in the second block used to add to every .grad (w[0].grad ended at
−0.983 instead of −0.1966)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import autodiff

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_tour_then_the_backward_pass_tools_leave_the_gradients(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # render and save_gif write their files here
    tour, see = python_blocks()[:2]
    space: dict = {}
    exec(compile(tour, "README tour", "exec"), space)  # noqa: S102 - the project's own README
    w, out = space["w"], space["out"]
    sigma = 1 / (1 + math.exp(-1.0))  # s = 2·(−1) + (−3)·(−2) + (−3)·1 = 1
    expected = [-1.0 * sigma * (1 - sigma), -2.0 * sigma * (1 - sigma), 1.0 * sigma * (1 - sigma)]
    assert all(math.isclose(v.grad, e, rel_tol=1e-15) for v, e in zip(w, expected))
    shown = autodiff.topological_order(out)  # the graph the tools of the second block show
    before = [v.grad for v in shown]
    exec(compile(see, "README: see the backward pass", "exec"), space)  # noqa: S102
    assert [v.grad for v in shown] == before
    assert math.isclose(w[0].grad, -0.19661193324148185, rel_tol=1e-15)
    assert (tmp_path / "f.png").stat().st_size > 0 and (tmp_path / "backward.gif").stat().st_size > 0
