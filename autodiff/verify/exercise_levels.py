"""The graphs of the practice exercises (``exercise.py``), one builder per level, drawn from a seeded
``random.Random``. Only ``randrange`` is called: for an int seed its sequence is the same on every
Python 3 version and in every run (no hashing, no floats drawn), so a seed names one exercise.

    1  one gate      f = x ∘ y,  ∘ ∈ {+, −, ×, max, ÷}
    2  a chain       q = x ∘ y, f = q ∘ z (or a third gate r, or a square q ** 2 on the way)
    3  fan-out       a node used twice: ∂f/∂x = Σ over its consumers c of ∂f/∂c · ∂c/∂x
    4  a neuron      f = act(w0·x0 + w1·x1 + b) as gates (p0, p1, s, z), act σ or tanh
    5  a 2-layer net f = v1·h1 + v2·h2 + c, hⱼ = act(wⱼ₁·x1 + wⱼ₂·x2 + bⱼ) (the data x are plain numbers)

Numbers are small integers and halves. A draw whose numbers would blur the lesson (a zero gradient
outside max, a tie at max, a value over ``MAX_ABS``, an activation's input at 0 or far out on its flat
tails) is drawn again from the same generator (``nice``), so the result is still one per seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from ..engine import Value
from ..functions import dot
from ..functions import max as maximum
from ..graph import gradients, topological_order

LEVELS = {1: "one gate", 2: "a chain", 3: "fan-out: paths add", 4: "a neuron", 5: "a two-layer net"}
INTS = (-3, -2, -1, 1, 2, 3, 4)
HALVES = (-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2)
DIVISORS = (-4, -2, 2, 4)
MAX_ABS = 60.0  # no value or gradient of an exercise is larger
TRIES = 500  # draws before the generator gives up (never reached: tests/test_exercise.py draws many seeds)
GATES: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "max": maximum,
}


class Draw:
    """One attempt at a level's graph: leaves and gates named as they are made."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, seq: Sequence):
        return seq[self.rng.randrange(len(seq))]

    def leaf(self, name: str, choices: Sequence = INTS) -> Value:
        return Value(float(self.pick(choices)), label=name)

    def gate(self, name: str, op: str, a: Value, b: Value) -> Value:
        out = GATES[op](a, b)
        out.label = name
        return out

    def either(self, name: str, op: str, a: Value, b: Value) -> Value:
        """a ∘ b or b ∘ a, drawn (+ and × read the same both ways, − and ÷ do not)."""
        return self.gate(name, op, a, b) if self.rng.randrange(2) else self.gate(name, op, b, a)

    def act(self, name: str, kind: str, z: Value) -> Value:
        out = z.sigmoid() if kind == "sigmoid" else z.tanh()
        out.label = name
        return out


def one_gate(d: Draw) -> Value:
    op = d.pick(("+", "-", "*", "max", "/"))
    x, y = d.leaf("x"), d.leaf("y", DIVISORS if op == "/" else INTS)
    return d.gate("f", op, x, y)


def chain(d: Draw) -> Value:
    q = d.gate("q", d.pick(("+", "-", "*")), d.leaf("x"), d.leaf("y"))
    if d.rng.randrange(3) == 0:  # a square on the way: ∂r/∂q = 2q
        r = q**2
        r.label = "r"
        return d.either("f", d.pick(("+", "*")), r, d.leaf("z"))
    if d.rng.randrange(2):
        return d.either("f", d.pick(("*", "-")), q, d.leaf("z"))
    r = d.either("r", d.pick(("+", "-", "*")), q, d.leaf("z"))
    return d.either("f", "*", r, d.leaf("w"))


def fan_out(d: Draw) -> Value:
    x, y, z = d.leaf("x"), d.leaf("y"), d.leaf("z")
    shape = d.rng.randrange(3)
    if shape == 0:  # x feeds two gates: a = x ∘ y, b = x ∘ z, f = a ∘ b
        a = d.gate("a", d.pick(("+", "*")), x, y)
        b = d.gate("b", d.pick(("-", "*", "+")), x, z)
        return d.gate("f", d.pick(("*", "+", "-")), a, b)
    if shape == 1:  # an inner node feeds two: a = x ∘ y, b = a ∘ z, f = b ∘ a
        a = d.gate("a", d.pick(("+", "-", "*")), x, y)
        b = d.either("b", d.pick(("+", "*")), a, z)
        return d.gate("f", d.pick(("*", "-")), b, a)
    a = d.gate("a", d.pick(("+", "*")), x, y)  # paths of two lengths: x → a → b → f and x → f
    b = d.either("b", d.pick(("*", "-")), a, z)
    return d.either("f", "*", b, x)


def neuron(d: Draw) -> Value:
    kind = d.pick(("sigmoid", "tanh"))
    w0, x0, w1, x1 = d.leaf("w0", HALVES), d.leaf("x0", HALVES), d.leaf("w1", HALVES), d.leaf("x1", HALVES)
    b = d.leaf("b", (-2, -1, 1, 2))
    p0, p1 = d.gate("p0", "*", w0, x0), d.gate("p1", "*", w1, x1)
    z = d.gate("z", "+", d.gate("s", "+", p0, p1), b)
    return d.act("f", kind, z)


def two_layer_net(d: Draw) -> Value:
    kind = d.pick(("sigmoid", "tanh"))
    x = [float(d.pick(HALVES)), float(d.pick(HALVES))]
    hidden = []
    for j in (1, 2):
        w = [d.leaf(f"w{j}1", HALVES), d.leaf(f"w{j}2", HALVES)]
        s = dot(w, x, d.leaf(f"b{j}", (-1, -0.5, 0.5, 1)))
        s.label = f"s{j}"
        hidden.append(d.act(f"h{j}", kind, s))
    v = [d.leaf("v1", INTS), d.leaf("v2", INTS)]
    f = dot(v, hidden, d.leaf("c", (-1, 1, 2)))
    f.label = "f"
    return f


BUILDERS: dict[int, Callable[[Draw], Value]] = {1: one_gate, 2: chain, 3: fan_out, 4: neuron, 5: two_layer_net}


def nice(root: Value) -> bool:
    """Are the graph's numbers fit for a lesson? Values and gradients at most ``MAX_ABS``; no
    gradient or local derivative 0 (except where max routes); no tie at max; no product of two
    factors of one size (x·x, x·(−x)); σ and tanh read an input of size 0.25 to 2.5 (away from 0, where a slip's number could equal the right one, and
    from the flat tails)."""
    order = topological_order(root)
    grads = gradients(root, order=order)
    routes = any(v.rule == "max" for v in order)
    for v in order:
        if abs(v.data) > MAX_ABS or abs(grads[v]) > MAX_ABS or (grads[v] == 0 and not routes):
            return False
        if v.rule == "max" and v.parents[0].data == v.parents[1].data:
            return False
        if v.rule in ("sigmoid", "tanh") and not 0.25 <= abs(v.parents[0].data) <= 2.5:
            return False
        if not routes and any(local == 0 for local in v.local_grads):
            return False
        if v.rule in ("mul", "dot") and any(abs(a) == abs(b) for a, b in _factors(v)):
            return False  # a product's factors differ in size: "mul swapped" is not "right" or "sign flipped"
    return True


def _factors(v: Value) -> list[tuple[float, float]]:
    """The numbers multiplied in a mul node (a, b) or a dot node (w₀, x₀), (w₁, x₁), ... (its bias aside)."""
    ops = [o.data if isinstance(o, Value) else o for o in v.operands]
    return [(ops[i], ops[i + 1]) for i in range(0, len(ops) // 2 * 2, 2)]


def build(seed: int, level: int) -> Value:
    """The graph of exercise (``seed``, ``level``): the first nice draw of ``random.Random(seed)``."""
    rng = random.Random(seed)
    for _ in range(TRIES):
        root = BUILDERS[level](Draw(rng))
        if nice(root):
            return root
    raise RuntimeError(f"no exercise with fit numbers in {TRIES} draws (seed {seed}, level {level})")


__all__ = ["LEVELS", "build", "nice"]
