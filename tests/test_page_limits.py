"""The step-through page holds any graph the tools accept: its size and time bounded up to the drawing
limit (one drawing per pass, not one per step), too many rows refused with a clear message; infinite
and nan gradients shown; hostile labels (template placeholders, markup) kept as text; the summary's
lines; the CJK fallback fonts; the quiz's local-derivative box and its slips."""

from __future__ import annotations

import itertools
import json
import re
import time

import pytest
from graphs import add_mul, sigmoid_gate
from test_page import page_data, plain, sections

import autodiff
from autodiff import GraphTooLargeError, Value
from autodiff.text import slips
from autodiff.text.display import fmt
from autodiff.verify import backward_check
from autodiff.viz.options import DrawOptions
from autodiff.viz.page import MAX_ROWS, fill, page_html

MB = 1_000_000
SECONDS = 60  # generous: 2,000 nodes take about 4 s on an idle 2-core machine, the old page 53 s for 500 leaves
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei")


def leaves_into_dot(n: int) -> Value:
    xs = [Value(float(i % 7) - 3, label=f"x{i}") for i in range(n)]
    d = autodiff.dot(xs, [0.5] * n)
    d.label = "d"
    return d


def timed_page(root: Value, tmp_path) -> tuple[str, float]:
    start = time.perf_counter()
    path = autodiff.save_html(root, tmp_path / "big.html")
    return path.read_text(encoding="utf-8"), time.perf_counter() - start


@pytest.mark.parametrize("n", [500, 1999])
def test_a_dot_of_many_leaves_makes_a_page_of_bounded_size_and_time(n, tmp_path):
    """500 leaves made a 402 MB page in 53 s (an SVG per forward step); 1999 leaves (2000 nodes, draw's
    max_nodes) is the widest graph the tools accept: one drawing per pass keeps both small."""
    d = leaves_into_dot(n)
    page, seconds = timed_page(d, tmp_path)
    assert len(page.encode()) < 20 * MB and seconds < SECONDS, (len(page) / MB, seconds)
    assert page.count("<svg") == 2
    data = page_data(page)
    assert len(data["forward"]) == n + 1 and len(data["backward"]) == 2
    assert len(data["backward"][1]["paint"]) == n and len(data["backward"][1]["boxes"]) == 3 * n


def test_the_longest_pass_at_the_node_limit_stays_bounded(tmp_path):
    """max_steps (300) steps in a graph of about max_nodes nodes: a chain of n-ary sums with 5 new
    inputs each, then tanh."""
    h = Value(1.0, label="h0")
    for i in range(299):
        h = autodiff.sum([h, *(Value(0.01 * (5 * i + j), label=f"x{5 * i + j}") for j in range(5))])
    h = h.tanh()
    trace = autodiff.trace_backward(h)
    assert len(trace) == 300 and 1700 < len(trace.order) <= DrawOptions().max_nodes
    page, seconds = timed_page(h, tmp_path)
    assert len(page.encode()) < 20 * MB and seconds < SECONDS, (len(page) / MB, seconds)
    assert len(page_data(page)["backward"]) == 301


def test_a_pass_with_too_many_rows_is_refused_at_once(tmp_path):
    """Few nodes but many edges (20 sums over the same 300 inputs): refused before any drawing."""
    xs = [Value(float(i), label=f"x{i}") for i in range(300)]
    f = autodiff.sum([autodiff.sum(xs) for _ in range(20)])
    start = time.perf_counter()
    with pytest.raises(GraphTooLargeError, match=rf"6341 rows \(321 nodes and 6020 edges\), more than {MAX_ROWS}"):
        autodiff.save_html(f, tmp_path / "many.html")
    assert time.perf_counter() - start < 5 and not list(tmp_path.iterdir())


def sqrt_at_zero() -> tuple[Value, Value, Value]:
    """x = 0, y = 2, g = √x · y: ∂g/∂x = y / (2√x) = ∞ (the README's √ at 0); n = √x · 0: ∂n/∂x = 0 · ∞ = nan."""
    x, y = Value(0.0, label="x"), Value(2.0, label="y")
    g = x.sqrt() * y
    g.label = "g"
    n = x.sqrt() * 0.0
    n.label = "n"
    return x, g, n


def test_infinite_and_nan_gradients_are_shown_and_asked():
    """"could not convert string to float: '∞'" before: now ∞ in the sentences and the picture's steps,
    and the quiz's numbers that JSON cannot hold are "inf", "-inf", "nan"."""
    x, g, n = sqrt_at_zero()
    trace = autodiff.trace_backward(g)
    assert trace.grads[x] == float("inf")
    page = page_html(g)
    data, parts = page_data(page), sections(page)
    (step,) = [s for s in trace if any(c.parent is x for c in s.contributions)]
    boxes = data["backward"][step.index]["boxes"]
    assert [b["v"] for b in boxes] == ["inf", "inf", "inf"] and [b["shown"] for b in boxes] == ["inf"] * 3
    assert any(h[0] == "-inf" and h[2] == slips.SIGN for h in boxes[0]["hints"]), "−∞ is the sign slip"
    assert "upstream 2 × local ∞ (∂v1/∂x) = ∞ added to x.grad: 0 → ∞" in plain(parts["backward"])
    assert data["backward"][step.index]["paint"][0][1:] == ["∞", data["backward"][step.index]["paint"][0][2], "inf"]
    assert "∂g/∂x = ∞" in page.split('id="summary">')[1]
    nan_page = page_data(page_html(n))
    assert "nan" in [b["v"] for s in nan_page["backward"] for b in s["boxes"]]


def test_placeholders_and_markup_in_labels_stay_text():
    """Labels holding the template's own placeholders were expanded (the page broke and grew 96×)."""
    hostile = ["{{body}}", "{{data}}", "{{js}}", "{{css}}", "{{title}}", "</script><img src=x onerror=alert(1)>",
               "\"'><b>", "<!--"]  # fmt: skip

    def graph(labels):
        xs = [Value(float(i + 1), label=lab) for i, lab in enumerate(labels)]
        f = autodiff.sum([a * b for a, b in itertools.pairwise(xs)])
        f.label = labels[0] + labels[4]
        return f

    page = page_html(graph(hostile))
    plain_page = page_html(graph([f"L{i:0{len(h) - 1}d}" for i, h in enumerate(hostile)]))
    assert len(page) < 1.2 * len(plain_page), (len(page), len(plain_page))
    assert page.count("<script") == 2 and page.count("</script>") == 2 and page.count("<style>") == 1
    assert page.count('<section class="pass"') == 2 and page.count("<svg") == 2
    assert "<img" not in page and "<!--" not in page.split("<body>")[1].replace("<!-- ", "")
    assert page.count("<b>") == page_html(graph([f"L{i}" for i in range(len(hostile))])).count("<b>"), "only ours"
    assert "<title>the backward pass of {{body}}{{title}}, step by step</title>" in page
    data = page_data(page)
    assert set(hostile) <= {s["node"] for s in data["forward"]}, "the names, as text, in the script's data"


def test_fill_reads_placeholders_in_the_template_only():
    assert fill("<a>{{x}}</a><b>{{y}}</b>", {"x": "{{y}}", "y": "{{x}}"}) == "<a>{{y}}</a><b>{{x}}</b>"


def test_the_summary_keeps_its_lines_after_backward():
    """After backward() the summary has a second line (the earlier passes): a line break, not "\\n"."""
    *_, f = add_mul()
    f.backward()
    summary = re.search(r'<pre class="summary" id="summary">(.*?)</pre>', page_html(f), re.DOTALL).group(1)
    lines = summary.split("\n")
    assert len(lines) == 2 and "\\n" not in summary and lines[1].startswith("5 node(s) hold gradients")


def test_pages_and_drawings_name_cjk_fonts():
    """The page's CSS and the drawings' DOT and SVG name CJK-capable fonts after the Latin ones."""
    *_, f = sigmoid_gate()
    page = page_html(f)
    css = re.search(r"<style>(.*?)</style>", page, re.DOTALL).group(1)
    body_fonts = re.search(r"body \{ font-family: ([^;]*);", css).group(1)
    assert [font for font in CJK_FONTS if f'"{font}"' in body_fonts] == list(CJK_FONTS)
    assert body_fonts.index("DejaVu Sans") < body_fonts.index(CJK_FONTS[0]) and body_fonts.endswith("sans-serif")
    source = autodiff.draw(f).source
    for font in CJK_FONTS:
        assert f"{font}," in re.search(r'fontname="([^"]*)"', source).group(1)
        assert font in re.search(r'font-family="([^"]*)"', page).group(1)


def test_the_quiz_asks_for_the_local_derivative_and_names_its_slips():
    """The local derivative ∂N/∂P gets its own box, before the contribution: its slips are
    text/slips.py's local suspects, the same kinds check_backward's diagnosis gives for the same number."""
    v, dot, f = sigmoid_gate()
    trace = autodiff.trace_backward(f)
    data = page_data(page_html(f))
    first = data["backward"][1]["boxes"]  # f = σ(dot): local σ(dot)(1 − σ(dot))
    assert first[0]["label"] == "the local derivative ∂f/∂dot" and first[0]["v"] == trace[0].contributions[0].local

    def kind(box, typed):
        return next((k for x, _, k in box["hints"] if slips.agrees(typed, x)), None)

    assert kind(first[0], f.data) == slips.VALUE_FOR_DERIVATIVE
    assert kind(first[0], -first[0]["v"]) == slips.SIGN
    learner = {"f": 1.0, "dot": f.data}  # σ's value where its derivative was needed
    told = backward_check.check_backward(f, learner).diagnosis
    assert told.node is dot and told.kind == slips.VALUE_FOR_DERIVATIVE
    (step,) = [s for s in trace if s.node.op == "mul" and s.node._a is v["w0"]]
    box = data["backward"][step.index]["boxes"][0]  # ∂(w0·x0)/∂w0 = x0 = -1; w0 itself is 2
    assert box["v"] == v["x0"].data and kind(box, v["w0"].data) == slips.SWAPPED
    assert "your value is w0 = 2 itself" in next(h for x, h, k in box["hints"] if k == slips.SWAPPED)
    assert slips.SWAPPED in [k for k, _ in slips.local_suspects(step.node, v["w0"], v["x0"].data)]
    json.dumps(data, allow_nan=False)  # every number is JSON's
    assert fmt(box["v"]) == "-1"
