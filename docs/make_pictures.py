"""The pictures the README shows, drawn by the engine (``make pictures`` reruns this):

- ``docs/sigmoid_gate.png``: CS231n's sigmoid neuron f = σ(w0·x0 + w1·x1 + w2) at w0 = 2, x0 = -1,
  w1 = -3, x1 = -2, w2 = -3, after ``f.backward()``: values above the line, gradients below.
"""

from __future__ import annotations

from pathlib import Path

import autodiff
from autodiff import Value

HERE = Path(__file__).resolve().parent


def sigmoid_gate() -> Value:
    """The neuron, back-propagated: ∂f/∂w0 = -0.1966, ∂f/∂x0 = 0.3932, ∂f/∂w1 = -0.3932, ..."""
    w0, x0, w1, x1, w2 = (Value(v, label=k) for k, v in (("w0", 2.0), ("x0", -1.0), ("w1", -3.0), ("x1", -2.0),
                                                           ("w2", -3.0)))  # fmt: skip
    z = w0 * x0 + w1 * x1 + w2
    z.label = "z"
    f = z.sigmoid()
    f.label = "f"
    f.backward()
    return f


def main(folder: Path = HERE) -> list[Path]:
    return [autodiff.render(sigmoid_gate(), folder / "sigmoid_gate.png")]


if __name__ == "__main__":
    for path in main():
        print(f"wrote {path}")
