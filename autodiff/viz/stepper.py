"""Step through the backward pass in Jupyter: the step-through page of ``page.py`` (◀ ▶, keys,
slider, play, forward mode, quiz) in an iframe. The page is plain HTML with its own small script,
so it works wherever the output is shown: a live notebook, a notebook executed headless and
exported to HTML (no kernel, no widget state), a course page. ``.widget()`` still builds the
ipywidgets player (slider, buttons, the PNG frame and the step's rows) for a live kernel."""

from __future__ import annotations

import html

from ..engine import Value
from ..text.display import counted
from .frames import render_frames
from .page import page_height, page_html
from .trace import BackwardTrace

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def step_through(source: Value | BackwardTrace, **draw_options) -> StepThrough:
    """The backward pass of ``source`` (a root, whose pass is traced on the side as ``trace_backward``
    does, no ``.grad`` touched, or a ``BackwardTrace``) as a step-through display; draw options as for
    ``draw``."""
    from .frames import backward_trace

    trace = backward_trace(source)
    return StepThrough(trace, page_html(trace, **draw_options), draw_options)


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
    """A backward pass, one step at a time: ``.page`` (the standalone HTML page), ``.static_html()``
    (that page in an iframe, what Jupyter shows), ``.widget()`` (ipywidgets), ``str()`` (the table)."""

    def __init__(self, trace: BackwardTrace, page: str, draw_options: dict | None = None) -> None:
        self.trace, self.page = trace, page
        self._options = dict(draw_options or {})
        self._frames: list[bytes] | None = None

    @property
    def frames(self) -> list[bytes]:
        """One PNG per step (drawn on first use, for the widget)."""
        if self._frames is None:
            _, self._frames = render_frames(self.trace, "png", **self._options)
        return self._frames

    def __len__(self) -> int:
        return len(self.trace)

    def __str__(self) -> str:
        return str(self.trace)

    def __repr__(self) -> str:
        return f"<StepThrough: {counted(len(self), 'step')} of the backward pass of {self.trace.names[self.trace.root]}>"

    def step_html(self, index: int) -> str:
        """The table rows of step ``index`` (1-based)."""
        return self.trace.step_html(index)

    def static_html(self) -> str:
        """The page in an iframe (its script runs in there, with no kernel; its styles stay inside)."""
        return (f'<iframe srcdoc="{html.escape(self.page, quote=True)}" sandbox="allow-scripts" '
                f'style="width:100%;box-sizing:border-box;height:{page_height(self.page)}px;border:1px solid #ddd" '
                f'title="{html.escape(self.trace.title(), quote=True)}"></iframe>')  # fmt: skip

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
        """The page (in an iframe): the same player live and in an exported notebook."""
        return {"text/plain": repr(self), "text/html": self.static_html()}
