"""Shared settings: hypothesis without deadlines (the machines are shared and noisy); the cross-tool
suite's count of graphs and checks, summed over the xdist workers and printed at the end."""

from __future__ import annotations

import json
from collections import Counter

from hypothesis import settings

settings.register_profile("autodiff", deadline=None, max_examples=150, derandomize=False)
settings.load_profile("autodiff")

CROSSTOOL: Counter = Counter()  # graphs built and checks made by tests/test_crosstool.py


def pytest_sessionfinish(session):
    if CROSSTOOL and hasattr(session.config, "workerinput"):  # an xdist worker: leave the count for the controller
        folder = session.config._tmp_path_factory.getbasetemp().parent
        (folder / f"crosstool-{session.config.workerinput['workerid']}.json").write_text(json.dumps(CROSSTOOL))


def pytest_terminal_summary(terminalreporter, config):
    total = Counter(CROSSTOOL)
    if not hasattr(config, "workerinput"):
        try:
            folder = config._tmp_path_factory.getbasetemp()
        except Exception:  # noqa: BLE001 - no temp folder: nothing was left there
            folder = None
        for f in folder.glob("crosstool-*.json") if folder else ():
            total.update(json.loads(f.read_text()))
    if total:
        terminalreporter.write_line(f"cross-tool suite: {total['graphs']:,} graphs, {total['checks']:,} checks")
