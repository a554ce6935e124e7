"""The step-through page in chromium on the graphs that broke it: a wrong local derivative typed in
the quiz (named by its slip), an infinite gradient (drawn and typed), hostile labels (no element added),
a long summary (wrapped), 500 leaves into one dot (loads and steps). Helpers and the browser are
test_page_browser's (which skips without chromium)."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from test_page_browser import SHOTS, boxes, browser, graph, node_texts, outlined, said, state, tooltip, visible

import autodiff
from autodiff import Value
from autodiff.text import slips
from autodiff.text.display import fmt
from autodiff.viz import page_hints

__all__ = ["browser"]  # the fixture, imported for pytest


def open_page(driver, root: Value, folder: Path, name: str) -> None:
    driver.get(autodiff.save_html(root, folder / f"{name}.html").as_uri())


def go_to(driver, index: int) -> None:
    slider = driver.find_element(By.ID, "slider")
    driver.execute_script(f"arguments[0].value = {index}; arguments[0].dispatchEvent(new Event('input'))", slider)


def no_errors(driver) -> None:
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == [] and driver.execute_script("return performance.getEntriesByType('resource').length") == 0


def test_a_wrong_local_derivative_is_named_by_its_slip_and_a_right_one_accepted(browser, tmp_path):
    """The quiz asks for ∂N/∂P first: at v0 = w0 · x0, ∂v0/∂w0 = x0 = -1; typing w0 = 2 itself is
    text/slips.py's "mul swapped" (a wrong first try, not counted right after the retry)."""
    f = graph()
    open_page(browser, f, tmp_path, "local")
    trace = autodiff.trace_backward(f)
    w0 = next(v for v in trace.order if v.label == "w0")
    (s,) = [s for s in trace if s.node.op == "mul" and s.node._a is w0]
    j = [c.parent for c in s.contributions].index(w0)
    c = s.contributions[j]
    browser.find_element(By.ID, "quiz").click()
    go_to(browser, s.index)
    local = boxes(browser)[3 * j]
    local.send_keys(fmt(w0.data), Keys.ENTER)
    hint = said(browser, "hint")[3 * j]
    assert said(browser, "verdict")[3 * j] == "✗ wrong" and hint.startswith(f"the local derivative ∂{trace.names[s.node]}/∂w0 — ")
    assert f"{page_hints.LEADS[slips.SWAPPED]}: your value is w0 = 2 itself" in hint, hint
    local.clear()
    local.send_keys(fmt(-c.local), Keys.ENTER)
    assert said(browser, "hint")[3 * j].split(" — ")[1].startswith(slips.SIGN)
    local.clear()
    local.send_keys(fmt(c.local), Keys.ENTER)
    assert said(browser, "verdict")[3 * j] == "✓ right" and said(browser, "hint")[3 * j] == ""
    assert browser.find_element(By.ID, "score").text == "score: 0 of 1 right", "first tries count"
    browser.save_screenshot(str(SHOTS / "local.png"))
    no_errors(browser)


def test_an_infinite_gradient_is_drawn_and_typed(browser, tmp_path):
    """√x at x = 0 (README): ∂g/∂x = ∞ in the picture, the sentence and the tooltip; "inf" and "∞"
    are right, "-inf" is the sign slip."""
    x, y = Value(0.0, label="x"), Value(2.0, label="y")
    g = x.sqrt() * y
    g.label = "g"
    trace = autodiff.trace_backward(g)
    ids = {v: f"n{i}" for i, v in enumerate(trace.order)}
    open_page(browser, g, tmp_path, "inf")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    assert node_texts(browser, ids[x]).split()[-1] == "∞" and tooltip(browser, ids[x]).endswith("grad = inf, op = leaf")
    assert "→ ∞" in visible(browser, "section.pass:not([hidden]) .sentence:not([hidden])").text
    browser.save_screenshot(str(SHOTS / "inf.png"))
    browser.find_element(By.ID, "quiz").click()
    local, contribution, after = boxes(browser)
    after.send_keys("-inf", Keys.ENTER)
    assert said(browser, "hint")[2].split(" — ")[1].startswith(slips.SIGN)
    local.send_keys("inf", Keys.ENTER)
    contribution.send_keys("∞", Keys.ENTER)
    after.clear()
    after.send_keys("+Infinity", Keys.ENTER)
    assert said(browser, "verdict") == ["✓ right"] * 3 and node_texts(browser, ids[x]).split()[-1] == "∞"
    no_errors(browser)


def test_hostile_labels_add_no_element(browser, tmp_path):
    """Template placeholders, a closing script tag, quotes and an <img onerror> as labels: the page has
    exactly its own elements, shows the names as text and steps through without an error."""
    labels = ["{{body}}", "{{data}}", "{{js}}", "</script><img src=x onerror=alert(1)>", "\"'><b>x</b>"]
    xs = [Value(float(i + 1), label=lab) for i, lab in enumerate(labels)]
    f = autodiff.sum([a * b for a, b in itertools.pairwise(xs)])
    f.label = "{{title}}"
    open_page(browser, f, tmp_path, "hostile")
    count = "return [document.scripts.length, document.images.length, document.querySelectorAll('section').length, " \
            "document.querySelectorAll('svg').length, " \
            "Array.from(document.querySelectorAll('b')).filter(b => b.textContent === 'x').length, document.title]"
    assert browser.execute_script(count) == [2, 0, 2, 2, 0, "the backward pass of {{title}}, step by step"]
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in autodiff.trace_backward(f):
        body.send_keys(Keys.ARROW_RIGHT)
    assert "</script><img src=x onerror=alert(1)>" in visible(browser, "section.pass:not([hidden]) table.trace").text
    browser.find_element(By.ID, "quiz").click()
    assert browser.execute_script(count)[:5] == [2, 0, 2, 2, 0]
    browser.save_screenshot(str(SHOTS / "hostile.png"))
    no_errors(browser)


def test_the_summary_wraps_inside_the_window(browser, tmp_path):
    """After backward() the summary has two lines (no literal "\\n") and long ones wrap."""
    xs = [Value(float(i), label=f"input_number_{i}") for i in range(40)]
    f = autodiff.sum(xs)
    f.label = "f"
    f.backward()
    open_page(browser, f, tmp_path, "summary")
    summary = browser.find_element(By.ID, "summary")
    assert "\\n" not in summary.text and summary.text.count("\n") == 1, summary.text
    line = browser.execute_script("return 1.2 * parseFloat(getComputedStyle(arguments[0]).fontSize)", summary)
    assert summary.size["height"] > 3 * line, "the long first line wraps"
    assert browser.execute_script("const s = arguments[0]; return s.scrollWidth <= s.clientWidth", summary)
    assert summary.size["width"] <= browser.execute_script("return window.innerWidth")


def test_a_500_leaf_page_loads_and_steps(browser, tmp_path):
    """One dot of 500 leaves: the page loads, and a step repaints all 500 gradients, quickly."""
    xs = [Value(float(i % 7) - 3, label=f"x{i}") for i in range(500)]
    d = autodiff.dot(xs, [0.5] * 500)
    d.label = "d"
    start = time.perf_counter()
    open_page(browser, d, tmp_path, "dot500")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)
    assert state(browser) == ("backward", 1, 1) and outlined(browser) == ["n500"]
    assert [node_texts(browser, f"n{i}").split()[-1] for i in (0, 250, 499)] == ["0.5"] * 3
    browser.find_element(By.CSS_SELECTOR, 'button.mode[data-mode="forward"]').click()
    body.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    assert state(browser) == ("forward", 2, 2) and node_texts(browser, "n3").split()[-1] == "?"
    browser.find_element(By.ID, "quiz").click()
    browser.find_element(By.CSS_SELECTOR, 'button.mode[data-mode="backward"]').click()
    assert len(boxes(browser)) == 3 * 500
    assert time.perf_counter() - start < 30
    browser.save_screenshot(str(SHOTS / "dot500.png"))
    no_errors(browser)
