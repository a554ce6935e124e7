"""The site's API: ``call(name, request_json) -> answer_json``, JSON in and JSON out, never raising.

The site's JavaScript calls it through Pyodide (and a local server could later); it only renders the
answers and wires events, so everything it shows is computed here. An answer is ``{"ok": true, ...}``
or ``{"ok": false, "error": "one line", "caret": {...}?}`` (``errors.caret``: where the parser stopped).
Numbers are JSON numbers; ±inf and nan, which JSON cannot hold, are the strings "inf", "-inf", "nan".

    compute   {"expr", "values", "names"?, "collapse"?} or {"example": key}   → answers.compute
    steps     the same request                                              → answers.steps
    derive    the same + {"wrt": node}                                      → answers.derive
    check     the same + {"grads": {node: number | ""}, "locals"?: {"from->to": number}} → answers.check
    examples  {}                                                            → {"examples": [...]}
    example   {"key"}                                                       → a compute answer + "request"
    exercise  {"seed", "level"}                                             → practice.exercise_answer
    answer    {"seed", "level", "index", "answer", "history"?}              → practice.answer_answer
    link      {"hash"} → {"action", "request"};  {"request"} → {"hash"}     → links

A node is named by its id ("n3": node 3 of the topological order, the drawing's DOT id) or its name.
Nothing typed reaches eval, exec or sympify: expressions go through the command's parser.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping

from . import answers, links, practice, worked
from .errors import WebError, error_answer, one_line
from .reading import read

MAX_REQUEST = 200_000  # characters of a request's JSON


def _on_graph(answer: Callable[..., dict]) -> Callable[[Mapping], dict]:
    return lambda request: answer(read(request), request)


def _example(request: Mapping) -> dict:
    spec = worked.request(request.get("key"))
    return {**answers.compute(read(spec), spec), "request": spec}


def _link(request: Mapping) -> dict:
    if "hash" in request:
        return links.parse_hash(request["hash"])
    return {"hash": links.hash_of(request.get("request"))}


CALLS: dict[str, Callable[[Mapping], dict]] = {
    "compute": _on_graph(answers.compute),
    "steps": _on_graph(answers.steps),
    "derive": _on_graph(answers.derive),
    "check": _on_graph(answers.check),
    "examples": lambda request: {"examples": worked.listing()},
    "example": _example,
    "exercise": practice.exercise_answer,
    "answer": practice.answer_answer,
    "link": _link,
}


def call(name: str, request_json: str) -> str:
    """Answer the request ``request_json`` (a JSON object) to ``name``: a JSON object, never an exception."""
    started = time.perf_counter()
    try:
        answer = {"ok": True, **respond(name, request_json)}
        text = json.dumps(answer, allow_nan=False)
    except WebError as err:
        text = json.dumps(error_answer(err))
    except RecursionError:
        text = json.dumps({"ok": False, "error": "too deeply nested for this page: split the expression"})
    except MemoryError:
        text = json.dumps({"ok": False, "error": "out of memory: the request is too large for this page"})
    except (ArithmeticError, ValueError, TypeError) as err:  # the engine's own messages (log(0), x/0, ...)
        text = json.dumps({"ok": False, "error": one_line(str(err) or type(err).__name__)})
    except Exception as err:  # noqa: BLE001 - a bug of ours: still one line, never a trace on the page
        message = one_line(f"internal error ({type(err).__name__}): {err}")
        text = json.dumps({"ok": False, "error": message, "internal": True})
    return text[:-1] + f', "ms": {(time.perf_counter() - started) * 1000:.1f}}}'


def respond(name: str, request_json: str) -> dict:
    """The answer's fields (raises WebError and the engine's errors; ``call`` catches them)."""
    if not isinstance(name, str) or name not in CALLS:
        shown = repr(name)[:40] if isinstance(name, str) else type(name).__name__
        raise WebError(f"no call {shown} (the calls: {', '.join(CALLS)})")
    if not isinstance(request_json, str):
        raise WebError(f"the request must be JSON text, got {type(request_json).__name__}")
    if len(request_json) > MAX_REQUEST:
        raise WebError(f"request too large: {len(request_json):,} characters (at most {MAX_REQUEST:,})")
    try:
        request = json.loads(request_json or "{}", parse_constant=_no_constant)
    except ValueError as err:
        raise WebError(f"the request is not valid JSON: {err}") from None
    if not isinstance(request, dict):
        raise WebError(f"the request must be a JSON object, got {type(request).__name__}")
    return CALLS[name](request)


def _no_constant(word: str):
    raise WebError(f"the request holds {word}, which JSON does not have: send \"inf\" or \"nan\" as text")


__all__ = ["CALLS", "call", "respond"]
