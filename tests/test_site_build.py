"""The built site (``make site``, in ``build/site/``) on disk and in a real browser: Debian's chromium,
headless, from a test-started server on 127.0.0.1, every other address blocked (``site_browser``).

- On disk: at most 30 MB with the lessons; the wheel inside is this tree's code (a stale site would test
  old code); one page per lesson; the pins of Pyodide and wasm Graphviz.
- The boot (``engine/selftest.html``): Python starts in the worker from the site's files, and (x+y)·z at
  x=-2, y=5, z=-4 gives the values, gradients and DOT that this Python's engine gives; the wasm Graphviz
  lays the DOT out into the boxes and wires the system's ``dot`` draws.
- No request leaves the site (every URL fetched by the page and by the worker is the server's; an outside
  fetch fails); no console error; the first load transfers at most 15 MB (bytes the server sent, checked
  against the Resource Timing entries); the page reports first interactive (Python started, the engine
  imported) and the worker's split of it; an action on a graph of 100 nodes (compute and its drawing laid
  out) completes; a worker that cannot start says why in one line. How long these take is measured by
  ``benchmarks/site_speed.py`` alone (a step of ``.ci/run`` after the suite), not here beside other tests.
- The bytecode: the standard library's modules a start imports come as .pyc in ``python_stdlib.zip``, and
  the wheels carry unchecked hash-based .pyc beside their imported modules, compiled by one CPython;
  importing the site's API pulls in no command-line machinery (argparse, importlib.metadata, subprocess).

Without a built site, chromium/chromedriver or selenium these skip and say why; ``.ci/run`` builds the
site first and fails if they skip."""

# ruff: noqa: F811 (the harness's fixtures are imported by name, then named again as the tests' arguments)
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from site_browser import (  # noqa: F401 (the harness's fixtures)
    ROOT,
    SiteServer,
    browser,
    console_errors,
    engine_call,
    hundred_nodes,
    load_quietly,
    new_browser,
    open_page,
    resources,
    site_dir,
    site_server,
)

import autodiff
from autodiff import Value

MB = 1_000_000
VALUES = {"x": -2.0, "y": 5.0, "z": -4.0}
SHOTS = Path(os.environ.get("AUTODIFF_SCREENSHOTS") or tempfile.mkdtemp(prefix="autodiff-site-"))


def engine_here():
    """(x+y)·z at VALUES with this Python's engine: f, the gradients by name, the drawing's DOT."""
    x, y, z = (Value(VALUES[k], label=k) for k in "xyz")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    f.backward()
    return f.data, {v.label: v.grad for v in (x, y, z, q)}, autodiff.draw(f, show_local=True).source


@pytest.fixture(scope="module")
def boot(browser, site_server):
    """The self-test page after one cold load: its result, the files sent for it, its console lines."""
    start = len(site_server.sent)
    result = open_page(browser, site_server.url + "engine/selftest.html")
    console = browser.get_log("browser")
    browser.save_screenshot(str(SHOTS / "selftest.png"))
    print(f"screenshot: {SHOTS / 'selftest.png'}")
    return result, site_server.sent[start:], console


# ---- on disk ----


def test_site_on_disk_is_at_most_30_mb_with_the_lessons(site_dir):
    files = [p for p in site_dir.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    print(f"site on disk: {total / MB:.2f} MB in {len(files)} files")
    assert total <= 30 * MB
    lessons = {p.stem for p in (site_dir / "lessons").glob("*.html")} - {"index"}
    assert lessons == {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert (site_dir / "lessons" / "index.html").exists() and (site_dir / "index.html").exists()
    manifest = json.loads((site_dir / "engine" / "manifest.json").read_text())
    assert (manifest["pyodide"], manifest["graphviz_wasm"]) == ("314.0.7", "1.29.2")
    for name in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"):
        assert (site_dir / "vendor" / "pyodide" / name).stat().st_size > 0
    assert json.loads((site_dir / "vendor" / "pyodide" / "pyodide-lock.json").read_text())["packages"] == {}
    scripts = [p for p in (site_dir / "vendor").rglob("*") if p.suffix in (".js", ".mjs")]
    assert len(scripts) == 3 and not [p for p in scripts if b"sourceMappingURL" in p.read_bytes()[-300:]]
    assert not list(site_dir.rglob("*.map"))  # no source maps shipped, and none named (no 404 in devtools)


def test_the_site_runs_this_trees_code(site_dir):
    """The wheel's Python files and the site's own static files are byte for byte the tree's."""
    manifest = json.loads((site_dir / "engine" / "manifest.json").read_text())
    (ours,) = [w for w in manifest["wheels"] if Path(w).name.startswith("autodiff-")]
    with zipfile.ZipFile(site_dir / ours) as wheel:
        packed = {n: wheel.read(n) for n in wheel.namelist() if n.endswith(".py")}
    tree = {str(p.relative_to(ROOT)): p.read_bytes() for d in ("autodiff", "nn") for p in (ROOT / d).rglob("*.py")}
    stale = sorted(n for n in tree.keys() | packed.keys() if tree.get(n) != packed.get(n))
    static = ROOT / "autodiff" / "web" / "static"
    stale += [str(p) for p in static.rglob("*") if p.is_file()
              and p.read_bytes() != (site_dir / p.relative_to(static)).read_bytes()]  # fmt: skip
    assert not stale, f"build/site is older than the sources ({stale[:5]}): run `make site`"


def test_the_start_s_python_comes_as_bytecode(site_dir):
    """What a start imports is compiled once, at build time, by the site's own CPython: sourceless .pyc in
    the standard library's zip, unchecked hash-based .pyc beside the wheels' .py (flags 0b01), all of one
    magic number; each wheel's RECORD names every file with its sha256."""
    import base64
    import hashlib

    with zipfile.ZipFile(site_dir / "vendor" / "pyodide" / "python_stdlib.zip") as stdlib:
        names = set(stdlib.namelist())
        magic = {stdlib.read(n)[:4] for n in names if n.endswith(".pyc")}
    for module in ("encodings/__init__", "os", "json/__init__", "re/__init__", "dataclasses", "fractions"):
        assert f"{module}.pyc" in names and f"{module}.py" not in names, module
    assert "__phello__/spam.py" in names  # what no start imports stays source
    manifest = json.loads((site_dir / "engine" / "manifest.json").read_text())
    for wheel_path in manifest["wheels"]:
        with zipfile.ZipFile(site_dir / wheel_path) as wheel:
            files = {n: wheel.read(n) for n in wheel.namelist()}
        cached = {n: data for n, data in files.items() if n.endswith(".pyc")}
        assert cached, wheel_path
        for name, data in cached.items():
            folder, _, base = name.rpartition("/__pycache__/")
            assert f"{folder}/{base.split('.')[0]}.py" in files, name  # beside its source
            assert int.from_bytes(data[4:8], "little") == 0b01, name  # hash-based, unchecked
            magic.add(data[:4])
        (record,) = [n for n in files if n.endswith(".dist-info/RECORD")]
        rows = {line.split(",")[0]: line.split(",")[1] for line in files[record].decode().splitlines()}
        assert rows.keys() == files.keys(), wheel_path
        for name, data in files.items():
            if name != record:
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                assert rows[name] == f"sha256={digest}", name
    assert len(magic) == 1  # one CPython compiled them all
    (ours,) = [w for w in manifest["wheels"] if Path(w).name.startswith("autodiff-")]
    with zipfile.ZipFile(site_dir / ours) as wheel:
        assert {"autodiff/__pycache__/engine.cpython-314.pyc", "autodiff/web/__pycache__/api.cpython-314.pyc"} <= set(
            wheel.namelist())


def test_the_site_api_imports_no_command_line_machinery():
    """Importing autodiff.web.api (the worker's start) loads neither the command's parser nor argparse,
    importlib.metadata (email, ...), subprocess or tempfile: each a cost of every page load."""
    import subprocess
    import sys

    heavy = ("argparse", "importlib.metadata", "email", "subprocess", "tempfile", "autodiff.cli.app",
             "autodiff.cli.commands")  # fmt: skip
    code = f"import sys, autodiff.web.api; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == ""


# ---- in the browser ----


def test_the_boot_computes_what_the_engine_computes(boot):
    result, _, _ = boot
    assert "error" not in result, result.get("error")
    f, grads, dot = engine_here()
    answer = result["selftest"]
    assert answer["f"] == f and answer["grads"] == grads
    assert answer["dot"] == dot  # the same drawing, node for node and label for label
    assert answer["python"].startswith("3.") and answer["autodiff"] == autodiff.__version__


NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def same(ours, theirs, path="answer"):
    """Equal JSON, floats to 1e-12 relative, in text too (the browser's C library, not this machine's,
    computes exp and tanh: a last bit may differ, and show in a float's repr inside a tooltip)."""
    if isinstance(ours, str) and isinstance(theirs, str) and ours != theirs:
        assert NUMBER.split(ours) == NUMBER.split(theirs), path
        same([float(n) for n in NUMBER.findall(ours)], [float(n) for n in NUMBER.findall(theirs)], path)
    elif isinstance(ours, float) or isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-300), path
    elif isinstance(ours, dict) and isinstance(theirs, dict):
        assert ours.keys() == theirs.keys(), path
        for key in ours:
            same(ours[key], theirs[key], f"{path}.{key}")
    elif isinstance(ours, list) and isinstance(theirs, list):
        assert len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            same(a, b, f"{path}[{i}]")
    else:
        assert ours == theirs, path


SHARED_LINK = {"expr": "tanh(w*x+b)", "values": {"w": 0.7, "x": 1.3, "b": -0.2}}


@pytest.mark.parametrize(("name", "request_"), [
    ("compute", SHARED_LINK), ("steps", SHARED_LINK), ("derive", {**SHARED_LINK, "wrt": "w"}),
    ("example", {"key": "three_layer_network"}), ("compute", {"expr": "tanh(w*x+", "values": {}}),
])  # fmt: skip
def test_the_api_answers_in_the_browser_as_in_python(boot, browser, site_server, name, request_):
    api = pytest.importorskip("autodiff.web.api", reason="this tree has no autodiff.web.api (branch site-api)")
    assert boot[0]["ready"]["api"] is True
    got = engine_call(browser, site_server.url, name, request_)
    assert "error" not in got, got
    theirs = json.loads(api.call(name, json.dumps(request_)))
    ours = got["answer"]
    ours.pop("ms"), theirs.pop("ms")
    same(ours, theirs)


def test_every_call_finds_its_modules_in_the_browser(boot, browser, site_server):
    """The site carries two wheels and Pyodide's standard library only: every worked example through
    every call, and every practice level, answers without a missing module or an internal error."""
    pytest.importorskip("autodiff.web.api", reason="this tree has no autodiff.web.api (branch site-api)")

    def ask(name, request):
        got = engine_call(browser, site_server.url, name, request)
        assert "error" not in got, (name, got)
        answer = got["answer"]
        assert answer["ok"], (name, request, answer.get("error"))
        return answer

    examples = ask("examples", {})["examples"]
    assert len(examples) >= 6
    for example in examples:
        request = ask("example", {"key": example["key"]})["request"]
        first = next(iter(ask("compute", request)["inputs"]))
        for name, extra in (("steps", {"page": True}), ("derive", {"wrt": first}), ("check", {"grads": {first: 1}})):
            ask(name, {**request, **extra})
    for level in range(1, 6):
        ask("exercise", {"seed": 7, "level": level})
        ask("answer", {"seed": 7, "level": level, "index": 0, "answer": "1"})


def test_an_action_on_100_nodes_completes_with_its_drawing(boot, browser, site_server):
    """compute on a 100-node graph, and its drawing laid out, timed in the page (the times: the benchmark's)."""
    pytest.importorskip("autodiff.web.api", reason="this tree has no autodiff.web.api (branch site-api)")
    expr, values = hundred_nodes()
    run = engine_call(browser, site_server.url, "compute", {"expr": expr, "values": values}, draw=True)
    assert run["answer"]["ok"] and len(run["answer"]["nodes"]) == 100 and run["svgs"] == 1
    assert run["callMs"] >= 0 and run["layoutMs"] >= 0


def test_wasm_graphviz_draws_what_dot_draws(boot, browser):
    graphviz = pytest.importorskip("graphviz")
    _, _, dot = engine_here()
    titles = (
        "return Array.from(document.querySelectorAll('#picture g.' + arguments[0] + ' > title'), t => t.textContent)"
    )
    try:
        svg = graphviz.Source(dot).pipe(format="svg").decode()
    except graphviz.ExecutableNotFound:
        pytest.skip("Graphviz's dot is not installed (make setup installs it)")
    for kind in ("node", "edge"):
        theirs = re.findall(rf'<g id="{kind}\d+" class="{kind}">\s*<title>(.*?)</title>', svg)
        assert sorted(browser.execute_script(titles, kind)) == sorted(t.replace("&#45;", "-").replace("&gt;", ">")
                                                                      for t in theirs)  # fmt: skip
    assert boot[0]["svgNodes"] == len(re.findall(r'class="node"', svg)) > 0


OVERLAPS = """
const found = [];
for (const g of document.querySelectorAll('#picture g.node')) {
  const boxes = Array.from(g.querySelectorAll('text'), t => [t.textContent, t.getBBox()]);
  const shape = g.querySelector('path, polygon, ellipse').getBBox();
  for (const [word, b] of boxes)
    if (b.x < shape.x - 0.5 || b.x + b.width > shape.x + shape.width + 0.5) found.push(word + ' outside its box');
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [u, a] = boxes[i], [v, b] = boxes[j];
      const sameLine = a.y < b.y + b.height && b.y < a.y + a.height;
      if (sameLine && a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5) found.push(u + ' overlaps ' + v);
    }
}
return found;"""


def test_the_drawing_words_do_not_overlap(boot, browser):
    """As the browser draws it (its own font), every word of a box stays inside the box and beside, not
    over, its neighbours ("x = -2", "grad -4")."""
    assert boot[0]["svgNodes"] > 0
    assert browser.execute_script(OVERLAPS) == []


def test_no_request_leaves_the_site_and_no_console_error(boot, browser, site_server):
    result, sent, console = boot
    fetched = resources(browser, result["ready"])
    assert len(fetched) >= 10  # the page's modules, the worker's Pyodide files and wheels
    outside = [r["name"] for r in fetched if not r["name"].startswith(site_server.url)]
    assert not outside
    served = {path for path, _ in sent}
    assert {r["name"][len(site_server.url) - 1 :] for r in fetched} <= served | {"/favicon.ico"}
    assert [e["message"] for e in console if e["level"] == "SEVERE"] == []
    for url in ("https://example.com/", "http://93.184.216.34/"):  # a name, an address: both blocked
        said = browser.execute_async_script(
            "fetch(arguments[0], {mode: 'no-cors'}).then(() => arguments[1]('reached'), e => arguments[1]('blocked'))",
            url)  # fmt: skip
        assert said == "blocked", url


def test_first_load_transfers_at_most_15_mb(boot, browser, site_server):
    result, sent, _ = boot
    total = sum(size for _, size in sent)
    timing = sum(r["body"] for r in resources(browser, result["ready"]))
    print(f"self-test first load: {total / MB:.2f} MB sent by the server in {len(sent)} files "
          f"(Resource Timing: {timing / MB:.2f} MB)")  # fmt: skip
    assert total <= 15 * MB
    assert abs(total - timing) <= 0.01 * total  # the page and the worker saw the same files the server sent


def test_the_playground_page_first_load_transfers_at_most_15_mb(site_server):
    driver = new_browser()  # a browser of its own: the module's has the worker's files in its memory cache
    try:
        sent = load_quietly(driver, site_server, site_server.url + "index.html")
        errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    finally:
        driver.quit()
    total = sum(size for _, size in sent)
    print(f"index.html first load: {total / MB:.2f} MB in {len(sent)} files")
    assert any(path.endswith("pyodide.asm.wasm") for path, _ in sent)  # the engine's files are counted too
    assert total <= 15 * MB
    assert errors == []


def test_first_interactive_is_reported_with_its_split(boot):
    """The page says when the engine answered ready (navigation start → Python started and the API
    imported) and the worker says what it spent: what ``benchmarks/site_speed.py`` reports."""
    ready = boot[0]["ready"]
    seconds = ready["seconds"]
    assert set(seconds) == {"pyodide", "wheels", "import", "engine", "total"}
    assert all(isinstance(v, (int, float)) and v >= 0 for v in seconds.values())
    assert seconds["engine"] <= seconds["import"] <= seconds["total"]
    assert seconds["pyodide"] + seconds["wheels"] <= seconds["total"]
    assert seconds["total"] * 1000 <= ready["interactiveMs"]  # the worker starts after the page's navigation


def test_an_unknown_call_is_an_answer_not_a_crash(boot):
    bad = boot[0]["bad"]
    assert bad["ok"] is False and bad["error"] and "\n" not in bad["error"] and "Traceback" not in bad["error"]


def test_a_worker_that_cannot_start_says_why_in_one_line(site_dir, browser, tmp_path):
    broken = tmp_path / "site"
    shutil.copytree(site_dir / "engine", broken / "engine")
    for name in ("vendor", "wheels"):
        (broken / name).symlink_to(site_dir / name)
    manifest = json.loads((broken / "engine" / "manifest.json").read_text())
    manifest["wheels"].append("wheels/missing-0-py3-none-any.whl")
    (broken / "engine" / "manifest.json").write_text(json.dumps(manifest))
    server = SiteServer(broken)
    try:
        result = open_page(browser, server.url + "engine/selftest.html")
    finally:
        server.close()
    assert result["error"] == "the engine could not start: wheels/missing-0-py3-none-any.whl: HTTP 404"
    browser.get_log("browser")  # the 404 was expected: drained


def test_serve_says_what_is_wrong_in_one_line(tmp_path):
    """``make serve``'s script: no site, a port that is not a number, a port in use: one line, no traceback."""
    import socket
    import subprocess
    import sys

    def serve(*args):
        done = subprocess.run([sys.executable, str(ROOT / "tools" / "serve_site.py"), *map(str, args)],
                              check=False, capture_output=True, text=True, timeout=30)  # fmt: skip
        return done.returncode, done.stderr.strip()

    assert serve(tmp_path) == (1, f"serve: no site in {tmp_path}: run `make site` first")
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "manifest.json").write_text("{}")
    assert serve(tmp_path, "abc") == (1, "serve: the port must be a number from 0 to 65535, not 'abc'")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, said = serve(tmp_path, port)
    assert code == 1 and said.startswith(f"serve: cannot listen on 127.0.0.1:{port} (") and "\n" not in said
