"""The ``autodiff`` command end to end (what ``make demo`` runs)."""

from __future__ import annotations

import subprocess
import sys

from autodiff import __version__


def run(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autodiff.cli", *args]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)


def test_examples_prints_values_beside_the_documents_numbers():
    p = run("examples")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "q = x + y, f = q × z" in out and "0.73105857863" in out and "-0.589835799724" in out
    assert "All engine values match the float64 references to 1e-12." in out
    assert "every printed number agrees except δ2" in out  # seed 001's slip, found and shown
    assert "-2.451e-12" in out and "-2.73721990789e-12" in out


def test_version_and_bad_command():
    p = run("--version")
    assert p.returncode == 0 and __version__ in p.stdout
    p = run("no-such-command")
    assert p.returncode == 2 and "Traceback" not in p.stderr and "invalid choice" in p.stderr
