"""The site's speed (``make site``'s build/site), measured in a real browser: the issue's budgets.

    .venv/bin/python benchmarks/site_speed.py [--starts N] [--runs N] [--out FILE]

Serves build/site (or $AUTODIFF_SITE) on 127.0.0.1 and drives Debian's headless chromium with every
outside request blocked (the tests' harness, ``tests/site_browser.py``), then measures:

- first interactive: navigation start → Python started and ``autodiff.web.api`` imported, as the
  page's engine.js reports it (``interactiveMs``), with the worker's own split (Pyodide's start, the
  wheels unpacked, the imports); each of ``--starts`` cold starts in a browser just started (a browser
  that compiled Pyodide's WebAssembly once reuses it, even with its HTTP cache off);
- each action on a 100-node graph (tanh of a 25-term sum of products) in the playground page, as the
  page times it from the event to the page shown: compute, check, the chain rule for an input
  (derive), a step of the player, the player's load; ``--runs`` of each after a warm-up;
- the playground's first load: the bytes the server sent (bodies, as sent) for index.html, cache off.

Prints a table with the budgets (≤ 3 s, ≤ 300 ms, ≤ 15 MB), best and median, and writes it to
benchmarks/results/site-speed.md. A time over its budget is reported (the "within" column), not an
error: on a shared machine other programs only add time; the exit status is non-zero only when the
measurement itself fails (no site, no browser, a page that does not start)."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import site_browser as sb  # the tests' harness: its folder is put on the path just above

MB = 1_000_000
FIRST_INTERACTIVE_MS = 3000
ACTION_MS = 300
FIRST_LOAD_MB = 15
ACTIONS = ("compute", "check", "derive", "step", "steps")
NAMES = {"steps": "player load", "step": "player step", "derive": "chain rule (derive)"}


def first_interactive(server: sb.SiteServer, starts: int) -> list[dict]:
    """``starts`` cold starts of the self-test page, each in a browser just started: the ready report."""
    out = []
    for _ in range(starts):
        driver = sb.new_browser()
        try:
            result = sb.open_page(driver, server.url + "engine/selftest.html")
        finally:
            driver.quit()
        if "error" in result or "ready" not in result:
            raise RuntimeError(f"the self-test page did not start: {result.get('error', result)}")
        out.append(result["ready"])
    return out


def playground(server: sb.SiteServer, runs: int) -> tuple[int, int, dict[str, list[float]]]:
    """The playground's first load (bytes sent, files) and its actions on 100 nodes (ms by action)."""
    driver = sb.new_browser()
    try:
        sent = sb.load_quietly(driver, server, server.url + "index.html")
        if driver.execute_script("return document.body.dataset.state") != "done":
            raise RuntimeError("the playground page did not start")
        return sum(size for _, size in sent), len(sent), sb.each_action_on_100_nodes(driver, runs)
    finally:
        driver.quit()


def row(what: str, xs: list[float], unit: str, budget: float, scale: float = 1.0) -> str:
    best, median = min(xs) / scale, statistics.median(xs) / scale
    digits = 2 if unit == "s" else 0
    within = "yes" if best <= budget else "**no**"
    return f"| {what} | {best:.{digits}f} {unit} | {median:.{digits}f} {unit} | ≤ {budget:g} {unit} | {within} | {len(xs)} |"


def report(ready: list[dict], first_bytes: int, files: int, actions: dict[str, list[float]]) -> str:
    load = os.getloadavg()
    lines = [
        "# The site's speed",
        "",
        (f"`benchmarks/site_speed.py`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
         f"{platform.machine()} with {os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} "
         f"(1 / 5 min), headless chromium, build/site served from 127.0.0.1 by the tests' harness."),
        "",
        "| measure | best | median | budget | within (best) | runs |",
        "|---|---|---|---|---|---|",
        row("first interactive (navigation → autodiff.web.api imported)", [r["interactiveMs"] for r in ready],
            "s", FIRST_INTERACTIVE_MS / 1000, 1000),
    ]  # fmt: skip
    for name in ACTIONS:
        if actions.get(name):
            lines.append(row(f"{NAMES.get(name, name)}, 100 nodes", actions[name], "ms", ACTION_MS))
    lines.append(f"| playground first load (bytes the server sent) | {first_bytes / MB:.2f} MB | | "
                 f"≤ {FIRST_LOAD_MB} MB | {'yes' if first_bytes <= FIRST_LOAD_MB * MB else '**no**'} | {files} files |")  # fmt: skip
    lines += ["", "First interactive, each cold start, and the worker's split of it (seconds):", "",
              "| start | interactive | Pyodide's start | wheels unpacked | import autodiff | + autodiff.web.api |",
              "|---|---|---|---|---|---|"]  # fmt: skip
    for k, r in enumerate(ready, 1):
        s = r["seconds"]
        lines.append(f"| {k} | {r['interactiveMs'] / 1000:.2f} | {s['pyodide']:.2f} | {s['wheels']:.2f} | "
                     f"{s['engine']:.2f} | {s['import'] - s['engine']:.2f} |")  # fmt: skip
    lines += ["", "Each action's runs (ms): " + "; ".join(f"{NAMES.get(k, k)} " + ", ".join(f"{x:.0f}" for x in v)
                                                       for k, v in actions.items())]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=5, help="cold starts for first interactive (default 5)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each action (default 5)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "site-speed.md")
    args = parser.parse_args(argv)
    why = sb.site_missing() or sb.browser_missing()
    if why:
        print(f"site_speed: {why}", file=sys.stderr)
        return 2
    server = sb.SiteServer(sb.SITE)
    try:
        print(f"site_speed: {args.starts} cold starts…", file=sys.stderr)
        ready = first_interactive(server, args.starts)
        print(f"site_speed: the playground, {args.runs} runs of each action…", file=sys.stderr)
        first_bytes, files, actions = playground(server, args.runs)
    finally:
        server.close()
    text = report(ready, first_bytes, files, actions)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
