"""Links that open a state of the site: ``#expr=tanh(w*x%2Bb)&w=0.7&x=1.3&b=-0.2`` (the playground on
that expression and values; ``names=q%3Dx%2By`` names inner nodes, ``example=KEY`` opens a worked
example) and ``#practice=SEED&level=N`` (that exercise). Read here, in Python, into the request the
page then sends ("compute" or "exercise"); and made here from a request (``hash_of``), so the page never
encodes or decodes a link itself.

Each ``&``-separated part is ``key=value``, percent-decoded (a literal "+" stays a plus: it is
``tanh(w*x+b)``'s, not a space); every key other than expr, names, example, wrt, practice and level is
an input's value.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, unquote

from .errors import WebError
from .practice import WEB_MAX_SEED as MAX_SEED
from .reading import MAX_EXPRESSION, read_values

MAX_HASH = 4 * MAX_EXPRESSION  # characters of a link's hash (each typed character is at most 3 encoded)
PLAYGROUND_KEYS = ("expr", "names", "example", "wrt")


def parse_hash(text: object) -> dict:
    """``{"action": "compute" | "exercise" | "none", "request": {...}}`` for a link's hash."""
    if not isinstance(text, str):
        raise WebError(f"\"hash\" must be text, got {type(text).__name__}", field="hash")
    if len(text) > MAX_HASH:
        raise WebError(f"link too long: {len(text):,} characters (at most {MAX_HASH:,})", field="hash")
    text = text.removeprefix("#")
    parts: dict[str, str] = {}
    for part in filter(None, text.split("&")):
        key, sep, value = part.partition("=")
        key = unquote(key)
        if not sep:
            raise WebError(f"link: expected key=value, got {key[:40]!r}", field="hash")
        if key in parts:
            raise WebError(f"link: {key[:40]!r} is given twice", field="hash")
        parts[key] = unquote(value)
    if not parts:
        return {"action": "none", "request": {}}
    if "practice" in parts:
        extra = sorted(set(parts) - {"practice", "level"})
        if extra:
            raise WebError(f"link: a practice link has practice=SEED and level=N only, not {extra[0][:40]!r}",
                           field="hash")  # fmt: skip
        return {"action": "exercise", "request": {"seed": _int(parts["practice"], "practice", 0, MAX_SEED),
                                                   "level": _int(parts.get("level", "1"), "level", 1, 99)}}  # fmt: skip
    if "expr" not in parts and "example" not in parts:
        raise WebError("link: it names no expression (expr=...), example (example=...) or exercise (practice=...)",
                       field="hash")  # fmt: skip
    request: dict = {k: parts[k] for k in PLAYGROUND_KEYS if k in parts}
    values = {k: v for k, v in parts.items() if k not in PLAYGROUND_KEYS}
    if "example" in request:
        if values or "expr" in request:
            raise WebError("link: an example=... link has nothing else but wrt=...", field="hash")
        return {"action": "compute", "request": request}
    request["values"] = read_values(values)
    return {"action": "compute", "request": request}


def _int(text: str, key: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise WebError(f"link: {key} must be a whole number from {low} to {high:,}, got {text[:40]!r}", field="hash")
    return int(text)


def hash_of(request: object) -> str:
    """The link's hash for a playground request (``expr``, ``values``, ``names``?, ``example``?,
    ``wrt``?) or an exercise (``seed``, ``level``): what "share" copies."""
    if not isinstance(request, Mapping):
        raise WebError("\"request\" must be an object", field="request")
    if "seed" in request:
        seed, level = request.get("seed"), request.get("level", 1)
        if type(seed) is not int or type(level) is not int or not 0 <= seed <= MAX_SEED:
            raise WebError("an exercise's link needs a whole \"seed\" and \"level\"", field="request")
        return f"#practice={seed}&level={level}"
    parts = []
    for key in PLAYGROUND_KEYS:
        text = request.get(key)
        if isinstance(text, str) and text:
            parts.append(f"{key}={quote(text, safe='')}")
    if not parts:
        raise WebError("nothing to link: the request has no \"expr\" or \"example\"", field="request")
    values = read_values(request.get("values", {}))
    clash = [n for n in values if n in PLAYGROUND_KEYS or n in ("practice", "level")]
    if clash:
        raise WebError(f"an input named {clash[0]} cannot go into a link (the link uses that word): rename it",
                       field="values")  # fmt: skip
    parts += [f"{name}={x!r}" for name, x in values.items()]
    return "#" + "&".join(parts)


__all__ = ["hash_of", "parse_hash"]
