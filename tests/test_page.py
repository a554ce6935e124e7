"""The step-through page without a browser: one self-contained file (no request of any kind), the
numbers of trace_backward/trace_forward in its sentences and tables, every user text escaped (the
JSON in its script too), the drawing limit, the graph left as it was; the command's --html."""

from __future__ import annotations

import html
import json
import re
import struct

import pytest
from graphs import add_mul
from test_cli import assert_user_error, run

import autodiff
from autodiff import GraphTooLargeError, Value
from autodiff.text.display import fmt
from autodiff.verify import backward_check, diagnosis
from autodiff.viz import page_hints
from autodiff.viz.frames import frame_states
from autodiff.viz.page import page_html, script_json


def page_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page, re.DOTALL)
    return json.loads(m.group(1))


def sections(page: str) -> dict[str, str]:
    return dict(re.findall(r'<section class="pass" data-mode="(\w+)"[^>]*>(.*?)</section>', page, re.DOTALL))


def plain(fragment: str) -> str:
    """The text of an HTML fragment, tags dropped, entities decoded, spaces folded."""
    import html

    fragment = re.sub(r'<span class="box".*?</span>', "", fragment)  # the quiz's input box and check button
    inline = re.sub(r"</?(?:span|b)\b[^>]*>", "", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def test_the_page_is_one_file_that_asks_for_nothing(tmp_path):
    *_, f = add_mul()
    path = autodiff.save_html(f, tmp_path / "deep" / "steps.html")
    page = path.read_text(encoding="utf-8")
    assert list(tmp_path.rglob("*")) == [tmp_path / "deep", path], "one file, no assets beside it"
    assert not re.findall(r"\b(?:src|href|action|poster|srcset)\s*=", page, re.IGNORECASE)
    assert "<link" not in page and "@import" not in page and "url(" not in page and "fetch(" not in page
    assert "XMLHttpRequest" not in page and "<iframe" not in page
    # the only "http" left are the SVG namespace names (xmlns), which no browser fetches
    assert set(re.findall(r'[\w:]+="https?://[^"]*"', page)) <= {
        'xmlns="http://www.w3.org/2000/svg"', 'xmlns:xlink="http://www.w3.org/1999/xlink"'}
    assert "default-src 'none'" in page, "a Content-Security-Policy forbids every request"
    assert page.count("<svg") == 2 and page.count("<script") == 2, "one drawing per pass, whatever the steps"


def test_the_sentences_and_tables_hold_the_numbers_of_the_traces():
    *_, f = add_mul()
    trace = autodiff.trace_backward(f)
    page = page_html(f)
    data, parts = page_data(page), sections(page)
    assert [s["node"] for s in data["backward"]] == [None] + [trace.names[s.node] for s in trace]
    assert [s["id"] for s in data["backward"][1:]] == [f"n{trace.order.index(s.node)}" for s in trace]
    sentences = re.findall(r'<div class="sentence" data-i="(\d+)"[^>]*>(.*?)</div>', parts["backward"], re.DOTALL)
    for (i, sentence), step in zip(sentences[1:], trace):
        assert int(i) == step.index
        for c in step.contributions:
            p = trace.names[c.parent]
            expected = (f"upstream {fmt(step.upstream)} × local {fmt(c.local)} (∂{trace.names[step.node]}/∂{p}) = "
                        f"{fmt(c.contribution)} added to {p}.grad: {fmt(c.before)} → {fmt(c.after)}")  # fmt: skip
            assert expected in plain(sentence)
    assert "upstream -4 × local 1 (∂q/∂x) = -4 added to x.grad: 0 → -4" in plain(sentences[2][1])
    rows = re.findall(r'<tr data-i="(\d+)"', parts["backward"])
    assert rows == ["0", "1", "1", "2", "2"], "a start row, then one row per parent"
    forward = autodiff.trace_forward(f)
    fsent = re.findall(r'<div class="sentence" data-i="\d+"[^>]*>(.*?)</div>', parts["forward"], re.DOTALL)
    assert [plain(s) for s in fsent][2] == "Step 3 of 5: q = x + y = -2 + 5 = 3."
    assert [s["node"] for s in data["forward"]] == [forward.names[s.node] for s in forward]
    assert (data["ink"]["backward"], data["ink"]["forward"]) == ("#a3161b", "#1b6e2a"), "CS231n's red and green"


def test_each_step_repaints_the_one_drawing_with_the_numbers_of_its_frame():
    """The page's step k paints what frame k shows (frame_states: the gradients known after step k, the
    node outlined, the parents), and the drawing's boxes have the ids the steps name."""
    *_, f = add_mul()
    trace = autodiff.trace_backward(f)
    page = page_html(f)
    data, parts = page_data(page), sections(page)
    ids = {v: f"n{i}" for i, v in enumerate(trace.order)}
    known = {row[0]: row[1] for row in data["start"]}
    assert known == {ids[f]: "1"}
    for state, step in zip(frame_states(trace), data["backward"][1:]):
        known.update((row[0], row[1]) for row in step["paint"])
        assert known == {ids[v]: fmt(g) for v, g in state.grads.items()}
        assert step["cur"] == ids[state.current] and step["gate"] == ids[state.current] + "_op"
        assert set(step["active"]) == {ids[v] for v in state.active_parents}
        assert set(step["edges"]) == {f"{ids[p]}->{step['gate']}" for p in state.current.parents}
        for title in (step["cur"], step["gate"], *step["active"]):
            assert f"<title>{title}</title>" in parts["backward"]
        for edge in step["edges"]:
            assert f"<title>{html.escape(edge).replace('-', '&#45;')}</title>" in parts["backward"]
    assert [s["cur"] for s in data["forward"]] == [ids[v] for v in trace.order], "forward: inputs first"
    assert [s["gate"] for s in data["forward"]] == [None, None, "n2_op", None, "n4_op"]


def test_labels_are_escaped_in_the_page_and_in_its_json():
    evil = '</script><script>alert(1)</script><b>&amp;"\u2028'
    x = Value(2.0, label=evil)
    f = (x * 3).tanh()
    f.label = "<!--"
    page = page_html(f)
    assert page.count("</script>") == 2 and "<script>alert" not in page and "<b>&amp;" not in page
    assert "<!--" not in page.split("<body>")[1].replace("<!-- n", "").replace("<!-- ", ""), "only Graphviz's comments"
    data = page_data(page)
    assert data["forward"][0]["node"] == evil.replace("\u2028", "\\u2028"), "printable, as the drawing shows it"
    assert data["backward"][1]["node"] == "<!--" and "&lt;/script&gt;" in page


def test_script_json_cannot_close_its_script():
    data = {"a": "</script><!-- & \u2028\u2029 >", "b": [1.5, None]}
    out = script_json(data)
    assert "<" not in out and ">" not in out and "&" not in out and "\u2028" not in out and "\u2029" not in out
    assert json.loads(out) == data


def test_too_big_a_graph_is_refused_with_the_collapse_hint(tmp_path):
    xs = [Value(float(i), label=f"x{i}") for i in range(30)]
    f = autodiff.sum(xs) * 2
    with pytest.raises(GraphTooLargeError, match="collapse"):
        autodiff.save_html(f, tmp_path / "big.html", max_nodes=10)
    with pytest.raises(ValueError, match="max_steps=1"):
        autodiff.save_html(f, tmp_path / "long.html", max_steps=1)
    with pytest.raises(ValueError, match=r"\.html file"):
        autodiff.save_html(f, tmp_path / "steps.svg")
    with pytest.raises(TypeError, match="unknown drawing option"):
        autodiff.save_html(f, tmp_path / "x.html", colour=True)
    assert not list(tmp_path.iterdir())


def bits(v: Value) -> tuple[bytes, bytes]:
    return struct.pack("<d", v.data), struct.pack("<d", v.grad)


def test_the_page_leaves_every_grad_and_data_as_it_was(tmp_path):
    x, y, z, q, f = add_mul()
    f.backward()
    f.backward()  # accumulated: the page shows one pass from zero, and changes nothing
    before = [bits(v) for v in (x, y, z, q, f)]
    page = autodiff.save_html(f, tmp_path / "p.html").read_text(encoding="utf-8")
    assert [bits(v) for v in (x, y, z, q, f)] == before
    assert "0 → -4" in plain(page) and "earlier passes" in page


def test_a_leaf_has_a_page_with_only_the_start():
    page = page_html(Value(3.0, label="x"))
    data = page_data(page)
    assert len(data["backward"]) == 1 and len(data["forward"]) == 1 and 'max="0"' in page


def test_the_command_writes_the_page_and_the_legend(tmp_path):
    page = tmp_path / "steps.html"
    p = run("draw", "(x+y)*z", "x=-2", "y=5", "z=-4", "--html", str(page))
    assert p.returncode == 0 and f"wrote {page}" in p.stdout, p.stderr
    data = page_data(page.read_text(encoding="utf-8"))
    assert len(data["backward"]) == 3 and len(data["forward"]) == 5
    again = tmp_path / "grad.html"
    p = run("grad", "(x+y)*z", "x=-2", "y=5", "z=-4", "--html", str(again), "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["page"] == str(again) and again.exists()
    with_key, without = tmp_path / "key.svg", tmp_path / "plain.svg"
    assert run("draw", "x*y", "x=2", "y=3", "-o", str(with_key), "--legend").returncode == 0
    assert run("draw", "x*y", "x=2", "y=3", "-o", str(without)).returncode == 0
    assert ">key<" in with_key.read_text() and ">key<" not in without.read_text()
    assert_user_error(run("draw", "x*2", "x=1", "--legend"), "--html steps.html")
    assert_user_error(run("draw", "x*2", "x=1", "--html", str(tmp_path / "a.png")), ".html file")


def named(box: dict, typed: float) -> tuple[str, str] | None:
    """What the page's script does with a typed number: None when right, else the first slip whose
    value agrees (check_backward's agreement), as (kind, hint); ("", "") when none does."""
    if page_hints.agrees(typed, box["v"]):
        return None
    return next(((k, h) for x, h, k in box["hints"] if page_hints.agrees(typed, x)), ("", ""))


def test_the_quiz_boxes_hold_the_right_numbers_and_the_slips_hints():
    """Three boxes per parent (the local derivative, the contribution, the parent's new gradient) with
    trace_backward's exact numbers; a wrong number named by its slip; kinds and wording as check_backward's
    diagnosis."""
    x, *_, f = add_mul()
    trace = autodiff.trace_backward(f)
    data = page_data(page_html(f))
    assert data["tol"] == {"rtol": backward_check.RTOL, "atol": backward_check.ATOL} == {"rtol": 1e-3, "atol": 0.0}
    assert data["backward"][0]["boxes"] == [] and all("boxes" not in s or not s["boxes"] for s in data["forward"])
    for s, step in zip(data["backward"][1:], trace):
        want = [(c.contribution, fmt(c.contribution)) for c in step.contributions]
        assert [(b["v"], str(b["shown"]).removesuffix(".0")) for b in s["boxes"][1::3]] == want
        assert [b["v"] for b in s["boxes"][::3]] == [c.local for c in step.contributions]
        assert [b["v"] for b in s["boxes"][2::3]] == [c.after for c in step.contributions]
    assert [b["label"] for b in data["backward"][1]["boxes"]] == [
        "the local derivative ∂f/∂q", "the contribution to q.grad", "q.grad after this step",
        "the local derivative ∂f/∂z", "the contribution to z.grad", "z.grad after this step"]  # fmt: skip
    x_box = data["backward"][2]["boxes"][1]  # step 2: upstream ∂f/∂q = -4 × local ∂q/∂x = 1
    assert named(x_box, -4) is None and named(x_box, -4.003) is None and named(x_box, -4.005) is not None
    chain = "chain forgotten: your value is the local derivative ∂q/∂x = 1 alone: multiply it by the upstream ∂f/∂q = "
    chain += "-4"
    assert named(x_box, 1) == (page_hints.CHAIN, chain)
    assert named(x_box, 4)[0] == page_hints.SIGN and named(x_box, 4.5) == ("", "")
    q_box = data["backward"][1]["boxes"][1]  # step 1: upstream 1 × local ∂f/∂q = z = -4: local alone is right
    kind, why = named(q_box, 1)
    assert kind == page_hints.UPSTREAM_ALONE and "multiply it by the local derivative ∂f/∂q = -4" in why
    swapped = "mul's operands swapped: your value is upstream × q = 1 × 3: ∂f/∂q of a product is the other factor, -4"
    assert named(q_box, 3) == (page_hints.SWAPPED, swapped + ", not q itself")
    assert page_hints.CHAIN not in [k for *_, k in q_box["hints"]], "a slip that gives the right number is no hint"
    for typed, kind in ((1.0, diagnosis.CHAIN), (4.0, diagnosis.SIGN)):  # x.grad: the page's hint is check_backward's
        report = backward_check.check_backward(f, {"f": 1, "q": -4, "z": 3, "y": -4, "x": typed})
        assert report.first is x and report.diagnosis.kind == kind == named(data["backward"][2]["boxes"][2], typed)[0]
    assert report.diagnosis.kind in diagnosis.KINDS
    told = backward_check.check_backward(f, {"f": 1, "q": -4, "z": 3, "y": -4, "x": 1}).diagnosis.message
    assert named(data["backward"][2]["boxes"][2], 1)[1] == told == chain, "the same words as check_backward's"


def test_the_quiz_names_an_overwrite_and_escapes_nothing_it_should_not():
    """A node used twice: its second contribution's box knows the overwrite (the earlier gradient
    lost); the hints are plain text in the JSON (the page writes them with textContent)."""
    a = Value(2.0, label="</script><a>")
    b = Value(5.0, label="b")
    g = (a * b) * 3 + a
    g.label = "g"
    trace = autodiff.trace_backward(g)
    page = page_html(g)
    data = page_data(page)
    (step,) = [s for s in trace if s.node.op == "mul" and s.node._a is a]
    (c,) = [c for c in step.contributions if c.parent is a]
    box = data["backward"][step.index]["boxes"][3 * step.contributions.index(c) + 2]
    assert (c.before, c.contribution) == (1.0, 15.0) and box["v"] == c.after == 16.0
    assert named(box, c.contribution)[0] == page_hints.OVERWRITTEN == diagnosis.OVERWRITTEN
    assert "without the 1 </script><a>.grad already held" in named(box, c.contribution)[1]
    assert named(box, c.before + c.local)[0] == page_hints.CHAIN, "the parent's gradient plus the local alone"
    assert named(box, c.before - c.contribution)[1].startswith("sign flipped: your value is 1 − (3 × 5)")
    assert page.count("</script>") == 2 and "<a>" not in page
    kinds = {k for s in data["backward"] for bx in s["boxes"] for *_, k in bx["hints"]}
    assert kinds <= set(diagnosis.KINDS) | {page_hints.UPSTREAM_ALONE} and page_hints.OVERWRITTEN in kinds
