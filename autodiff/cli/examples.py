"""Worked examples from backpropagation tutorials, replayed with the engine.

CS231n's gate examples (as a Chinese tutorial on deriving backpropagation, 反向传播推导, retells them),
PyTorch's autograd example (as Chinese course notes on neural-network basics retell it), the (a + b) × c
of a Chinese Q&A post on forward and backward propagation, and the 2-3-2-1 sigmoid network worked by
hand in the same Chinese backprop tutorial (一文彻底搞懂BP算法). Each example builds its graph with
``autodiff``, runs ``backward()`` and sets every forward value and gradient beside the number the
tutorial prints and the float64 reference (``worked_examples.json``, the project's own copy). Where
the tutorial disagrees with the engine, the report says so: the 2-3-2-1 network is one such place.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache

from .. import functions as F
from ..engine import Value

EXACT_RTOL = 1e-12  # relative, as the reference numbers ask


@lru_cache(maxsize=1)
def reference() -> dict:
    """The reference numbers: ``{"examples": {name: {...}}, "document_printed_seed001": {...}}`` (the last:
    what the 2-3-2-1 network's tutorial prints)."""
    from importlib import resources  # here: importlib.resources pulls in tempfile and shutil

    text = resources.files("autodiff.cli").joinpath("worked_examples.json").read_text(encoding="utf-8")
    data = json.loads(text)
    data["examples"] = {e["name"]: e for e in data["examples"]}
    return data


def printed_agrees(value: float, printed: float) -> bool:
    """Does ``value`` round to what the tutorial printed, at the digits it printed?"""
    digits = repr(float(printed)).lower().split("e")[0].replace("-", "").replace(".", "").lstrip("0")
    sig = max(len(digits), 1)
    exponent = math.floor(math.log10(abs(printed))) if printed else 0
    half_unit = 0.5 * 10.0 ** (exponent - sig + 1)
    return abs(value - printed) <= half_unit * (1 + 1e-9) + 4e-16 * abs(printed)


@dataclass
class Row:
    quantity: str
    engine: float
    exact: float | None = None
    printed: float | None = None

    @property
    def exact_ok(self) -> bool | None:
        if self.exact is None:
            return None
        return math.isclose(self.engine, self.exact, rel_tol=EXACT_RTOL, abs_tol=1e-300)

    @property
    def printed_ok(self) -> bool | None:
        return None if self.printed is None else printed_agrees(self.engine, self.printed)


@dataclass
class Example:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    root: Value | None = field(default=None, repr=False)  # the example's graph, after backward()

    def add(self, quantity: str, engine: float, exact=None, printed=None) -> None:
        self.rows.append(Row(quantity, engine, exact, printed))

    @property
    def ok(self) -> bool:
        """The engine matches every float64 reference number."""
        return all(r.exact_ok is not False for r in self.rows)

    @property
    def document_slips(self) -> list[Row]:
        return [r for r in self.rows if r.printed_ok is False]


def _leaves(inputs: dict) -> dict[str, Value]:
    return {name: Value(x, label=name) for name, x in inputs.items()}


def _named(values: dict[str, Value]) -> dict[str, Value]:
    """Label each computed node by its name in the example (drawings then say q, f, ...)."""
    for name, node in values.items():
        if node.label is None:
            node.label = name
    return values


def _compare(ex: Example, ref: dict, values: dict[str, Value]) -> None:
    printed = ref.get("printed", {})
    for name, exact in ref["expected_forward"].items():
        ex.add(name, values[name].data, exact, printed.get("forward", {}).get(name))
    for name, exact in ref["expected_grads"].items():
        ex.add(f"∂/∂{name}", values[name].grad, exact, printed.get("grads", {}).get(name))


def add_mul() -> Example:
    """CS231n's first gate example: q = x + y, f = q·z at x = −2, y = 5, z = −4."""
    ref = reference()["examples"]["cs231n_add_mul"]
    v = _leaves(ref["inputs"])
    v["q"] = v["x"] + v["y"]
    v["f"] = v["q"] * v["z"]
    v["f"].backward()
    ex = Example("add_mul", "q = x + y, f = q × z   (CS231n's gate example)", root=_named(v)["f"])
    _compare(ex, ref, v)
    ex.notes.append("add distributes the upstream gradient (∂f/∂x = ∂f/∂y = ∂f/∂q); multiply swaps its inputs.")
    return ex


def sigmoid_gate(fused: bool = True) -> Example:
    """CS231n's sigmoid neuron f = σ(w0·x0 + w1·x1 + w2), as one sigmoid node or from primitive gates."""
    ref = reference()["examples"]["cs231n_sigmoid_gate"]
    v = _leaves(ref["inputs"])
    v["dot"] = v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["w2"]
    if fused:
        v["f"] = v["dot"].sigmoid()
    else:  # CS231n's staged picture: negate, exp, +1, 1/x
        v["f"] = 1.0 / ((-v["dot"]).exp() + 1.0)
    v["f"].backward()
    how = "one σ node" if fused else "primitive gates ×, +, −, exp, +1, 1/x"
    title = f"f = σ(w0·x0 + w1·x1 + w2), {how}   (CS231n's sigmoid neuron)"
    ex = Example("sigmoid_gate" + ("" if fused else "_staged"), title, root=_named(v)["f"])
    _compare(ex, ref, v)
    return ex


def pytorch_mean() -> Example:
    """PyTorch's autograd example: out = mean(3·(xᵢ + 2)²) over four leaves xᵢ = 1; every gradient is 4.5."""
    ref = reference()["examples"]["pytorch_mean_example"]
    v = _leaves(ref["inputs"])
    xs = [v[f"x{i}"] for i in range(1, 5)]
    for i, x in enumerate(xs, 1):  # one y per input, as the example's y = x + 2; then z = y * y * 3
        v[f"y{i}"] = x + 2
        v[f"z{i}"] = v[f"y{i}"] * v[f"y{i}"] * 3
    v["out"] = F.sum([v[f"z{i}"] for i in range(1, 5)]) / 4
    v["out"].backward()
    title = "y = x + 2, z = y·y·3, out = mean(z) on four scalars   (PyTorch's autograd tutorial example)"
    ex = Example("pytorch_mean", title, root=_named(v)["out"])
    _compare(ex, ref, v)
    ex.notes.append("d(out)/dyᵢ = 6yᵢ/4 = 4.5 and dy/dx = 1, so d(out)/dxᵢ = (3/2)(xᵢ + 2) = 4.5, as the tutorial "
                    "derives.")
    return ex


def seed002() -> Example:
    """A Chinese Q&A post's (a + b) × c (【机器学习300问】71); it prints no numbers, so a = 2, b = 3, c = 4."""
    ref = reference()["examples"]["seed002_add_mul"]
    v = _leaves(ref["inputs"])
    v["out"] = (v["a"] + v["b"]) * v["c"]
    v["out"].backward()
    title = "(a + b) × c   (a Q&A post's first computation graph; it prints no numbers: a = 2, b = 3, c = 4)"
    ex = Example("a_plus_b_times_c", title, root=_named(v)["out"])
    _compare(ex, ref, v)
    return ex


NOTATION = (
    "Weights are named as the tutorial names them: w(l)i,j is the weight of layer l, of that layer's neuron i, on "
    "its input j, all counted from 1; nn calls it layers.{l-1}.neurons.{i-1}.w.{j-1}. The weight in question below "
    "is w(2)2,2: neuron 5's weight on f2, nn's layers.1.neurons.1.w.1."
)
CONTESTED = "w(2)2,2"  # neuron 5's weight on f2; nn: layers.1.neurons.1.w.1
REFERENCE_KEYS = {3: "seed001_three_layer_as_computed", 2: "seed001_three_layer_as_printed"}
# the shared reference (../shared/) names them in an older notation (w25 = w(2)2,2)
SHARED_NAMES = {"seed001_three_layer_sigmoid_w25_3": REFERENCE_KEYS[3], "seed001_three_layer_sigmoid_w25_2": REFERENCE_KEYS[2]}
READINGS = {3: ("three_layer_as_computed", "as the tutorial's own arithmetic computes (its z5 line)"),
            2: ("three_layer_as_printed", "as its W(2) matrix prints")}


def three_layer_network(w222: float) -> Example:
    """The 2-3-2-1 sigmoid network a Chinese backprop tutorial works by hand, L = ½(y − ŷ)², for one reading
    of w(2)2,2 (3 or 2).

    δ of a neuron is ∂L/∂z, the grad of its pre-activation node after ``L.backward()``.
    """
    key = REFERENCE_KEYS[w222]
    ref = reference()["examples"][key]
    doc = reference()["document_printed_seed001"]
    p, fwd, grads = ref["params"], ref["expected_forward"], ref["expected_grads"]
    x, y = ref["inputs"]["x"], ref["inputs"]["y"]

    def layer(n, first, W, b, inputs):  # layer n, its neurons numbered from `first` as in the tutorial
        ws = [[Value(w, label=f"w({n}){i + 1},{j + 1}") for j, w in enumerate(row)] for i, row in enumerate(W)]
        zs = [F.dot(row, inputs) + bj for row, bj in zip(ws, b)]
        fs = [z.sigmoid() for z in zs]
        for k, (z, f) in enumerate(zip(zs, fs), first):
            z.label, f.label = f"z{k}", f"f{k}"
        return ws, zs, fs

    W1, z1, f1 = layer(1, 1, p["W1"], p["b1"], x)
    _, z2, f2 = layer(2, 4, p["W2"], p["b2"], f1)
    _, z3, f3 = layer(3, 6, p["W3"], p["b3"], f2)
    loss = 0.5 * (y - f3[0]) ** 2
    loss.label = "L"
    loss.backward()

    name, how = READINGS[w222]
    title = f"2-3-2-1 sigmoid network, {CONTESTED} = {w222:g} {how}   (worked by hand in a Chinese backprop tutorial)"
    ex = Example(name, title, root=loss)
    printed_z = {"z1": 5.0, "z2": 9.0, "z3": 10.0}
    for i in range(3):
        ex.add(f"z{i + 1}", z1[i].data, fwd["z1"][i], printed_z[f"z{i + 1}"])
        ex.add(f"f{i + 1}", f1[i].data, fwd["f1"][i], doc[f"f{i + 1}"])
    for i, n in enumerate((4, 5)):
        ex.add(f"z{n}", z2[i].data, fwd["z2"][i], doc[f"z{n}"])
        ex.add(f"f{n}", f2[i].data, fwd["f2"][i], doc[f"f{n}"])
    ex.add("z6", z3[0].data, fwd["z3"][0], doc["z6"])
    ex.add("f6 = ŷ", f3[0].data, fwd["f3"][0], doc["f6"])
    ex.add("L", loss.data, fwd["loss"])
    ex.add("δ(3) = δ6", z3[0].grad, grads["delta3"][0], doc["delta3"])
    for i, n in enumerate((4, 5)):
        ex.add(f"δ(2)  δ{n}", z2[i].grad, grads["delta2"][i], doc["delta2"][i])
    for i in range(3):
        ex.add(f"δ(1)  δ{i + 1}", z1[i].grad, grads["delta1"][i], doc["delta1"][i])
    for j in range(2):
        ex.add(f"∂L/∂w(1)1,{j + 1}", W1[0][j].grad, grads["W1"][0][j])
    return ex


def replay_all() -> list[Example]:
    return [
        add_mul(),
        sigmoid_gate(fused=True),
        sigmoid_gate(fused=False),
        pytorch_mean(),
        seed002(),
        three_layer_network(3),  # first the reading that agrees with the tutorial's own arithmetic
        three_layer_network(2),
    ]


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.12g}"


def _mark(ok: bool | None) -> str:
    return {None: "", True: "✓", False: "✗"}[ok]


def format_example(ex: Example, slips: str = "each") -> str:
    """The example's table; ``slips``: "each" explains every ✗ row on a line of its own, "summary" in one line."""
    head = ("quantity", "engine", "tutorial prints", "", "exact (float64)", "")
    rows = [(r.quantity, _fmt(r.engine), _fmt(r.printed), _mark(r.printed_ok), _fmt(r.exact), _mark(r.exact_ok))
            for r in ex.rows]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [ex.title, line.format(*head).rstrip(), "  ".join("-" * w for w in widths)]
    out += [line.format(*r).rstrip() for r in rows]
    if slips == "each":
        for r in ex.document_slips:
            out.append(f"  ✗ the tutorial prints {r.quantity} = {_fmt(r.printed)}; the engine computes {_fmt(r.engine)}"
                       " (the tutorial's slip)")
    elif ex.document_slips:
        names = ", ".join(r.quantity.split()[-1] for r in ex.document_slips)
        out.append(f"  ✗ {len(ex.document_slips)} printed numbers disagree ({names}): the tutorial did not compute "
                   "them with this matrix.")
    out += [f"  {n}" for n in ex.notes]
    return "\n".join(out)


def verdict_seed001(as_printed: Example, as_computed: Example) -> str:
    """The contradiction in the tutorial's 2-3-2-1 network, in two sentences, from the two readings' ✗ rows."""
    slips = as_computed.document_slips
    names = ", ".join(r.quantity.split()[-1] for r in slips) or "nothing"
    return (
        f"The tutorial contradicts itself about one weight: its W(2) matrix prints {CONTESTED} = 2 (neuron 5's "
        "weight on f2), but its z5 line computes 3·f1 + 3·f2 + 2·f3 + 1, i.e. uses 3.\n"
        f"With {CONTESTED} = 3 every printed number agrees except {names}, which it computed with the matrix's 2; "
        f"with {CONTESTED} = 2, as printed, {len(as_printed.document_slips)} of its printed numbers disagree."
    )


INTRO = (
    "The ✗ rows below are slips in a tutorial, found by the engine, not failures of the tool: a Chinese backprop\n"
    "tutorial works a 2-3-2-1 sigmoid network by hand, and its weight matrix, its arithmetic and one of its δ's\n"
    "disagree about one weight. Each table sets the engine's numbers beside what the tutorial prints (✓: equal at\n"
    "the digits printed) and exact float64 references; the tool's own check is that last column, and the last line."
)


def report() -> str:
    examples = replay_all()
    net = {ex.name: ex for ex in examples}
    computed, printed = net["three_layer_as_computed"], net["three_layer_as_printed"]
    parts = [INTRO] + [format_example(ex) for ex in examples if ex not in (computed, printed)]
    parts += [NOTATION, format_example(computed), verdict_seed001(printed, computed),
              format_example(printed, slips="summary")]
    bad = [ex.name for ex in examples if not ex.ok]
    parts.append("All engine values match the float64 references to 1e-12." if not bad
                 else f"MISMATCH with the float64 references in: {', '.join(bad)}")
    return "\n\n".join(parts)
