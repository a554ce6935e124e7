"""The site's API (``autodiff.web.api.call``), without a browser: the shared link's numbers and every worked
example against finite differences (and the documents' own numbers), named inner nodes, a planted slip named
at its node, parser errors with their caret, the practice calls, links, and that every answer is one JSON
object. Hostile input, limits, speed and imports: ``test_web_api_limits.py``."""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import pytest

from autodiff.cli.examples import reference
from autodiff.text.slips import SWAPPED
from autodiff.web.api import call


def ask(name: str, request) -> dict:
    text = call(name, json.dumps(request))
    answer = json.loads(text)
    assert isinstance(answer, dict) and isinstance(answer["ok"], bool), text[:300]
    return answer


def ok(name: str, request) -> dict:
    answer = ask(name, request)
    assert answer["ok"], answer
    return answer


SHARED = {"expr": "tanh(w*x+b)", "values": {"w": 0.7, "x": 1.3, "b": -0.2}}


def central(f, values: dict, name: str, h: float = 1e-6) -> float:
    up, down = dict(values), dict(values)
    up[name] += h
    down[name] -= h
    return (f(up) - f(down)) / (2 * h)


def forward(request: dict):
    """f at other values, as the API computes it (the finite differences' function)."""
    return lambda values: ok("compute", {**request, "values": values})["output"]["data"]


def test_the_shared_links_numbers_and_finite_differences():
    link = ok("link", {"hash": "#expr=tanh(w*x%2Bb)&w=0.7&x=1.3&b=-0.2"})
    assert link["action"] == "compute" and link["request"] == SHARED
    answer = ok("compute", link["request"])
    shown = {n: answer["inputs"][n]["grad_shown"].lstrip("≈") for n in "wxb"}
    assert shown == {"w": "0.8152", "x": "0.439", "b": "0.6271"}  # the numbers, as drawn
    tanh = lambda v: math.tanh(v["w"] * v["x"] + v["b"])  # the function by hand, not by the engine
    for n in "wxb":
        assert answer["inputs"][n]["grad"] == pytest.approx(central(tanh, SHARED["values"], n), rel=1e-8)
    assert answer["output"]["data"] == pytest.approx(tanh(SHARED["values"]), rel=1e-15)
    assert ok("link", {"request": SHARED})["hash"] == "#expr=tanh%28w%2Ax%2Bb%29&w=0.7&x=1.3&b=-0.2"
    assert ok("link", {"hash": ok("link", {"request": SHARED})["hash"]})["request"] == SHARED  # a round trip


def test_nodes_edges_and_the_drawing_agree():
    answer = ok("compute", SHARED)
    ids = [n["id"] for n in answer["nodes"]]
    assert ids == [f"n{k}" for k in range(len(ids))] and answer["output"]["id"] == ids[-1]
    by_id = {n["id"]: n for n in answer["nodes"]}
    f = by_id[answer["output"]["id"]]
    assert f["op"] == "tanh" and f["grad"] == 1.0
    for e in answer["edges"]:  # the edge's title in the SVG Graphviz makes of the DOT (the player's key)
        assert e["dot_edge"] == f'{e["from"]}->{e["to"]}_op' and f'{e["from"]} -> {e["to"]}_op' in answer["dot"]
    for n in answer["nodes"]:  # the chain rule on the API's own numbers: grad(parent) = Σ grad(child) · local
        sent = [by_id[e["to"]]["grad"] * e["local"] for e in answer["edges"] if e["from"] == n["id"]]
        if sent:
            assert n["grad"] == pytest.approx(math.fsum(sent), rel=1e-12)
    for n in answer["nodes"]:
        assert f'{n["id"]} [' in answer["dot"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_the_dot_lays_out_with_graphviz():
    dot = ok("compute", SHARED)["dot"]
    svg = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60, check=True).stdout
    assert "<title>n5</title>" in svg and "0.8152" in svg


def test_named_inner_nodes_by_structure_and_by_use():
    for expr in ("(x + y) * z", "q * z"):
        answer = ok("compute", {"expr": expr, "values": {"x": -2, "y": 5, "z": -4}, "names": "q = x + y"})
        q = next(n for n in answer["nodes"] if n.get("name") == "q")
        assert (q["label"], q["formula"], q["data"], q["grad"]) == ("q", "x + y", 3.0, -4.0)  # CS231n: ∂f/∂q = z
        assert "label=<" in answer["dot"] and ">q<" in answer["dot"]
    unnamed = ok("compute", {"expr": "(x + y) * z", "values": {"x": -2, "y": 5, "z": -4}})
    assert [n["label"] for n in unnamed["nodes"]] == ["x", "y", "v1", "z", "f"] and "name" not in unnamed["nodes"][2]
    named_output = ok("compute", {"expr": "(x + y) * z", "values": {"x": 1, "y": 2, "z": 3}, "names": "L = (x+y)*z"})
    assert named_output["output"]["label"] == "L"


@pytest.mark.parametrize("names, where", [
    ("q = x + 2", "does not compute"),
    ("q = x", "an input"),
    ("x = y * 2", "is an input"),
    ("q = x + y; q = y * z", "defined twice"),
    ("q = x * w", "unknown name"),
    ("q x + y", "expected NAME = EXPRESSION"),
])  # fmt: skip
def test_bad_names_are_refused_with_their_place(names, where):
    answer = ask("compute", {"expr": "(x + y) * z", "values": {"x": -2, "y": 5, "z": -4}, "names": names})
    assert not answer["ok"] and where in answer["error"], answer
    assert "\n" not in answer["error"]


def test_a_planted_slip_is_named_at_its_node():
    ex = ok("example", {"key": "sigmoid_neuron"})
    request = ex["request"]
    grads = {n["id"]: n["grad"] for n in ex["nodes"]}
    w0 = next(n for n in ex["nodes"] if n["label"] == "w0")
    dot = next(n for n in ex["nodes"] if n["label"] == "dot")
    grads[w0["id"]] = dot["grad"] * w0["data"]  # ∂f/∂(w0·x0) times w0 itself, where x0 was needed
    answer = ok("check", {**request, "grads": grads})
    assert not answer["all_right"] and answer["first_wrong"] == w0["id"] and answer["first_wrong_label"] == "w0"
    assert answer["slip"] == SWAPPED and "w0" in answer["message"]
    assert answer["right"].endswith(f'= {w0["grad_shown"]}')  # the right computation, to the engine's number
    assert f'· ({next(n for n in ex["nodes"] if n["label"] == "x0")["data_shown"]})' in answer["right"]  # × x0
    edge = answer["edge"]
    assert edge["from"] == w0["id"] and edge["dot_edge"] == f'{w0["id"]}->{edge["to"]}_op'
    assert answer["dot"].count(f'{w0["id"]} -> {edge["to"]}_op [') == 1
    wrong = [r for r in answer["rows"] if not r["ok"]]
    assert [r["id"] for r in wrong] == [w0["id"]]
    right = ok("check", {**request, "grads": {k: v for k, v in grads.items() if k != w0["id"]}})
    assert right["all_right"] and right["first_wrong"] is None and right["slip"] is None
    empty = ask("check", {**request, "grads": {w0["id"]: ""}})
    assert not empty["ok"] and "at least one" in empty["error"]


def test_check_reads_typed_text_and_local_derivatives():
    request = {"expr": "(x + y) * z", "values": {"x": -2, "y": 5, "z": -4}, "names": "q = x + y"}
    answer = ok("check", {**request, "grads": {"q": "-4", "x": "-4", "y": "-8/2", "z": "3"}, "locals": {"q->f": "3"}})
    assert not answer["all_right"] and answer["slip"] == "wrong local"  # ∂f/∂q = z = −4, not 3
    assert answer["locals"] == [{"from": "n2", "to": "n4", "yours": 3.0, "engine": -4.0, "ok": False}]
    bad = ask("check", {**request, "grads": {"q": "abc"}})
    assert not bad["ok"] and "abc" in bad["error"]
    unknown = ask("check", {**request, "grads": {"nope": 1}})
    assert not unknown["ok"] and "no node is named 'nope'" in unknown["error"]


def test_derive_writes_the_chain_rule_and_the_paths():
    answer = ok("derive", {"expr": "x * y + x", "values": {"x": 3, "y": 2}, "wrt": "x"})
    assert answer["total"] == 3.0 and len(answer["paths"]) == 2  # y + 1: two paths from x
    assert sorted(p["product"] for p in answer["paths"]) == [1.0, 2.0]
    assert answer["text"].startswith("∂f/∂x") and answer["latex"].startswith(r"\begin{aligned}")
    assert "2 paths" in answer["paths_text"]
    by_id = ok("derive", {"expr": "x * y + x", "values": {"x": 3, "y": 2}, "wrt": "n1"})
    assert by_id["wrt"] == "y" and by_id["total"] == 3.0


def test_steps_are_the_step_through_pages_data():
    from autodiff.viz.page import page_html, page_parts

    answer = ok("steps", SHARED)
    assert not answer["too_large"] and set(answer["dot"]) == {"backward", "forward"}
    backward = answer["data"]["backward"]
    assert backward[0]["id"] is None  # the start, then one step per operation, from the output back
    assert [s["id"] for s in backward[1:]] == ["n5", "n4", "n2"] and [s["node"] for s in backward[1:]] == ["f", "v2", "v1"]
    assert len(answer["data"]["forward"]) == 6 and answer["last"] == "3"
    assert '<div class="picture"></div>' in answer["body"]  # the browser puts the laid-out DOT there
    if shutil.which("dot"):  # the page made with Graphviz carries the same player data
        from autodiff.engine import Value

        w, x, b = (Value(v, label=n) for n, v in SHARED["values"].items())
        f = (w * x + b).tanh()
        f.label = "f"
        page = page_html(f, show_local=True, max_nodes=500)
        data = page.split('<script type="application/json" id="page-data">')[1].split("</script>")[0]
        assert json.loads(data) == answer["data"]
        assert page_parts(f, show_local=True, max_nodes=500)["dot"] == answer["dot"]
        whole = ok("steps", {**SHARED, "page": True})  # the page itself, its pictures left for the browser
        filled = whole["page"]
        for mode, slot in whole["svg_slots"].items():
            svg = subprocess.run(["dot", "-Tsvg"], input=whole["dot"][mode], capture_output=True, text=True,
                                 timeout=60, check=True).stdout  # fmt: skip
            assert filled.count(slot) == 1
            filled = filled.replace(slot, svg[svg.index("<svg") :])
        assert filled == page  # with Graphviz's SVG in its slots, it is the step-through page, byte for byte


@pytest.mark.parametrize("key", ["add_mul", "sigmoid_neuron", "softmax_cross_entropy", "layer_norm", "conv_pool"])
def test_each_worked_example_computes_and_matches_finite_differences(key):
    answer = ok("example", {"key": key})
    request = answer["request"]
    assert ok("compute", request)["output"] == answer["output"]  # the example is its request
    f = forward(request)
    for name, got in answer["inputs"].items():
        fd = central(f, request["values"], name)
        assert got["grad"] == pytest.approx(fd, rel=1e-6, abs=1e-8), (key, name)


def test_the_worked_examples_own_numbers():
    cs231n = reference()["examples"]
    add_mul = ok("example", {"key": "add_mul"})
    assert {n: v["grad"] for n, v in add_mul["inputs"].items()} == {
        n: cs231n["cs231n_add_mul"]["expected_grads"][n] for n in "xyz"}
    neuron = ok("example", {"key": "sigmoid_neuron"})
    for n, g in cs231n["cs231n_sigmoid_gate"]["expected_grads"].items():
        assert neuron["inputs"][n]["grad"] == pytest.approx(g, rel=1e-12)
    soft = ok("example", {"key": "softmax_cross_entropy"})
    assert round(soft["output"]["data"], 2) == 2.04  # CS231n's cat scores give a loss of 2.04
    s = soft["request"]["values"]
    z = sum(math.exp(v) for v in s.values())
    for i, n in enumerate(["s0", "s1", "s2"]):  # ∂L/∂s_i = p_i − [i is the right class]
        assert soft["inputs"][n]["grad"] == pytest.approx(math.exp(s[n]) / z - (i == 0), rel=1e-12)
    norm = ok("example", {"key": "layer_norm"})
    assert abs(math.fsum(norm["inputs"][n]["grad"] for n in ("x0", "x1", "x2"))) < 1e-12  # a shift changes nothing
    net = ok("example", {"key": "three_layer_network"})
    ref = cs231n["seed001_three_layer_as_computed"]
    assert net["output"]["data"] == pytest.approx(ref["expected_forward"]["loss"], rel=1e-12)
    for j in range(2):
        assert net["inputs"][f"w(1)1,{j + 1}"]["grad"] == pytest.approx(ref["expected_grads"]["W1"][0][j], rel=1e-12)
    z6 = next(n for n in net["nodes"] if n["label"] == "z6")
    assert z6["grad"] == pytest.approx(ref["expected_grads"]["delta3"][0], rel=1e-12)  # δ6, as the tutorial defines δ
    listing = ok("examples", {})["examples"]
    assert [e["key"] for e in listing] == ["add_mul", "sigmoid_neuron", "three_layer_network", "softmax_cross_entropy",
                                           "layer_norm", "conv_pool"]  # fmt: skip
    assert all(e["title"] for e in listing) and "expr" not in listing[2]


def test_the_network_example_steps_checks_and_derives_by_key():
    request = {"example": "three_layer_network"}
    assert ok("steps", request)["data"]["backward"]
    derive = ok("derive", {**request, "wrt": "w(1)1,1"})
    net = ok("compute", request)
    assert derive["total"] == pytest.approx(net["inputs"]["w(1)1,1"]["grad"], rel=1e-12)
    assert ok("check", {**request, "grads": {"L": 1}})["all_right"]


def test_parser_errors_come_back_with_their_caret():
    answer = ask("compute", {"expr": "2x + y", "values": {"x": 1, "y": 2}})
    assert not answer["ok"] and "2*x" in answer["error"]
    c = answer["caret"]
    assert c["field"] == "expr" and c["text"] == "2x + y" and c["text"][c["column"] - 1] == "x"
    assert c["marker"] == " ^"
    power = ask("compute", {"expr": "x^2", "values": {"x": 1}})
    assert "**" in power["error"] and power["caret"]["text"][power["caret"]["column"] - 1] == "^"
    domain = ask("compute", {"expr": "y + log(x)", "values": {"x": -1, "y": 0}})
    assert "log" in domain["error"] and domain["caret"]["column"] == 5
    names = ask("compute", {"expr": "q", "values": {"x": 1}, "names": "p = x * 2\nq = x + (p"})
    assert names["caret"]["field"] == "names" and names["caret"]["text"] == "q = x + (p" and names["caret"]["offset"] == 10


def test_practice_exercise_and_answers():
    ex = ok("exercise", {"seed": 7, "level": 3})
    assert ex["blanks"] and all("answer" not in b for b in ex["blanks"])
    assert all(b["id"].startswith("n") for b in ex["blanks"]) and "digraph" in ex["dot"]
    link = ok("link", {"hash": "#practice=7&level=3"})
    assert (link["action"], link["request"]) == ("exercise", {"seed": 7, "level": 3})
    from autodiff.verify.exercise import exercise

    same = exercise(7, 3)  # the same exercise as the command's and the notebooks'
    history = {}
    for blank in same.blanks[:4]:
        right = ok("answer", {"seed": 7, "level": 3, "index": blank.index, "answer": repr(blank.answer),
                              "history": history})  # fmt: skip
        assert right["correct"] and right["slip"] is None
        history[str(blank.index)] = repr(blank.answer)
    assert right["score"]["right"] == 4 and right["score"]["total"] == len(same.blanks)
    blank = same.blanks[4]
    wrong = ok("answer", {"seed": 7, "level": 3, "index": blank.index, "answer": -blank.answer - 1, "history": history})
    assert not wrong["correct"] and wrong["slip"] and wrong["score"]["right"] == 4
    refused = ask("exercise", {"seed": -1, "level": 3})
    assert not refused["ok"] and "seed" in refused["error"]
    assert not ask("exercise", {"seed": 1, "level": 9})["ok"]
