"""The site's practice: ``autodiff.exercise(seed, level)`` (``verify/exercise.py``) as JSON, so the site,
the command and the notebooks give the same exercise. The API is stateless: "answer" replays the
learner's earlier answers (``history``, {index: typed}) before checking the new one, so slips are named
from the answers so far and the score counts first tries, as in ``autodiff practice``."""

from __future__ import annotations

from collections.abc import Mapping

from ..verify.exercise import MAX_SEED, Exercise, exercise
from ..viz.drawing import draw
from .errors import WebError, number

WEB_MAX_SEED = min(MAX_SEED, 2**53 - 1)  # a seed JavaScript's numbers hold exactly
MAX_HISTORY = 1000


def _exercise(request: Mapping) -> Exercise:
    seed, level = request.get("seed"), request.get("level")
    for key, x in (("seed", seed), ("level", level)):
        if isinstance(x, bool) or not isinstance(x, int):
            raise WebError(f"\"{key}\" must be a whole number, got {type(x).__name__}", field=key)
    if not 0 <= seed <= WEB_MAX_SEED:
        raise WebError(f"the seed is a whole number from 0 to {WEB_MAX_SEED:,}", field="seed")
    try:
        return exercise(seed, level)
    except (TypeError, ValueError) as err:
        raise WebError(str(err), field="level") from None


def _ids(ex: Exercise) -> dict[str, str]:
    """Each node's name → its id in the drawing (node k of the topological order is "n<k>")."""
    return {ex.names[v]: f"n{i}" for i, v in enumerate(ex.order)}


def exercise_answer(request: Mapping) -> dict:
    """The exercise without its answers: ``to_json(answers=False)``, each node and blank with its
    drawing id, and the drawing (values only: the gradients are the learner's to find)."""
    ex = _exercise(request)
    ids = _ids(ex)
    out = ex.to_json(answers=False)
    for node in out["nodes"]:
        node["id"] = ids[node["name"]]
        node["data"] = number(node["data"])
    for blank in out["blanks"]:
        blank["id"] = ids[blank["node"]]
        blank["parent_id"] = None if blank["parent"] is None else ids[blank["parent"]]
    out["values"] = {k: number(x) for k, x in out["values"].items()}
    out["dot"] = draw(ex.root, show_grad=False, color=False).source
    return out


def answer_answer(request: Mapping) -> dict:
    """One blank checked: ``{"correct", "slip", "message", "right"?, "score"}`` (``right``: only once the
    answer is right; the message of a wrong one says what to do)."""
    ex = _exercise(request)
    history = request.get("history") or {}
    if not isinstance(history, Mapping) or len(history) > MAX_HISTORY:
        raise WebError("\"history\" must be an object {index: the answer typed}", field="history")
    try:
        for key, typed in sorted(history.items(), key=lambda kv: _index(kv[0])):
            ex.answer(_index(key), typed)
        verdict = ex.answer(_index(request.get("index")), request.get("answer"))
    except (TypeError, ValueError) as err:
        raise WebError(str(err), field="answer") from None
    score = ex.score()
    return {"index": _index(request.get("index")), "correct": verdict.correct, "slip": verdict.slip,
            "message": verdict.message, "given": number(verdict.given),
            **({"right": number(verdict.right)} if verdict.correct else {}),
            "score": {"right": score.right, "answered": score.answered, "total": score.total, "text": str(score)}}  # fmt: skip


def _index(key: object) -> int:
    if isinstance(key, str) and key.isdigit() and len(key) < 7:
        return int(key)
    if isinstance(key, int) and not isinstance(key, bool):
        return key
    raise WebError(f"a blank's index is a whole number, got {str(key)[:20]!r}", field="index")


__all__ = ["WEB_MAX_SEED", "answer_answer", "exercise_answer"]
