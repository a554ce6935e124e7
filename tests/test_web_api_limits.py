"""The site's API under hostile and oversized input: one-line errors or escaped text, never a trace, never a
hang; graphs over the drawing limit get the collapse hint; every answer is one valid JSON object; each call
on a graph of about 100 nodes is fast; importing the API loads none of the heavy optional packages."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from autodiff.web.answers import DRAW_LIMIT
from autodiff.web.api import CALLS, call

HOSTILE = ['"><script>alert(1)</script>', '"];x->y[label="pwned', "<b>x</b>", "x\x00y", "x\u202ey", "\ud800",
           "{{title}}", "x" * 100_000, "(" * 5000 + "x" + ")" * 5000, "x" + "**x" * 3000, "-" * 5000 + "x",
           "__import__('os')", "exec('1')", "x.__class__", "lambda: 1", "[x for x in y]"]  # fmt: skip


def answer(name: str, request) -> dict:
    text = call(name, request if isinstance(request, str) else json.dumps(request))
    text.encode("utf-8")  # no lone surrogate reaches the page: the answer is plain ASCII JSON
    assert text.isascii(), text[:200]
    data = json.loads(text)
    assert isinstance(data, dict) and isinstance(data["ok"], bool) and isinstance(data["ms"], float)
    if not data["ok"]:
        assert "\n" not in data["error"] and len(data["error"]) <= 400 and "Traceback" not in data["error"]
        assert not data.get("internal"), data["error"]  # a refusal, never a bug of ours
    return data


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("where", ["expr", "names", "value name", "value", "wrt", "grads", "hash"])
def test_hostile_text_anywhere_is_refused_in_one_line(text, where):
    base = {"expr": "(x + y) * z", "values": {"x": -2, "y": 5, "z": -4}}
    name, request = "compute", dict(base)
    if where == "expr":
        request["expr"] = text
    elif where == "names":
        request["names"] = f"q = {text}"
    elif where == "value name":
        request["values"] = {**base["values"], text: 1}
    elif where == "value":
        request["values"] = {**base["values"], "x": text}
    elif where == "wrt":
        name, request["wrt"] = "derive", text
    elif where == "grads":
        name, request["grads"] = "check", {text: 1, "x": 1}
    else:
        name, request = "link", {"hash": "#expr=" + text}
    started = time.perf_counter()
    got = answer(name, request)
    assert time.perf_counter() - started < 5
    if name == "link" and got["ok"]:  # a link only carries the text: the compute that follows refuses it
        got = answer("compute", got["request"])
    assert not got["ok"]
    if "caret" in got:  # the typed text comes back as it was typed, for the page to show as text
        c = got["caret"]
        assert 1 <= c["column"] <= len(c["text"]) + 1 and c["marker"].endswith("^") and len(c["text"]) <= 160


def test_no_typed_text_reaches_the_drawing_unescaped():
    """Names are the language's identifiers, so nothing typed can add DOT statements; the worked network's
    labels (parentheses, commas) reach the DOT as HTML-escaped text inside its labels."""
    dot = answer("example", {"key": "three_layer_network"})["dot"]
    assert "w(1)1,1" in dot and '"];' not in dot and "<script" not in dot
    assert answer("compute", {"expr": "a + b", "values": {"a": 1, "b": 2}, "names": 'c"]; = a + b'})["ok"] is False


def test_runaway_expressions_stop_at_the_parsers_limits():
    for expr, said in [("x" + "**x" * 40, "beyond the float range"), ("(" * 101 + "x" + ")" * 101, "nesting too deep"),
                       ("9" * 5000, "too long"), ("exp(exp(exp(exp(x))))", "overflow"),
                       ("x" * 10_001, "the playground's limit is 10,000")]:  # fmt: skip
        started = time.perf_counter()
        got = answer("compute", {"expr": expr, "values": {"x": 3}})
        assert time.perf_counter() - started < 2 and not got["ok"] and said in got["error"], (expr[:20], got)
    deep = answer("compute", {"expr": "(" * 99 + "x" + ")" * 99, "values": {"x": 3}})  # within the limit: fine
    assert deep["ok"] and deep["output"]["data"] == 3.0
    huge = answer("compute", "{" + '"expr": "' + "x" * 300_000 + '"}')
    assert not huge["ok"] and "request too large" in huge["error"]


def test_graphs_over_the_drawing_limit_get_the_collapse_hint():
    expr = " + ".join(f"x*{k}" for k in range(DRAW_LIMIT))  # DRAW_LIMIT products, one leaf, their sum's terms
    got = answer("compute", {"expr": expr, "values": {"x": 1}})
    assert got["ok"] and got["too_large"] and got["dot"] is None and "collapse" in got["hint"]
    assert got["inputs"]["x"]["grad"] == sum(range(DRAW_LIMIT))  # still computed: only the drawing is refused
    steps = answer("steps", {"expr": expr, "values": {"x": 1}})
    assert steps["ok"] and steps["too_large"] and "collapse" in steps["hint"]


JUNK = ["", "null", "[]", "3", '"x"', "{", "{}", '{"expr": NaN}', '{"expr": Infinity, "values": {}}', '{"expr": 3}',
        '{"expr": "x", "values": []}', '{"expr": "x", "values": {"x": true}}', '{"expr": "x", "values": {"x": null}}',
        '{"expr": "x", "values": {"x": 1e999}}', '{"expr": "x", "values": {"x": "inf"}}', '{"expr": "x", "names": 5}',
        '{"example": "nope"}', '{"example": ["add_mul"]}', '{"key": {}}', '{"seed": 1.5, "level": 1}',
        '{"seed": true, "level": 1}', '{"seed": 1, "level": 1, "index": "x", "answer": "1"}',
        '{"seed": 1, "level": 1, "index": 0, "answer": ""}', '{"seed": 1, "level": 1, "index": 0, "answer": "1/0"}',
        '{"hash": 7}', '{"hash": "#practice=abc"}', '{"hash": "#expr=x&expr=y"}', '{"request": []}',
        '{"expr": "x", "values": {"x": 1}, "wrt": null}', '{"expr": "x", "values": {"x": 1}, "grads": []}',
        '{"expr": "x", "values": {"x": 1}, "collapse": {"a": 1}}', '\ud800']  # fmt: skip


@pytest.mark.parametrize("name", [*CALLS, "nope", ""])
def test_every_answer_is_one_json_object(name):
    for junk in JUNK:
        answer(name, junk)
    for bad in (None, 3, b"{}"):
        data = json.loads(call(name, bad))
        assert data["ok"] is False and "\n" not in data["error"]


def test_numbers_json_cannot_hold_come_as_text():
    got = answer("compute", {"expr": "sqrt(x) * y", "values": {"x": 0, "y": 2}})
    assert got["ok"] and got["inputs"]["x"]["grad"] == "inf"  # √x at 0: an infinite gradient, as PyTorch's


def test_each_call_on_a_100_node_graph_answers():
    """Every call on a graph of about 100 nodes (the site's unit for its 300 ms per action, timed in the
    browser by ``benchmarks/site_speed.py``, never here: the machines are shared) answers, in JSON."""
    terms = " + ".join(f"w{i}*x{i}" for i in range(24))
    values = {**{f"w{i}": 0.1 * i - 1 for i in range(24)}, **{f"x{i}": 0.05 * i for i in range(24)}}
    request = {"expr": f"tanh({terms})", "values": values, "wrt": "x3"}
    nodes = answer("compute", request)["nodes"]
    assert 90 <= len(nodes) <= 100
    request["grads"] = {n["id"]: n["grad"] for n in nodes}
    request["grads"]["n5"] = 1.5
    calls = [("compute", request), ("steps", request), ("derive", request), ("check", request),
             ("example", {"key": "three_layer_network"}), ("exercise", {"seed": 7, "level": 5}),
             ("answer", {"seed": 7, "level": 5, "index": 3, "answer": "0.5", "history": {"0": "1", "1": "2"}}),
             ("link", {"hash": "#expr=tanh(w*x%2Bb)&w=0.7&x=1.3&b=-0.2"}), ("examples", {})]  # fmt: skip
    for name, req in calls:
        assert json.loads(call(name, json.dumps(req)))["ok"], name
    checked = json.loads(call("check", json.dumps(request)))
    assert checked["first_wrong"] == "n5"  # the one gradient planted wrong


def test_importing_the_api_loads_no_heavy_package():
    """Pyodide has only our wheel and the pure-Python graphviz wheel: the API and every call stay clear of
    numpy, matplotlib, PIL, tqdm and sympy."""
    code = """if True:
        import json, sys
        from autodiff.web.api import call
        r = {"expr": "tanh(w*x+b)", "values": {"w": 0.7, "x": 1.3, "b": -0.2}, "wrt": "x", "grads": {"x": 1}}
        for name in ("compute", "steps", "derive", "check"):
            assert json.loads(call(name, json.dumps(r)))["ok"], name
        for name, q in (("exercise", {"seed": 7, "level": 4}), ("example", {"key": "three_layer_network"}),
                        ("answer", {"seed": 7, "level": 4, "index": 0, "answer": "1"})):
            assert json.loads(call(name, json.dumps(q)))["ok"], name
        print(json.dumps(sorted(m for m in ("numpy", "matplotlib", "PIL", "tqdm", "sympy") if m in sys.modules)))
    """
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
