"""Layer normalisation (seed 001 §一), as ``torch.nn.functional.layer_norm`` over the last dimension.

For one layer's activations x₁ … x_N:

    μ = (1/N) Σᵢ xᵢ,   σ² = (1/N) Σᵢ (xᵢ − μ)²  (biased, as PyTorch),   σ = √(σ² + ε),
    x̂ᵢ = (xᵢ − μ) / σ,   yᵢ = γᵢ x̂ᵢ + βᵢ.

The gradient has three parts: ∂L/∂γᵢ = ∂L/∂yᵢ · x̂ᵢ,  ∂L/∂βᵢ = ∂L/∂yᵢ, and the input's; with
gᵢ = γᵢ ∂L/∂yᵢ (and ∂μ/∂xⱼ = 1/N, ∂σ²/∂xⱼ = 2(xⱼ − μ)/N, the Kronecker δᵢⱼ from ∂xᵢ/∂xⱼ) it merges into

    ∂L/∂xⱼ = (1/σ) (gⱼ − mean(g) − x̂ⱼ · mean(g ⊙ x̂)).
"""

from __future__ import annotations

from collections.abc import Iterator

import autodiff
from autodiff import Value, engine, scopes

from .conv import nested
from .module import Module


def _vector(v, n: int, where: str, what: str) -> list:
    v, shape = nested(v, 1, f"{where}: {what}", "a list of numbers or Values")
    if shape != (n,):
        raise ValueError(f"{where}: {what} has shape ({shape[0]},), expected ({n},) (one per input)")
    return v


def _label(v: Value, name: str) -> Value:
    if isinstance(v, Value) and v.label is None and v.op:
        v.label = name
    return v


def layer_norm(x, gamma=None, beta=None, eps: float = 1e-5) -> list[Value]:
    """y = γ ⊙ (x − μ)/√(σ² + ε) + β over a list x of N Values or numbers (γ, β: None, or N Values or
    numbers each); a list of such lists is normalised row by row. The nodes made are labelled μ, σ²,
    σ, x̂ᵢ and yᵢ (μ and σ² are one sum / dot node each)."""
    where = "layer_norm"
    if not isinstance(eps, (int, float)) or isinstance(eps, bool) or not eps >= 0 or eps == float("inf"):
        raise ValueError(f"{where}: eps must be a finite number ≥ 0, got {eps!r}")
    if isinstance(x, (list, tuple)) and x and all(isinstance(row, (list, tuple)) for row in x):
        lengths = sorted({len(row) for row in x})
        if len(lengths) > 1:
            raise ValueError(f"{where}: the rows of x must have the same length, got lengths {lengths}")
        return [layer_norm(row, gamma, beta, eps) for row in x]
    x, (n,) = nested(x, 1, f"{where}: x", "a list of numbers or Values")
    g = None if gamma is None else _vector(gamma, n, where, "gamma")
    b = None if beta is None else _vector(beta, n, where, "beta")
    mu = _label(autodiff.sum(x) * (1.0 / n), "μ")
    d = [xi - mu for xi in x]
    var = _label(autodiff.dot(d, d) * (1.0 / n), "σ²")
    sigma = _label((var + float(eps)).sqrt(), "σ")
    if sigma.data == 0.0:
        raise ValueError(f"{where}: the inputs are all equal and eps = 0, so σ = 0 (x̂ = 0/0)")
    xhat = [_label(di / sigma, f"x̂{i}") for i, di in enumerate(d)]
    y = xhat
    if g is not None:
        y = [gi * yi for gi, yi in zip(g, y)]
    if b is not None:
        y = [yi + bi for yi, bi in zip(y, b)]
    return [_label(yi, f"y{i}") if yi is not xi else yi for i, (yi, xi) in enumerate(zip(y, xhat))]


class LayerNorm(Module):
    """``LayerNorm(n, eps=1e-5)``: layer normalisation of n activations with learnable γ (``weight``,
    ones, labels γ0, γ1, …) and β (``bias``, zeros, labels β0, …); parameter names ``weight.i`` and
    ``bias.i`` (PyTorch's ``weight`` and ``bias``, one name per entry). ``elementwise_affine=False``
    has no parameters. The nodes of a call carry the module's scope; ``out`` keeps the last output."""

    _last_call = ("out",)

    def __init__(self, n: int, eps: float = 1e-5, elementwise_affine: bool = True) -> None:
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"LayerNorm: n must be a positive int, got {n!r}")
        self.n, self.eps = n, eps
        self.weight = [Value(1.0, label=f"γ{i}") for i in range(n)] if elementwise_affine else []
        self.bias = [Value(0.0, label=f"β{i}") for i in range(n)] if elementwise_affine else []
        self.out: list[Value] | None = None
        self._set_path(())

    @property
    def gamma(self) -> list[Value]:
        return self.weight

    @property
    def beta(self) -> list[Value]:
        return self.bias

    def _own_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, w in enumerate(self.weight):
            yield f"weight.{i}", w
        for i, b in enumerate(self.bias):
            yield f"bias.{i}", b

    def forward(self, x) -> list[Value]:
        """layer_norm(x, γ, β, eps) for one list of n activations (or a list of such lists)."""
        rows = x if isinstance(x, (list, tuple)) and x and all(isinstance(r, (list, tuple)) for r in x) else [x]
        for row in rows:
            n = len(row) if isinstance(row, (list, tuple)) else 1
            if n != self.n:
                raise ValueError(f"{self.name}: expected an input of shape ({self.n},), got shape ({n},)")
        previous = scopes._switch((*engine._mode.scope, *self._path)) if self._path else None
        try:
            self.out = layer_norm(x, self.weight or None, self.bias or None, self.eps)
        finally:
            if previous is not None:
                scopes._switch(previous)
        return self.out

    def __repr__(self) -> str:
        return f"LayerNorm({self.n}, eps={self.eps})"


__all__ = ["LayerNorm", "layer_norm"]
