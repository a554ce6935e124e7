"""Step through the backward pass in Jupyter: a slider with previous/next buttons showing each
step's frame and its table rows (ipywidgets). Wherever widgets cannot run (ipywidgets missing,
a plain Python prompt, a notebook executed headless or viewed as static HTML) the same object
shows every step one after another, as folded sections with the frame and the rows."""

from __future__ import annotations

import base64
import html

from ..engine import Value
from .frames import render_frames
from .trace import BackwardTrace

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def step_through(source: Value | BackwardTrace, **draw_options) -> StepThrough:
    """The backward pass of ``source`` (a root, whose pass is traced on the side as ``trace_backward``
    does, no ``.grad`` touched, or a ``BackwardTrace``) as a step-through display; draw options as for
    ``draw``."""
    trace, frames = render_frames(source, "png", **draw_options)
    return StepThrough(trace, frames)


def widgets_available() -> bool:
    """ipywidgets is importable and we run inside a Jupyter kernel (where a frontend may show it)."""
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class StepThrough:
    """A backward pass, one step at a time: ``.widget()`` (ipywidgets), ``.static_html()`` (no
    widgets), ``str()`` (the table). Displayed in Jupyter it offers both: the frontend shows the
    widget when it can, and the static HTML otherwise."""

    def __init__(self, trace: BackwardTrace, frames: list[bytes]) -> None:
        if len(frames) != len(trace):
            raise ValueError(f"{len(frames)} frames for {len(trace)} steps")
        self.trace, self.frames = trace, frames

    def __len__(self) -> int:
        return len(self.trace)

    def __str__(self) -> str:
        return str(self.trace)

    def __repr__(self) -> str:
        return f"<StepThrough: {len(self)} steps of the backward pass of {self.trace.names[self.trace.root]}>"

    def step_html(self, index: int) -> str:
        """The table rows of step ``index`` (1-based)."""
        return self.trace.step_html(index)

    def _img(self, index: int) -> str:
        data = base64.b64encode(self.frames[index - 1]).decode("ascii")
        return f'<img src="data:image/png;base64,{data}" style="max-width:100%" alt="step {index}">'

    def static_html(self) -> str:
        """Every step as a folded section (the first one open): summary line, frame, rows."""
        t = self.trace
        parts = [f"<p><b>{html.escape(t.title())}</b></p>"]
        for s in t:
            name = t.names[s.node]
            summary = html.escape(f"step {s.index} of {len(t)}: {name}, upstream {s.upstream:.{t.digits}g}")
            parts.append(f"<details{' open' if s.index == 1 else ''}><summary>{summary}</summary>"
                         f"{self._img(s.index)}{self.step_html(s.index)}</details>")  # fmt: skip
        parts.append(f"<pre>{html.escape(t.summary())}</pre>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.static_html()

    def widget(self, start: int = 1):
        """An ipywidgets box: ◀ / ▶ buttons and a slider over the steps, the frame, the step's rows.
        Raises ImportError (saying how to install it) when ipywidgets is missing."""
        try:
            import ipywidgets as w
        except ImportError:
            raise ImportError(
                "the step-through widget needs ipywidgets: pip install ipywidgets "
                "(or display the object itself for the static version)"
            ) from None
        n = len(self)
        if n == 0:
            return w.HTML(html.escape("the graph has no operation: the backward pass has no step"))
        if type(start) is not int or not 1 <= start <= n:
            raise ValueError(f"start must be a step from 1 to {n}, got {start!r}")
        slider = w.IntSlider(value=start, min=1, max=n, step=1, description="step", continuous_update=True)
        back = w.Button(description="◀ previous", layout=w.Layout(width="110px"))
        forward = w.Button(description="next ▶", layout=w.Layout(width="110px"))
        image = w.Image(value=self.frames[start - 1], format="png", layout=w.Layout(max_width="100%"))
        rows = w.HTML(self.step_html(start))

        def show(change) -> None:
            i = change["new"]
            image.value = self.frames[i - 1]
            rows.value = self.step_html(i)
            back.disabled, forward.disabled = i == 1, i == n

        def move(by: int) -> None:
            slider.value = min(n, max(1, slider.value + by))

        slider.observe(show, names="value")
        back.on_click(lambda _: move(-1))
        forward.on_click(lambda _: move(+1))
        back.disabled, forward.disabled = start == 1, start == n
        return w.VBox([w.HBox([back, forward, slider]), image, rows])

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """The widget (when it can run here) with the static HTML beside it as the fallback."""
        bundle = {"text/plain": repr(self), "text/html": self.static_html()}
        if widgets_available() and len(self):
            view = self.widget()._repr_mimebundle_()
            if view and WIDGET_MIME in view:
                bundle[WIDGET_MIME] = view[WIDGET_MIME]
        return bundle
