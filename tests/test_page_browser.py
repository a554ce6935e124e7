"""The step-through page in a real browser: Debian's chromium, headless, driven by selenium through
chromedriver (no browser download). One browser for the module. The page is opened from file://;
→ pressed N times shows trace_backward's step N (the outlined node, the gradients in the picture,
the sentence, the marked row); the slider and the keys agree; the quiz hides and reveals, and takes
typed answers (right / wrong with the slip's hint, the score; the arrows inside a box stay there); the
forward mode; no console error and no request. A screenshot is saved for a person to look at.
``.ci/run`` installs chromium and chromium-driver, so CI never skips this."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

import autodiff
from autodiff import Value
from autodiff.text.display import fmt

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
if not (CHROMIUM and DRIVER):
    pytest.skip("no chromium/chromedriver: apt-get install chromium chromium-driver (.ci/run does)",
                allow_module_level=True)  # fmt: skip

from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

HIGHLIGHT_RGB = "rgb(106, 61, 154)"  # style.HIGHLIGHT, #6a3d9a
SHOTS = Path(os.environ.get("AUTODIFF_SCREENSHOTS") or tempfile.mkdtemp(prefix="autodiff-page-"))


def graph():
    """The sigmoid neuron of CS231n, unstaged, one input's name hostile: 8 steps, unlabelled nodes."""
    w0, x0, w1, x1, w2 = (Value(v, label=k) for k, v in (("w0", 2), ("x0", -1), ("w1", -3), ("x1", -2), ("w2", -3)))
    x1.label = "<img src=x onerror=alert(1)>"
    f = 1 / ((-(w0 * x0 + w1 * x1 + w2)).exp() + 1)
    f.label = "f"
    return f


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    f = graph()
    path = autodiff.save_html(f, tmp_path_factory.mktemp("page") / "steps.html")
    browser.get(path.as_uri())
    return browser, f


def visible(driver, css: str):
    found = [e for e in driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]
    assert len(found) == 1, (css, len(found))
    return found[0]


def node_texts(driver, node_id: str) -> str:
    """The text of one box in the picture on screen (by its drawing id)."""
    frame = visible(driver, "section.pass:not([hidden]) .picture")
    return driver.execute_script(
        "for (const g of arguments[0].querySelectorAll('g.node'))"
        "  if (g.querySelector('title').textContent === arguments[1])"
        "    return Array.from(g.querySelectorAll('text')).map(t => t.textContent).join(' ');"
        "return null;", frame, node_id)  # fmt: skip


def tooltip(driver, node_id: str) -> str | None:
    """The tooltip of one box in the picture on screen (None: none)."""
    frame = visible(driver, "section.pass:not([hidden]) .picture")
    return driver.execute_script(
        "for (const g of arguments[0].querySelectorAll('g.node'))"
        "  if (g.querySelector('title').textContent === arguments[1])"
        "    return g.querySelector('a').getAttributeNS('http://www.w3.org/1999/xlink', 'title');"
        "return null;", frame, node_id)  # fmt: skip


def outlined(driver) -> list[str]:
    """Drawing ids of the value boxes on screen drawn with the current-step outline (as the browser
    paints them: the shape's computed stroke, the frames' colour and width)."""
    frame = visible(driver, "section.pass:not([hidden]) .picture")
    return driver.execute_script(
        "return Array.from(arguments[0].querySelectorAll('g.node')).filter(g => {"
        "  const s = getComputedStyle(g.querySelector('path, polygon, ellipse'));"
        "  return s.stroke === arguments[1] && s.strokeWidth === '3px';"
        "}).map(g => g.querySelector('title').textContent).filter(t => !t.endsWith('_op'));",
        frame, HIGHLIGHT_RGB)  # fmt: skip


def boxes(driver) -> list:
    """The input boxes on screen (the quiz's typed answers of the current step), in reading order."""
    return [e for e in driver.find_elements(By.CSS_SELECTOR, "input.answer") if e.is_displayed()]


def said(driver, kind: str) -> list[str]:
    """The texts on screen of the verdicts or the hints of the current step, box by box ('' for none)."""
    sentence = visible(driver, "section.pass:not([hidden]) .sentence:not([hidden])")
    return [e.text if e.is_displayed() else "" for e in sentence.find_elements(By.CSS_SELECTOR, f".{kind}")]


def state(driver) -> tuple[str, int, int]:
    body = driver.find_element(By.TAG_NAME, "body")
    slider = driver.find_element(By.ID, "slider")
    return body.get_attribute("data-mode"), int(body.get_attribute("data-step")), int(slider.get_attribute("value"))


def test_right_arrow_walks_the_backward_pass_step_by_step(page):
    driver, f = page
    trace = autodiff.trace_backward(f)
    ids = {v: f"n{i}" for i, v in enumerate(trace.order)}
    body = driver.find_element(By.TAG_NAME, "body")
    assert state(driver) == ("backward", 0, 0) and outlined(driver) == []
    assert node_texts(driver, ids[f]).endswith("grad  1") or node_texts(driver, ids[f]).split()[-1] == "1"
    for step in trace:
        body.send_keys(Keys.ARROW_RIGHT)
        assert state(driver) == ("backward", step.index, step.index)
        assert outlined(driver) == [ids[step.node]], f"step {step.index} processes {trace.names[step.node]}"
        sentence = visible(driver, "section.pass:not([hidden]) .sentence:not([hidden])").text
        for c in step.contributions:
            p = trace.names[c.parent]
            assert node_texts(driver, ids[c.parent]).split()[-1] == fmt(c.after), "the new gradient is drawn"
            assert (f"upstream {fmt(step.upstream)} × local {fmt(c.local)} (∂{trace.names[step.node]}/∂{p}) = "
                    f"{fmt(c.contribution)} added to {p}.grad: {fmt(c.before)} → {fmt(c.after)}") in sentence
        rows = driver.find_elements(By.CSS_SELECTOR, "section.pass:not([hidden]) tr.current")
        assert {r.get_attribute("data-i") for r in rows} == {str(step.index)}
        assert len(rows) == len(step.contributions)
        later = [v for s in trace[step.index:] for v in (c.parent for c in s.contributions)]
        for v in later:
            if v not in {c.parent for s in trace[: step.index] for c in s.contributions}:
                assert node_texts(driver, ids[v]).split()[-1] == "?", "a gradient not yet arrived is ?"
    body.send_keys(Keys.ARROW_RIGHT)
    assert state(driver)[1] == len(trace), "the last step stays"
    assert driver.find_element(By.ID, "next").get_attribute("disabled") == "true"


def test_the_slider_and_the_keys_agree(page):
    driver, _ = page
    slider = driver.find_element(By.ID, "slider")
    driver.execute_script("arguments[0].value = 3; arguments[0].dispatchEvent(new Event('input'))", slider)
    assert state(driver) == ("backward", 3, 3)
    slider.send_keys(Keys.ARROW_RIGHT)  # the slider's own key moves it, and the page follows, once
    assert state(driver) == ("backward", 4, 4)
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    assert state(driver) == ("backward", 2, 2)
    driver.find_element(By.ID, "prev").click()
    assert state(driver) == ("backward", 1, 1)
    driver.find_element(By.ID, "next").click()
    assert state(driver) == ("backward", 2, 2)


def test_the_quiz_hides_each_steps_answers_until_revealed(page):
    driver, f = page
    trace = autodiff.trace_backward(f)
    ids = {v: f"n{i}" for i, v in enumerate(trace.order)}
    slider = driver.find_element(By.ID, "slider")
    driver.execute_script("arguments[0].value = 1; arguments[0].dispatchEvent(new Event('input'))", slider)
    driver.find_element(By.ID, "quiz").click()
    step = trace[0]
    (c,) = step.contributions
    sentence = visible(driver, "section.pass:not([hidden]) .sentence:not([hidden])")
    assert sentence.text.endswith(f"added to {trace.names[c.parent]}.grad: {fmt(c.before)} → check"), "a box for ?"
    assert len(boxes(driver)) == 3 and fmt(c.contribution) not in sentence.text.split("=")[-1]
    assert node_texts(driver, ids[c.parent]).split()[-1] == "?"
    assert tooltip(driver, ids[c.parent]) is None, "the tooltip (exact numbers) is hidden too"
    assert "grad = " in tooltip(driver, ids[step.node])
    assert not driver.find_element(By.ID, "summary").is_displayed(), "the final gradients are hidden too"
    shown = [r.get_attribute("data-i") for r in driver.find_elements(By.CSS_SELECTOR, "section.pass:not([hidden]) tr")
             if r.is_displayed() and r.get_attribute("data-i")]  # fmt: skip
    assert shown == ["0", "1"], "no row of a later step"
    driver.find_element(By.ID, "reveal").click()
    assert f"grad = {c.after!r}" in tooltip(driver, ids[c.parent])
    assert sentence.text.endswith(f"→ {fmt(c.after)}")
    assert node_texts(driver, ids[c.parent]).split()[-1] == fmt(c.after)
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    nxt = visible(driver, "section.pass:not([hidden]) .sentence:not([hidden])")
    assert len(boxes(driver)) == nxt.text.count("check") == len(trace[1].contributions) * 3, "the next step asks again"
    driver.save_screenshot(str(SHOTS / "quiz.png"))
    driver.find_element(By.ID, "quiz").click()
    assert "?" not in visible(driver, "section.pass:not([hidden]) .sentence:not([hidden])").text


def test_the_forward_mode_shows_each_value_as_it_is_computed(page):
    driver, f = page
    forward = autodiff.trace_forward(f)
    ids = {v: f"n{i}" for i, v in enumerate(forward.order)}
    driver.find_element(By.CSS_SELECTOR, 'button.mode[data-mode="forward"]').click()
    assert state(driver) == ("forward", 0, 0)
    assert driver.find_element(By.ID, "slider").get_attribute("max") == str(len(forward) - 1)
    body = driver.find_element(By.TAG_NAME, "body")
    for s in forward[1:]:
        body.send_keys(Keys.ARROW_RIGHT)
        assert outlined(driver) == [ids[s.node]]
        assert node_texts(driver, ids[s.node]).split()[-1] == fmt(s.value)
        assert visible(driver, "section.pass:not([hidden]) .sentence:not([hidden])").text.endswith(f"= {fmt(s.value)}.")
        assert all(node_texts(driver, ids[v]).split()[-1] == "?" for v in forward.order[s.index:])
    driver.find_element(By.CSS_SELECTOR, 'button.mode[data-mode="backward"]').click()
    assert state(driver) == ("backward", 2, 2), "each mode keeps its place"


def test_no_console_error_no_request_and_a_screenshot(page):
    driver, _ = page
    driver.find_element(By.ID, "play").click()
    assert driver.find_element(By.ID, "play").text == "pause"
    driver.find_element(By.ID, "play").click()
    assert driver.find_element(By.ID, "play").text == "play"
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert driver.execute_script("return document.querySelectorAll('img').length") == 0, "no label became markup"
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    shot = SHOTS / "backward.png"
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    print(f"screenshots in {SHOTS}")


def test_the_quiz_takes_typed_answers_with_hints_and_a_score(page):
    """Last in the module but the pages of their own: it reloads the page (a fresh quiz). Step 2 passes
    ∂f/∂v7 = -0.5344 through v7 = v6 + 1 (local 1): the right numbers are right, the local alone in the
    contribution's box is "chain forgotten"."""
    driver, f = page
    driver.get(driver.current_url)
    trace = autodiff.trace_backward(f)
    ids = {v: f"n{i}" for i, v in enumerate(trace.order)}
    body = driver.find_element(By.TAG_NAME, "body")
    driver.find_element(By.ID, "quiz").click()
    score = driver.find_element(By.ID, "score")
    assert score.text == "score: 0 of 0 right"
    body.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    step = trace[1]
    (c,) = step.contributions
    assert state(driver) == ("backward", 2, 2) and step.upstream != 1 and c.local == 1 and c.before == 0
    local, contribution, after = boxes(driver)
    local.send_keys(fmt(c.local), Keys.ENTER)
    contribution.send_keys(fmt(c.contribution), Keys.ENTER)
    assert said(driver, "verdict") == ["✓ right", "✓ right", ""] and score.text == "score: 2 of 2 right"
    assert boxes(driver) == [after], "a right number takes the place of its box"
    after.send_keys("1", Keys.ARROW_LEFT, Keys.ARROW_LEFT, Keys.ARROW_RIGHT)
    assert state(driver) == ("backward", 2, 2), "the arrows inside a box move the caret, not the step"
    after.send_keys(Keys.ENTER)
    assert said(driver, "verdict") == ["✓ right", "✓ right", "✗ wrong"] and score.text == "score: 2 of 3 right"
    hint = said(driver, "hint")[2]
    assert (f"v6.grad after this step — chain forgotten: your value is the local derivative ∂v7/∂v6 = 1 alone: "
            f"multiply it by the upstream ∂f/∂v7 = {fmt(step.upstream)}") in hint, hint  # fmt: skip
    assert node_texts(driver, ids[c.parent]).split()[-1] == "?"
    driver.find_element(By.ID, "reveal").click()
    sentence = visible(driver, "section.pass:not([hidden]) .sentence:not([hidden])")
    assert boxes(driver) == [] and f"→ {fmt(c.after)}" in sentence.text, "reveal still shows the numbers"
    assert node_texts(driver, ids[c.parent]).split()[-1] == fmt(c.after) and score.text == "score: 2 of 3 right"

    body.send_keys(Keys.ARROW_RIGHT)  # step 3: v6 = exp(v5); typed with a typographic minus, a slip-less number
    (c,) = trace[2].contributions
    local, contribution, after = boxes(driver)
    after.send_keys("abc", Keys.ENTER)
    assert said(driver, "verdict")[2].startswith("type a number") and score.text == "score: 2 of 3 right"
    after.clear()
    after.send_keys("12345", Keys.ENTER)
    assert "no common slip" in said(driver, "hint")[2] and score.text == "score: 2 of 4 right"
    after.clear()
    after.send_keys(fmt(c.after).replace("-", "\u2212"), Keys.ENTER)
    contribution.send_keys(fmt(c.contribution), Keys.ENTER)
    local.send_keys(fmt(c.local), Keys.ENTER)
    assert said(driver, "verdict") == ["✓ right"] * 3 and score.text == "score: 4 of 6 right", "first tries"
    assert node_texts(driver, ids[c.parent]).split()[-1] == fmt(c.after), "all right: the step shows its numbers"
    assert driver.find_element(By.ID, "reveal").get_attribute("disabled") == "true"
    driver.save_screenshot(str(SHOTS / "typed.png"))

    hostile = "<img src=x onerror=alert(1)>"
    (s,) = [s for s in trace if any(trace.names[c.parent] == hostile for c in s.contributions)]
    slider = driver.find_element(By.ID, "slider")
    driver.execute_script(f"arguments[0].value = {s.index}; arguments[0].dispatchEvent(new Event('input'))", slider)
    j = [trace.names[c.parent] for c in s.contributions].index(hostile)
    boxes(driver)[3 * j + 1].send_keys(fmt(s.contributions[j].local), Keys.ENTER)
    assert f"∂{trace.names[s.node]}/∂{hostile} = -3 alone" in said(driver, "hint")[3 * j + 1]
    assert driver.execute_script("return document.querySelectorAll('img').length") == 0, "the hint is text"
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == [] and driver.execute_script("return performance.getEntriesByType('resource').length") == 0
