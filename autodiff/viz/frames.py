"""The backward pass as pictures: one frame per step (the node being processed outlined, the
edges to its parents bold, the gradients computed so far filled in, "?" where none has arrived
yet), saved into a folder or as an animated GIF.

The frames come from ``trace_backward``: pass a root (the pass is traced on the side, leaving every
``.grad`` as it was) or a ``BackwardTrace`` you already have. They show the gradients of one pass
from zero; every frame uses the same layout and colour scale, so only the numbers and the outline
move.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..engine import Value
from ..text.display import fmt, formula
from .drawing import build, pipe
from .options import DrawOptions, FrameState
from .trace import BackwardTrace, trace_backward

if TYPE_CHECKING:
    from pathlib import Path

MAX_STEPS = 300  # frames are for small graphs; a bigger pass is a table, not a film
PROGRESS_FROM = 20  # show a progress bar from this many frames on


def backward_trace(source: Value | BackwardTrace) -> BackwardTrace:
    """A trace from a root (traced on the side, no ``.grad`` touched) or the trace itself."""
    if isinstance(source, BackwardTrace):
        return source
    if isinstance(source, Value):
        return trace_backward(source)
    raise TypeError(f"expected a Value (a root) or a BackwardTrace, got {type(source).__name__}: {source!r}")


def frame_states(trace: BackwardTrace, max_steps: int = MAX_STEPS) -> Iterator[FrameState]:
    """One ``FrameState`` per step: the gradients after that step, the node it processed."""
    scale, chars = pass_layout(trace, max_steps)
    known = {trace.root: trace.seed}
    for step in trace:
        for c in step.contributions:
            known[c.parent] = c.after
        yield FrameState(
            grads=dict(known),
            current=step.node,
            caption=caption(trace, step.index),
            scale=scale,
            width_chars=chars,
            active_parents=frozenset(c.parent for c in step.contributions),
        )


def pass_layout(trace: BackwardTrace, max_steps: int = MAX_STEPS) -> tuple[float, int]:
    """What every frame of the pass shares: the colour scale (the largest |gradient|) and the width of
    the boxes in characters (the longest number shown); a pass over ``max_steps`` steps is refused."""
    if len(trace) > max_steps:
        raise ValueError(
            f"the backward pass has {len(trace)} steps, more than max_steps={max_steps} frames: draw a smaller "
            "graph (an intermediate node as the root), print the trace as a table, or raise max_steps"
        )
    scale = max((abs(g) for g in trace.grads.values() if not math.isnan(g)), default=0.0)
    d = trace.digits
    texts = [fmt(trace.seed, d)] + [fmt(c.after, d) for s in trace for c in s.contributions]
    return scale, max(len(t) for t in texts + [fmt(v.data, d) for v in trace.order])


def caption(trace: BackwardTrace, index: int) -> str:
    """The text under frame ``index`` (1-based): the step written out as a hand derivation."""
    step, n, d = trace[index - 1], trace.names, trace.digits
    r, name = n[trace.root], n[step.node]
    head = f"step {index} of {len(trace)}:  {name} = {formula(step.node, n, d)},  upstream ∂{r}/∂{name}"
    lines = [f"{head} = {fmt(step.upstream, d)}"]
    for c in step.contributions:
        p = n[c.parent]
        lines.append(f"    {p}.grad += {fmt(step.upstream, d)} × {fmt(c.local, d)} (∂{name}/∂{p})"
                     f"  =  {fmt(c.before, d)} + {fmt(c.contribution, d)}  =  {fmt(c.after, d)}")  # fmt: skip
    return "".join(line.replace("\\", "\\\\") + "\\l" for line in lines)


def render_frames(source: Value | BackwardTrace, fmt_: str = "png", *, max_steps: int = MAX_STEPS,
                  **draw_options) -> tuple[BackwardTrace, list[bytes]]:  # fmt: skip
    """The trace and each frame's image bytes (``fmt_`` "png" or "svg"), in step order."""
    if fmt_ not in ("png", "svg"):
        raise ValueError(f"frames are png or svg, got {fmt_!r}")
    trace = backward_trace(source)
    options = DrawOptions.make(**draw_options)
    states = list(frame_states(trace, max_steps))
    from ..text.progress import progress_bar  # imports tqdm: here, so that `import autodiff` stays fast

    images = []
    for state in progress_bar(states, desc="frames", unit="frame", disable=len(states) < PROGRESS_FROM):
        images.append(pipe(build(trace.root, options, state), fmt_))
    return trace, images


def save_frames(source: Value | BackwardTrace, folder: str | Path, fmt: str = "png", *,
                max_steps: int = MAX_STEPS, **draw_options) -> list[Path]:  # fmt: skip
    """One image per backward step, ``step_001.png``, ``step_002.png``, ... in ``folder``
    (created if needed). Traces the pass as ``trace_backward`` does, unless given a trace."""
    _, images = render_frames(source, fmt, max_steps=max_steps, **draw_options)
    return write_numbered(folder, "step", fmt, images)


def write_numbered(folder: str | Path, prefix: str, fmt: str, images: list[bytes]) -> list[Path]:
    """Write ``images`` as ``{prefix}_001.{fmt}``, ... into ``folder`` (created if needed): their paths."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(len(images))))
    written = []
    for i, data in enumerate(images, 1):
        path = folder / f"{prefix}_{i:0{width}d}.{fmt}"
        path.write_bytes(data)
        written.append(path)
    return written


def save_gif(source: Value | BackwardTrace, path: str | Path, *, duration: int = 1200, hold_last: int = 3,
             max_steps: int = MAX_STEPS, **draw_options) -> Path:  # fmt: skip
    """The whole backward pass as an animated GIF, one frame per step, ``duration`` ms each
    (the last frame held ``hold_last`` times as long); loops forever. The folder is created if needed."""
    from PIL import Image

    if type(duration) is not int or duration < 20:
        raise ValueError(f"duration is milliseconds per frame, an int >= 20, got {duration!r}")
    if type(hold_last) is not int or hold_last < 1:
        raise ValueError(f"hold_last is how many frames' time the last frame stays, an int >= 1, got {hold_last!r}")
    from pathlib import Path

    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"save_gif writes a .gif file, got {path.name!r}")
    _, images = render_frames(source, "png", max_steps=max_steps, **draw_options)
    if not images:
        raise ValueError("the graph has no operation, so its backward pass has no step to animate")
    frames = [Image.open(io.BytesIO(data)).convert("RGB") for data in images]
    width, height = max(f.width for f in frames), max(f.height for f in frames)
    padded = []
    for f in frames:  # same size for every frame, drawing at the top left
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(f, (0, 0))
        padded.append(canvas)
    durations = [duration] * (len(padded) - 1) + [duration * hold_last]
    path.parent.mkdir(parents=True, exist_ok=True)
    padded[0].save(path, save_all=True, append_images=padded[1:], duration=durations, loop=0, optimize=False,
                   disposal=1)  # fmt: skip
    return path
