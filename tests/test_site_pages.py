"""The playground site in a real browser (the built site, ``make site``, served on 127.0.0.1; chromium with
every outside request blocked; the harness is ``tests/site_browser.py``): the shared link's gradients
(the issue's numbers), stepping the passes, a planted slip in "check" named at its node, a practice
exercise (the same as ``autodiff.exercise`` in Python) accepting right answers and naming wrong ones,
the worked examples (CS231n's numbers), hostile text staying text, no console error, and each action on
a graph of 100 nodes completing and timed by the page itself (``window.autodiffTimings``). How long they
take is measured by ``benchmarks/site_speed.py``, alone, not here beside other tests.

Without a built site, chromium or selenium these tests skip and say why (the harness decides)."""

from __future__ import annotations

import math

import pytest
from site_browser import (  # noqa: F401
    browser,
    check_form,
    console_errors,
    each_action_on_100_nodes,
    open_page,
    site_dir,
    site_server,
    timings,
    wait_actions,
    wait_for,
)

import autodiff

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SHARED = "#expr=tanh(w*x%2Bb)&w=0.7&x=1.3&b=-0.2"
HOSTILE = "<img src=x onerror=alert(1)>"


def go(driver, hash_: str, *names: str) -> list[dict]:
    """Paste a link into the open page (a teacher's link: the hash changes) and wait for its actions."""
    since = len(timings(driver))
    driver.execute_script("location.hash = arguments[0]", hash_)
    return wait_actions(driver, since, "link", *names)


def text(driver, css: str) -> str:
    return driver.find_element("css selector", css).text


def input_gradients(driver) -> dict[str, str]:
    rows = driver.find_elements("css selector", "#inputs tbody tr")
    return {r.get_attribute("data-input"): r.find_elements("css selector", "td")[2].text for r in rows}


def assert_no_alert(driver) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - reading it is the check


@pytest.fixture(scope="module")
def page(browser, site_server):  # noqa: F811
    """The site opened once on the shared link (a first visit: the cache off), ready."""
    state = open_page(browser, site_server.url + "index.html" + SHARED)
    assert browser.execute_script("return document.body.dataset.state") == "done", state
    wait_actions(browser, 0, "link", "steps")
    return browser


def test_the_shared_link_shows_the_issues_gradients(page, site_server, console_errors):  # noqa: F811
    grads = input_gradients(page)
    # the issue's numbers for tanh(w·x + b) at w = 0.7, x = 1.3, b = -0.2 (x's is 0.43895: "≈0.439")
    assert grads["w"] == "0.8152" and grads["b"] == "0.6271" and grads["x"].lstrip("≈") == "0.439"
    assert page.find_element("id", "expr").get_attribute("value") == "tanh(w*x+b)"
    assert "0.8152" in text(page, "#derivation")  # ∂f/∂w written out, ending in its value
    assert "w → v1 → v2 → f" in text(page, "#paths")
    svg = page.find_elements("css selector", "#graph svg g.node")
    assert len(svg) >= 6  # w, x, b, v1, v2, f (and their gates)
    links = page.execute_script("return location.hash")
    assert "expr=" in links and "w=0.7" in links  # the address bar holds a link to this state
    sent = page.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(u.startswith(site_server.url) for u in sent), [u for u in sent if not u.startswith(site_server.url)]
    assert console_errors() == []


def test_stepping_the_backward_pass(page, console_errors):  # noqa: F811
    go(page, SHARED, "steps")
    frame = page.find_element("id", "player-frame")
    page.switch_to.frame(frame)
    try:
        wait_for(page, "return document.body.dataset.step === '0'")
        assert "?" in [t.text for t in page.find_elements("css selector", "section[data-mode=backward] svg text")]
        for _ in range(3):
            page.find_element("id", "next").click()
        assert page.execute_script("return document.body.dataset.step") == "3"
        assert page.find_element("id", "where").text.startswith("step 3 of 3")
        shown = [t.text for t in page.find_elements("css selector", "section[data-mode=backward] svg text")]
        assert "0.8152" in shown and "?" not in shown  # every gradient has arrived
        page.find_element("id", "prev").click()
        assert page.execute_script("return document.body.dataset.step") == "2"
        page.find_element("css selector", "button.mode[data-mode=forward]").click()
        assert page.execute_script("return document.body.dataset.mode") == "forward"
        # the quiz: step 1 of the backward pass asks tanh's local derivative, 1 − tanh(0.71)²
        page.find_element("css selector", "button.mode[data-mode=backward]").click()
        page.find_element("id", "prev").click()
        page.find_element("id", "prev").click()
        assert page.execute_script("return document.body.dataset.step") == "0"
        page.find_element("id", "quiz").click()
        page.find_element("id", "next").click()
        box = page.find_element("css selector", ".sentence:not([hidden]) .box input")
        box.send_keys(f"{1 - math.tanh(0.7 * 1.3 - 0.2) ** 2:.4f}\n")
        assert "right" in page.find_element("css selector", ".sentence:not([hidden]) .verdict").text
    finally:
        page.switch_to.default_content()
    assert console_errors() == []


def right_gradients() -> dict[str, float]:
    """∂f/∂node of tanh(w·x + b) by hand (v1 = w·x, v2 = v1 + b, f = tanh v2), not by the engine."""
    w, x, b = 0.7, 1.3, -0.2
    d = 1 - math.tanh(w * x + b) ** 2
    return {"f": 1.0, "v2": d, "b": d, "v1": d, "w": d * x, "x": d * w}


def submit(page, gradient_of) -> None:
    """Type ``gradient_of(node name)`` into each node's box of the check form and press Check."""
    for row in page.find_elements("css selector", "#check-nodes tbody tr"):
        box = row.find_element("css selector", "input")
        box.clear()
        box.send_keys(f"{gradient_of(row.find_element('css selector', 'td').text):.6g}")
    since = len(timings(page))
    page.find_element("id", "check-run").click()
    wait_actions(page, since, "check")


@pytest.mark.parametrize(("node", "typed", "slip"), [
    ("x", lambda g: -g["x"], "sign flipped"),
    ("w", lambda g: 1.3, "chain forgotten"),  # ∂v1/∂w = x alone, not × the upstream ∂f/∂v1
])  # fmt: skip
def test_check_names_a_planted_slip_at_its_node(page, console_errors, node, typed, slip):  # noqa: F811
    go(page, SHARED, "steps")
    page.find_element("css selector", "button.tab[data-view=check]").click()
    right = right_gradients()
    ids = {}
    for row in check_form(page, "tanh(w*x+b)"):
        ids[row.find_element("css selector", "td").text] = row.get_attribute("data-node")
    submit(page, lambda name: typed(right) if name == node else right[name])
    assert text(page, "#check-first") == node
    assert text(page, "#check-slip") == slip
    assert text(page, "#check-right")  # the right computation, shown
    outlined = page.find_elements("css selector", "#check-graph g.node.wrong title")
    assert [t.get_attribute("textContent") for t in outlined] == [ids[node]]
    # all right: no node outlined
    submit(page, right.__getitem__)
    assert text(page, "#check-summary").startswith("✓ All right")
    assert page.find_elements("css selector", "#check-graph g.node.wrong") == []
    page.find_element("css selector", "button.tab[data-view=playground]").click()
    assert console_errors() == []


def test_practice_accepts_right_answers_and_names_wrong_ones(page, console_errors):  # noqa: F811
    seed, level = 7, 3
    go(page, f"#practice={seed}&level={level}")  # the link opens the exercise
    assert page.execute_script("return document.body.dataset.view") == "practice"
    ex = autodiff.exercise(seed, level)  # the same exercise, made in Python
    items = page.find_elements("css selector", "#ex-blanks li")
    shown = [i.find_element("css selector", ".prompt").text for i in items]
    assert shown == [" ".join(b.prompt.split()) for b in ex.blanks]  # (HTML shows runs of spaces as one)

    def answer(k: int, typed: str) -> str:
        since = len(timings(page))
        box = items[k].find_element("css selector", "input")
        box.clear()
        box.send_keys(typed + "\n")
        wait_actions(page, since, "answer")
        return items[k].find_element("css selector", ".verdict").text

    first = ex.blanks[0]
    assert answer(0, f"{first.answer:.6g}").startswith("✓ right")
    ex.answer(0, first.answer)
    second = ex.blanks[1]
    wrong = -second.answer if second.answer != 0 else 1.0
    expected = ex.answer(1, wrong)  # Python's verdict on the same wrong number
    assert not expected.correct and expected.slip
    shown = answer(1, f"{wrong:.6g}")
    assert items[1].find_element("css selector", ".slip").text == expected.slip, shown
    assert answer(1, f"{second.answer:.6g}").startswith("✓ right")
    assert text(page, "#ex-score").startswith("score: 1 of 2 right at the first try")
    assert page.execute_script("return location.hash") == f"#practice={seed}&level={level}"
    assert console_errors() == []


def test_worked_examples_load(page, console_errors):  # noqa: F811
    from selenium.webdriver.support.select import Select

    go(page, SHARED, "steps")
    since = len(timings(page))
    Select(page.find_element("id", "examples")).select_by_value("add_mul")
    wait_actions(page, since, "example", "steps")
    # CS231n's gate example: x = -2, y = 5, z = -4 → f = -12, ∂f/∂x = ∂f/∂y = -4, ∂f/∂z = 3
    assert text(page, "#output").startswith("f = -12")
    assert input_gradients(page) == {"x": "-4", "y": "-4", "z": "3"}
    assert page.find_element("id", "names").get_attribute("value") == "q = x + y"
    since = len(timings(page))
    Select(page.find_element("id", "examples")).select_by_value("three_layer_network")
    wait_actions(page, since, "example")
    assert page.find_elements("css selector", "#graph svg g.node")  # built in Python, drawn here
    assert page.execute_script("return location.hash").startswith("#example=")
    assert console_errors() == []


def hostile_left(driver) -> list:
    """Anything the hostile text could have made: <img> elements (in the page or the player's frame)."""
    return driver.execute_script(
        "const f = document.getElementById('player-frame');"
        "return [...document.querySelectorAll('img'), ...(f && f.contentDocument ? f.contentDocument.querySelectorAll('img') : [])]"
        ".map(e => e.outerHTML)")  # fmt: skip


def test_hostile_text_stays_text(page, console_errors):  # noqa: F811
    page.find_element("css selector", "button.tab[data-view=playground]").click()
    expr, names = page.find_element("id", "expr"), page.find_element("id", "names")
    for typed_expr, typed_names in ((HOSTILE, ""), ("x + y", f"{HOSTILE} = x + y"), (f"x + y # {HOSTILE}", "")):
        expr.clear()
        expr.send_keys(typed_expr)
        names.clear()
        names.send_keys(typed_names)
        page.find_element("id", "values").clear()
        page.find_element("id", "values").send_keys("x=1, y=2")
        since = len(timings(page))
        page.find_element("id", "compute").click()
        wait_actions(page, since, "compute")
        error = page.find_element("css selector", "#expr-error .msg")
        assert error.is_displayed() and error.text and "\n" not in error.text  # one line
        assert hostile_left(page) == [] and page.find_elements("css selector", "#expr-error img") == []
        assert_no_alert(page)
    caret = text(page, "#expr-error .caret")
    assert caret.splitlines()[-1].strip() == "^"  # the parser's caret under the place
    # the same text in a link, and as an input's name in a link
    for link in (
        "#expr=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&x=1",
        "#expr=x&x=1&%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E=2",
    ):
        go(page, link)
        assert page.find_element("id", "expr-error").is_displayed()
        assert hostile_left(page) == []
        assert_no_alert(page)
    assert console_errors() == []


def test_each_action_on_a_100_node_graph_completes_and_is_timed(page, console_errors):  # noqa: F811
    """Compute, the step player's load, check, the chain rule for another input, a step of the player: each
    done on the 100-node graph, and each timed by the page (a number of ms); the times themselves are
    ``benchmarks/site_speed.py``'s."""
    done = each_action_on_100_nodes(page, runs=2)
    assert set(done) == {"compute", "steps", "check", "derive", "step"}
    assert all(len(v) == 2 and all(isinstance(x, (int, float)) and 0 <= x < 60_000 for x in v) for v in done.values())
    assert page.find_elements("css selector", "#graph svg g.node")  # the drawing shown
    assert console_errors() == []


LAST_STEP = "const s = document.getElementById('slider'); s.value = arguments[0]; s.dispatchEvent(new Event('input'))"


def shown_numbers(driver, mode: str) -> set[float]:
    """The numbers written in the player's drawing of ``mode``'s pass (its frame must be the current one)."""
    out = set()
    for t in driver.find_elements("css selector", f"section[data-mode={mode}] .picture svg text"):
        try:
            out.add(float(t.text.replace("\u2212", "-").lstrip("≈")))
        except ValueError:
            pass
    return out


def test_the_player_of_a_new_expression_reuses_its_frame(page, console_errors):  # noqa: F811
    """A second expression's player comes in the same frame (a new body, the player started again): its
    own graph (CS231n's (x+y)·z: ∂f/∂x = ∂f/∂y = z = −4, ∂f/∂z = x + y = 3), one step per key press (the
    first player's key listener went with its body), and the forward pass's picture laid out after."""
    go(page, "#expr=tanh(w*x%2Bb)&w=0.7&x=1.3&b=-0.25", "steps")
    page.execute_script("document.getElementById('player-frame').dataset.first = 'yes'")
    page.switch_to.frame(page.find_element("id", "player-frame"))
    try:  # the first player left at its last step: a listener of it still alive would step past the new one's
        page.execute_script(LAST_STEP, 99)
    finally:
        page.switch_to.default_content()
    go(page, "#expr=(x%2By)*z&x=-2&y=5&z=-4", "steps")
    frame = page.find_element("id", "player-frame")
    assert frame.get_attribute("data-first") == "yes"  # the same frame element, not a new one
    page.switch_to.frame(frame)
    try:
        wait_for(page, "return document.body.dataset.step === '0'")
        last = int(page.find_element("id", "slider").get_attribute("max"))
        page.execute_script("document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true}))")
        assert page.execute_script("return document.body.dataset.step") == "1"
        page.execute_script(LAST_STEP, last)
        shown = shown_numbers(page, "backward")
        assert {-4.0, 3.0} <= shown and 0.8152 not in shown, shown  # this graph's gradients, not tanh's
        page.find_element("css selector", "button.mode[data-mode=forward]").click()
        wait_for(page, "return document.querySelectorAll('section[data-mode=forward] .picture svg g.node').length"
                       " === document.querySelectorAll('section[data-mode=backward] .picture svg g.node').length")
        page.execute_script(LAST_STEP, 99)
        assert {-2.0, 5.0, -4.0, 3.0, -12.0} <= shown_numbers(page, "forward")  # every value computed
    finally:
        page.switch_to.default_content()
    assert console_errors() == []
