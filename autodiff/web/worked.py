"""The playground's worked examples: CS231n's (x + y)·z and sigmoid neuron, the 2-3-2-1 sigmoid network a
Chinese backprop tutorial works by hand, softmax with cross-entropy, a LayerNorm row, and a small
convolution with max pooling.

All but the network are requests in the expression language (``expr``, ``values``, ``names``: the
page puts them in its boxes, and a link can carry them); the network is built by the command's worked
examples (``cli/examples.py``, its weights as the tutorial prints them), so a request names it by its
key: ``{"example": "three_layer_network"}``. The inputs of CS231n's two examples are the reference
numbers of ``worked_examples.json``.
"""

from __future__ import annotations

from ..cli.examples import reference, three_layer_network
from ..graph import topological_order
from .errors import WebError

_LAYER_NORM = ("mu = mean(x0, x1, x2); d0 = x0 - mu; d1 = x1 - mu; d2 = x2 - mu; "
               "var = mean(d0**2, d1**2, d2**2); r = 1 / sqrt(var + 0.00001); "
               "y0 = g*d0*r + b; y1 = g*d1*r + b; y2 = g*d2*r + b")  # fmt: skip
_CONVOLUTION = ("c0 = relu(k0*x0 + k1*x1 + k2*x2 + kb); c1 = relu(k0*x1 + k1*x2 + k2*x3 + kb); "
                "c2 = relu(k0*x2 + k1*x3 + k2*x4 + kb); p0 = max(c0, c1); p1 = max(c1, c2)")  # fmt: skip


def _examples() -> dict[str, dict]:
    ref = reference()["examples"]
    return {
        "add_mul": {
            "title": "CS231n's gate example: q = x + y, f = q·z",
            "expr": "(x + y) * z", "names": "q = x + y", "values": ref["cs231n_add_mul"]["inputs"],
        },
        "sigmoid_neuron": {
            "title": "CS231n's sigmoid neuron: f = σ(w0·x0 + w1·x1 + w2)",
            "expr": "sigmoid(w0*x0 + w1*x1 + w2)", "names": "dot = w0*x0 + w1*x1 + w2",
            "values": ref["cs231n_sigmoid_gate"]["inputs"],
        },
        "three_layer_network": {
            "title": "A 2-3-2-1 sigmoid network worked by hand in a Chinese backprop tutorial (反向传播), "
                     "L = ½(y − ŷ)²",
        },
        "softmax_cross_entropy": {
            "title": "Softmax with cross-entropy (交叉熵) on three class scores, the right class first: "
                     "L = −log p0, ∂L/∂s_i = p_i − [i = 0]",
            "expr": "-log(p0)",
            "names": "e0 = exp(s0); e1 = exp(s1); e2 = exp(s2); Z = e0 + e1 + e2; p0 = e0 / Z; L = -log(p0)",
            "values": {"s0": 3.2, "s1": 5.1, "s2": -1.7},  # CS231n's cat scores: L = 2.04
        },
        "layer_norm": {
            "title": "A LayerNorm row (层归一化) of three numbers with gain g and bias b, read by a next layer: "
                     "L = y0 + 2·y1 + 3·y2",
            "expr": "y0 + 2*y1 + 3*y2", "names": _LAYER_NORM + "; L = y0 + 2*y1 + 3*y2",
            "values": {"x0": 1.0, "x1": 2.0, "x2": 4.0, "g": 1.5, "b": 0.1},
        },
        "conv_pool": {
            "title": "A small 1-D convolution (卷积) with a 3-wide kernel, ReLU, then max pooling (池化) of width 2: "
                     "L = p0 + p1",
            "expr": "p0 + p1", "names": _CONVOLUTION + "; L = p0 + p1",
            "values": {"x0": 1.0, "x1": -2.0, "x2": 3.0, "x3": 0.5, "x4": -1.0,
                       "k0": 0.5, "k1": -0.3, "k2": 0.8, "kb": 0.1},
        },
    }  # fmt: skip


def listing() -> list[dict]:
    """The examples for the menu: ``[{"key", "title", "expr"?, "names"?, "values"?}]``."""
    return [{"key": key, **spec} for key, spec in _examples().items()]


def request(key: object) -> dict:
    """The request an example stands for: its ``expr``, ``values`` and ``names``, or ``{"example": key}``."""
    examples = _examples()
    if not isinstance(key, str) or key not in examples:
        shown = repr(key)[:60] if isinstance(key, str) else type(key).__name__
        raise WebError(f"no worked example {shown} (the examples: {', '.join(examples)})", field="example")
    spec = examples[key]
    if "expr" not in spec:
        return {"example": key}
    return {"expr": spec["expr"], "values": dict(spec["values"]), "names": spec.get("names", "")}


def network():
    """The 2-3-2-1 network's loss L, its gradients zero (``cli.examples`` runs backward once; a request
    starts from none). The contested weight w(2)2,2 = 3: the reading that agrees with the tutorial's arithmetic."""
    root = three_layer_network(3).root
    for v in topological_order(root):
        v.grad = 0.0
    return root


__all__ = ["listing", "network", "request"]
