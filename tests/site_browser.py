"""The harness for the built site in a real browser, for tests/test_site_*.py: they import the fixtures by
name (``from site_browser import browser, site_server, ...``, with ``# ruff: noqa: F811``): the site as ``make site`` built it in ``build/site/`` (or ``$AUTODIFF_SITE``), served
by a test-started HTTP server on 127.0.0.1 (a random port) that records every file it sends, and Debian's
chromium, headless, driven by selenium, with every request outside 127.0.0.1 blocked: host names resolve
to nothing (``--host-resolver-rules``) and any other address goes to a proxy that does not exist.

The tests do not build the site (``make site`` fetches from npm and needs the lessons' pages: minutes, not
for ``make test``); without a built site, chromium/chromedriver or selenium they skip and say why.
``.ci/run`` runs ``make site`` before the run with the extras, and fails if these tests skip there.

Fixtures: ``site_dir``, ``site_server`` (``.url``, ``.sent``: the paths and bytes sent), ``browser`` (a
fresh chromium for the module), ``console_errors`` (a function: the SEVERE console lines since the
last call). Helpers: ``open_page``, ``wait_for``, ``resources`` (the Resource Timing entries of the page
and of the engine's worker).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("AUTODIFF_SITE") or ROOT / "build" / "site")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
BLOCK_OUTSIDE = (
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # no host name resolves
    "--proxy-server=http://127.0.0.1:9",  # any other address: a closed port (loopback bypasses the proxy)
)


def site_missing() -> str | None:
    """Why there is no built site to test, or None."""
    if not (SITE / "engine" / "manifest.json").exists():
        return f"no built site in {SITE}: run `make site` first (.ci/run does)"
    return None


def browser_missing() -> str | None:
    """Why no browser can be driven here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    if not (CHROMIUM and DRIVER):
        return "no chromium/chromedriver: apt-get install chromium chromium-driver (.ci/run does)"
    return None


def _serve_site():
    """``tools/serve_site.py`` (``make serve``), whose handler the test server uses: the same types and
    the same gzip-compressed bodies as a reader of ``make serve`` gets."""
    spec = importlib.util.spec_from_file_location("serve_site", ROOT / "tools" / "serve_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Handler(_serve_site().SiteHandler):
    """Serves the site's folder as ``make serve`` does, quietly, noting each path and the bytes of its body
    as sent (compressed when it was)."""

    def log_message(self, *args) -> None:
        pass

    def copyfile(self, source, outputfile) -> None:
        start = source.tell()
        super().copyfile(source, outputfile)
        self.server.sent.append((self.path, source.tell() - start))


class SiteServer:
    def __init__(self, folder: Path):
        handler = functools.partial(Handler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.sent = []
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def sent(self) -> list[tuple[str, int]]:
        return self.httpd.sent

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def site_dir() -> Path:
    reason = site_missing()
    if reason:
        pytest.skip(reason)
    return SITE


@pytest.fixture(scope="session")
def site_server(site_dir):
    server = SiteServer(site_dir)
    yield server
    server.close()


def new_browser(size: str = "1200,1000"):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={size}", "--disable-background-networking", *BLOCK_OUTSIDE):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_script_timeout(60)
    return driver


@pytest.fixture(scope="module")
def browser(site_dir):
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    driver = new_browser()
    yield driver
    driver.quit()


@pytest.fixture
def console_errors(browser):
    """A function returning the console's SEVERE lines since it was last called (the log is drained)."""
    browser.get_log("browser")

    def errors() -> list[str]:
        return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]

    return errors


def wait_for(driver, script: str, timeout: float = 60.0, *args):
    """Poll ``script`` (a JavaScript expression body, ``return ...``) until it gives a truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script, *args)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for: {script}")
        time.sleep(0.05)


def open_page(driver, url: str, timeout: float = 60.0) -> dict:
    """Open ``url`` with the browser's cache off (a first visit), wait until its ``body[data-state]``
    is ``done`` or ``failed`` (the site's pages set it when they have started, or could not);
    the page's ``window.selftestResult`` (the self-test's, or {})."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.get(url)
    wait_for(driver, "return ['done', 'failed'].includes(document.body.dataset.state)", timeout)
    return driver.execute_script("return window.selftestResult || {}")


RESOURCES = ("return performance.getEntriesByType('resource').map(e => ({name: e.name, "
             "transfer: e.transferSize, body: e.encodedBodySize}))")  # fmt: skip


def resources(driver, ready: dict) -> list[dict]:
    """The Resource Timing entries of the page and of the engine's worker (reported in its ready answer):
    every URL the page and the worker fetched, with the bytes transferred."""
    return [*driver.execute_script(RESOURCES), *ready.get("resources", [])]


def load_quietly(driver, server: SiteServer, url: str, quiet: float = 1.0, timeout: float = 60.0) -> list:
    """Open ``url`` cold (cache off), wait until its ``body[data-state]`` is ``done`` or ``failed`` (the
    site's pages say so when they have finished starting) and the server has then sent nothing for
    ``quiet`` seconds; the (path, bytes) the server sent meanwhile: what this first visit fetched."""
    start = len(server.sent)
    open_page(driver, url, timeout)
    deadline, seen, since = time.monotonic() + timeout, len(server.sent), time.monotonic()
    while time.monotonic() - since < quiet:
        if len(server.sent) != seen:
            seen, since = len(server.sent), time.monotonic()
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} kept fetching for {timeout} s")
        time.sleep(0.1)
    return server.sent[start:]


CALL = """
const done = arguments[arguments.length - 1];
(async () => {
  const { call } = await import(new URL('engine/engine.js', arguments[0]).href);
  const { layout } = await import(new URL('engine/graphviz.js', arguments[0]).href);
  const t0 = performance.now();
  const answer = await call(arguments[1], arguments[2]);
  const t1 = performance.now();
  const dots = typeof answer.dot === 'string' ? [answer.dot] : Object.values(answer.dot || {});
  const svgs = [];
  if (arguments[3]) for (const dot of dots) svgs.push(await layout(dot));
  return { answer, callMs: t1 - t0, layoutMs: performance.now() - t1, svgs: svgs.length };
})().then(done, (e) => done({ error: String(e && e.message || e) }));
"""


def engine_call(driver, site_url: str, name: str, request: dict, draw: bool = False) -> dict:
    """Ask the page's engine (engine.js, the same worker the page uses) ``call(name, request)`` and, with
    ``draw``, lay out the answer's DOT (one or a dict of them) with graphviz.js: {answer, callMs, layoutMs}
    timed in the page, or {error}. The page must be one of the site's, with its engine started."""
    return driver.execute_async_script(CALL, site_url, name, request, draw)


# ---- the playground page's own timings (window.autodiffTimings: each action, from the event to the page shown)


def timings(driver) -> list[dict]:
    return driver.execute_script("return window.autodiffTimings || []")


def wait_actions(driver, since: int, *names: str) -> list[dict]:
    """Wait until the page has timed each action in ``names`` after the first ``since`` ones."""
    script = ("const t = (window.autodiffTimings || []).slice(arguments[0]).map(x => x.action);"
              "return arguments[1].every(n => t.includes(n));")  # fmt: skip
    wait_for(driver, script, 60, since, list(names))
    return timings(driver)[since:]


def hundred_nodes() -> tuple[str, dict[str, float]]:
    """tanh(w0·x0 + ... + w24·x24): 25 weights, 25 inputs, 25 products, 24 sums and tanh, 100 nodes."""
    expr = "tanh(" + " + ".join(f"w{i}*x{i}" for i in range(25)) + ")"
    values = {
        **{f"w{i}": round(0.1 * (i % 7) - 0.3, 2) for i in range(25)},
        **{f"x{i}": round(0.05 * i, 2) for i in range(25)},
    }
    return expr, values


def compute_from_the_form(driver, expr: str, values: dict) -> list[dict]:
    """Type the expression and values into the playground and press Compute; the page's timings of the
    compute and of the step player's load ("steps") that follows it."""
    driver.find_element("css selector", "button.tab[data-view=playground]").click()
    for box, typed in (("expr", expr), ("values", ", ".join(f"{k}={v}" for k, v in values.items())), ("names", "")):
        driver.execute_script("document.getElementById(arguments[0]).value = arguments[1]", box, typed)
    since = len(timings(driver))
    driver.find_element("id", "compute").click()
    return wait_actions(driver, since, "compute", "steps")


def check_form(driver, expr: str) -> list:
    """The rows of "check my backward pass", once the form is built for ``expr`` (after the result shows)."""
    wait_for(driver, "return document.getElementById('check-expr').textContent === arguments[0]", 10, expr)
    return driver.find_elements("css selector", "#check-nodes tbody tr")


def player_steps(driver, clicks: int = 10) -> float:
    """The mean time (ms) of a step of the player shown in the page's frame (``clicks`` presses of next)."""
    driver.switch_to.frame(driver.find_element("id", "player-frame"))
    try:
        return driver.execute_script(
            "const t = performance.now(); for (let i = 0; i < arguments[0]; i++) document.getElementById('next').click();"
            "return (performance.now() - t) / arguments[0];", clicks)  # fmt: skip
    finally:
        driver.switch_to.default_content()


def each_action_on_100_nodes(driver, runs: int = 3) -> dict[str, list[float]]:
    """On the open playground page: compute, the step player's load, check, the chain rule for an input
    (derive) and a player step on the 100-node graph, each ``runs`` times after a first warm-up compute;
    the page's own times (ms) by action."""
    from selenium.webdriver.support.select import Select

    expr, values = hundred_nodes()
    compute_from_the_form(driver, expr, values)  # a first run: Graphviz's WebAssembly warm
    done: dict[str, list[float]] = {}
    for k in range(runs):
        for t in compute_from_the_form(driver, expr, {**values, "w0": -0.3 + 0.01 * (k + 1)}):
            done.setdefault(t["action"], []).append(t["ms"])
    rows = check_form(driver, expr)
    assert len(rows) == 100, len(rows)
    driver.find_element("css selector", "button.tab[data-view=check]").click()
    driver.find_element("css selector", "#check-nodes tbody tr input").send_keys("1")
    for _ in range(runs):
        since = len(timings(driver))
        driver.find_element("id", "check-run").click()
        done.setdefault("check", []).extend(t["ms"] for t in wait_actions(driver, since, "check"))
    driver.find_element("css selector", "button.tab[data-view=playground]").click()
    for name in (f"{'xw'[k % 2]}{(7 * k + 7) % 25}" for k in range(runs)):  # x7, w14, x21, ...: each a change
        since = len(timings(driver))
        Select(driver.find_element("id", "wrt")).select_by_value(name)
        done.setdefault("derive", []).extend(t["ms"] for t in wait_actions(driver, since, "derive"))
    done["step"] = [player_steps(driver) for _ in range(runs)]
    return done
