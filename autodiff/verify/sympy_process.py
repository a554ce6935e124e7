"""sympy with a time limit anywhere: a call made in a worker process that is killed when its time is up.

sympy's time budget (``symbolic.time_budget``) is a signal timer, which Python allows only in the main
thread; a proof asked for from another thread (a web server, a test runner's thread) runs here instead:
a fresh ``python`` imports the function by name, runs it in *its* main thread (so the signal budgets
work there too), and sends the answer back pickled. When it has not answered within its seconds (a
long computation inside a C routine that no signal interrupts), it is killed: the call is bounded
whatever sympy does. Its memory is capped too (on systems with ``resource``). Only our own function's
name and its pickled arguments are sent; nothing a user typed is ever run as code.
"""

from __future__ import annotations

import importlib
import os
import pickle
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess

STARTUP_SECONDS = 30.0  # for a fresh python to import autodiff and sympy (slow on a busy machine)
MEMORY_BYTES = 2 << 30  # the worker's address space


class OutOfTime(Exception):
    """The worker did not answer within its time and was killed."""


def run(module: str, function: str, args: tuple, seconds: float) -> object:
    """``module.function(*args)`` in a worker process: its result, the exception it raised, or
    ``OutOfTime`` when it has not answered ``seconds`` after it was ready (its start-up, importing
    autodiff and sympy, has ``STARTUP_SECONDS`` of its own)."""
    import subprocess  # here, not at the top: importing autodiff (in the browser too) needs no process
    import tempfile

    root = str(Path(__file__).resolve().parents[2])  # the directory holding the autodiff package
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])])}
    with tempfile.TemporaryFile() as errors:
        worker = subprocess.Popen([sys.executable, "-c", f"from {__name__} import _serve; _serve()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=errors, env=env)  # fmt: skip
        ready, answered, out = threading.Event(), threading.Event(), []
        threading.Thread(target=_read, args=(worker, ready, answered, out), daemon=True).start()
        threading.Thread(target=_write, args=(worker, pickle.dumps((module, function, args))), daemon=True).start()
        in_time = ready.wait(STARTUP_SECONDS) and answered.wait(seconds)
        if not in_time:
            worker.kill()
        worker.wait()
        answered.wait(1.0)
        if not in_time:
            what = f"more than {seconds:g} s" if ready.is_set() else f"more than {STARTUP_SECONDS:g} s to start"
            raise OutOfTime(f"sympy took {what}")
        try:
            ok, answer = pickle.loads(out[0])
        except Exception:  # noqa: BLE001 - killed (memory), or failed before it could answer
            errors.seek(0)
            last = errors.read().decode(errors="replace").strip().splitlines()[-1:] or [f"exit {worker.returncode}"]
            raise OutOfTime(f"sympy's worker stopped: {last[0][:200]}") from None
    if ok:
        return answer
    raise answer


def _write(worker: subprocess.Popen, task: bytes) -> None:
    """The task, from a thread of its own: a large one fills the pipe until the worker reads it."""
    try:
        worker.stdin.write(task)
        worker.stdin.close()
    except OSError:  # it stopped (or was killed) first: its error is read by run
        pass


def _read(worker: subprocess.Popen, ready: threading.Event, answered: threading.Event, out: list) -> None:
    """The worker's output: one byte when it is ready, then its pickled answer."""
    worker.stdout.read(1)  # b"" when it stopped before it was ready: then nothing more is awaited
    ready.set()
    out.append(worker.stdout.read())
    answered.set()


def _serve() -> None:
    """The worker: read one task from stdin, answer on stdout."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    except (ImportError, ValueError, OSError):  # no resource module (Windows), or a lower limit already
        pass
    import sympy  # noqa: F401 - imported before it says it is ready: start-up is not the task's time

    sys.stdout.buffer.write(b"+")
    sys.stdout.buffer.flush()
    module, function, args = pickle.loads(sys.stdin.buffer.read())
    try:
        answer = (True, getattr(importlib.import_module(module), function)(*args))
    except Exception as err:  # noqa: BLE001 - sent back to be raised in the parent
        answer = (False, err)
    try:
        data = pickle.dumps(answer)
    except Exception as err:  # noqa: BLE001 - an answer that does not pickle: say what it was
        data = pickle.dumps((False, RuntimeError(f"sympy's worker could not send its answer: {err}")))
    sys.stdout.buffer.write(data)
