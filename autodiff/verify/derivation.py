"""The chain rule written out: ``derivation(f, x)`` is ∂f/∂x as the sum over every path x → … → f of
the product of the local derivatives along it, first in symbols, then with the local derivatives'
symbols, then their numbers, then the total:

    ∂f/∂x = ∂f/∂q · ∂q/∂x = z · 1 = (−4) · 1 = −4

Names are the drawings' (labels; unlabelled nodes get the shared ``text.display`` names); a node that
uses the same input twice (``x·x``) has one factor per use, ``∂f/∂x[1]`` and ``∂f/∂x[2]``. The local
derivatives' symbols come from the rules table (``local_forms``), their numbers are the ones the engine
recorded, and the paths are counted before any is listed (``viz.gradient_paths``), so a graph with
exponentially many paths gets a message, not a hang. Nothing is changed: no ``.grad`` is touched.
"""

from __future__ import annotations

from ..engine import Value
from ..text.display import check_digits, counted, equals
from ..viz.gradient_paths import GradientPath, PathLimitError, paths
from .local_forms import PRODUCT, Term, edge_form, latex_name, number

LIMIT = 100  # paths written out by default (a longer derivation is not read)
ONE_LINE = 100  # characters: a longer derivation prints one step per line


class Derivation:
    """∂root/∂leaf as a derivation: ``print(d)`` (plain text), ``d.latex`` (for homework), rendered
    as LaTeX in Jupyter. ``steps`` are the right-hand sides in order, ``total`` the result (the sum
    of the paths' products: what ``root.backward()`` leaves in ``leaf.grad``)."""

    def __init__(self, root: Value, leaf: Value, found: list[GradientPath], names: dict[Value, str],
                 total: float, digits: int) -> None:  # fmt: skip
        self.root, self.leaf, self.paths, self.names, self.total, self.digits = root, leaf, found, names, total, digits
        r = names.get(root, root.label or "f")
        x = names.get(leaf, leaf.label or "x")
        self.lhs = (f"∂{r}/∂{x}", rf"\frac{{\partial {latex_name(r)}}}{{\partial {latex_name(x)}}}")
        self.note = ""
        if leaf is root:
            self.steps = [("1", "1")]
        elif not found:
            self.steps = [("0", "0")]
            self.note = f"{x} is not in the graph of {r}: no path"
        else:
            self.steps = self._steps()

    def _steps(self) -> list[tuple[str, str]]:
        chains, forms, values, products = [], [], [], []
        for p in self.paths:
            factors = _factors(p, self.names)
            chains.append([(f"∂{a}/∂{b}", rf"\frac{{\partial {la}}}{{\partial {lb}}}") for a, b, la, lb in factors])
            edge = [edge_form(p.nodes[i + 1], p.slots[i], self.names, self.digits) for i in range(len(p.locals))]
            alone = len(edge) == 1 and len(self.paths) == 1  # a lone factor needs no brackets
            forms.append([(t.text, t.latex) if alone or t.prec >= PRODUCT else (f"({t.text})", rf"\left({t.latex}\right)")
                          for t in reversed(edge)])  # fmt: skip
            many = len(p.locals) > 1
            values.append([_bracketed(number(a, self.digits), many) for a in reversed(p.locals)])
            products.append(number(p.product, self.digits))
        steps = [_sum_of_products(chains), _sum_of_products(forms), _sum_of_products(values)]
        if len(self.paths) > 1:
            first, *rest = products
            text, latex = first.text, first.latex
            for t in rest:
                sign, t = (" − ", -t) if t.value < 0 else (" + ", t)
                text, latex = f"{text}{sign}{t.text}", f"{latex}{sign.replace('−', '-')}{t.latex}"
            steps.append((text, latex))
        total = number(self.total, self.digits)
        steps.append((total.text, total.latex))
        out: list[tuple[str, str]] = []
        if steps[0][0] == self.lhs[0]:  # one path of one edge: ∂f/∂z = q, not ∂f/∂z = ∂f/∂z = q
            steps.pop(0)
        for s in steps:  # a step that reads as the one before (z · 1 with z a leaf's number) is left out
            if not out or s[0] != out[-1][0]:
                out.append(s)
        return out

    @property
    def text(self) -> str:
        lhs = self.lhs[0]
        rhs = [equals(s) for s, _ in self.steps]  # "= 0.5", or "≈ 0.8221" for a rounded step: never "= ≈"
        one = " ".join([lhs, *rhs])
        if len(one) > ONE_LINE:
            pad = " " * len(lhs)
            one = "\n".join([f"{lhs} {rhs[0]}", *(f"{pad} {s}" for s in rhs[1:])])
        return f"{one}\n({self.note})" if self.note else one

    @property
    def latex(self) -> str:
        """The derivation as a LaTeX ``aligned`` block (math mode; every name escaped)."""
        rows = [rf"{self.lhs[1]} &= {self.steps[0][1]}", *(rf"&= {s}" for _, s in self.steps[1:])]
        return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Derivation({self.lhs[0]} = {_short(self.total, self.digits)}, {counted(len(self.paths), 'path')})"

    def _repr_latex_(self) -> str:
        return f"$${self.latex}$$"


def _short(x: float, digits: int) -> str:
    return number(x, digits).text


def _bracketed(t: Term, factor: bool) -> tuple[str, str]:
    """A number as a factor: negative ones in brackets, as hand derivations write (−4) · 1."""
    if factor and t.value < 0:
        return f"({t.text})", rf"\left({t.latex}\right)"
    return t.text, t.latex


def _factors(p: GradientPath, names: dict[Value, str]) -> list[tuple[str, str, str, str]]:
    """(numerator, denominator) names of each factor ∂next/∂node, from the root down; a node that
    uses an input more than once names the use: ∂f/∂x[2] is the second input of f."""
    out = []
    for i in range(len(p.locals) - 1, -1, -1):
        node, parent, slot = p.nodes[i + 1], p.nodes[i], p.slots[i]
        a, b = names[node], names[parent]
        la, lb = latex_name(a), latex_name(b)
        if sum(1 for q in node.parents if q is parent) > 1:
            b, lb = f"{b}[{slot + 1}]", rf"{lb}^{{[{slot + 1}]}}"
        out.append((a, b, la, lb))
    return out


def _sum_of_products(rows: list[list[tuple[str, str]]]) -> tuple[str, str]:
    text = " + ".join(" · ".join(t for t, _ in row) or "1" for row in rows)
    latex = " + ".join(r" \cdot ".join(t for _, t in row) or "1" for row in rows)
    return text, latex


def derivation(root: Value, leaf: Value, limit: int = LIMIT, *, digits: int = 4) -> Derivation:
    """∂root/∂leaf written out as the chain rule: the sum over paths of the products of the local
    derivatives, in symbols, then in numbers, then the total. More than ``limit`` paths raise
    ``PathLimitError`` (counted first, before any is listed). No ``.grad`` or ``.data`` is touched."""
    for what, v in (("root", root), ("leaf", leaf)):
        if not isinstance(v, Value):
            raise TypeError(f"derivation needs Values, got {what} = {type(v).__name__}: {v!r}")
    check_digits(digits)
    report = paths(root, leaf, limit, digits=digits)  # counts first; raises PathLimitError past the limit
    return Derivation(root, leaf, report.paths if leaf is not root else [], report.names, report.total, digits)


__all__ = ["Derivation", "PathLimitError", "derivation"]
