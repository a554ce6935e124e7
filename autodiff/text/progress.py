"""Progress bars: ``tqdm.auto`` (a text bar in a terminal, a widget in Jupyter), with one fix for
notebooks: a widget's saved output holds the text it had when it was first shown ("0%"), which is
what a notebook executed headless, exported to HTML or opened without its widget state shows. So
in Jupyter the bar is shown with a display id and its output is updated once more when the bar
closes: the saved text is the final state ("100% 300/300 ... loss=0.01")."""

from __future__ import annotations

import sys
from functools import cache


def progress_bar(iterable=None, **options):
    """``tqdm.auto.tqdm(iterable, **options)``, whose saved notebook output shows its final state."""
    from tqdm.auto import tqdm

    notebook = sys.modules.get("tqdm.notebook")
    if options.get("disable") or notebook is None or not issubclass(tqdm, notebook.tqdm):
        return tqdm(iterable, **options)
    return _final_state(tqdm)(iterable, display=False, **options)


@cache
def _final_state(base: type) -> type:
    class FinalStateBar(base):
        """A notebook bar whose output is shown under a display id and updated when it closes."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            from IPython.display import display

            self._handle = display(self.container, display_id=True) if not self.disable else None
            self.displayed = True

        def close(self) -> None:
            super().close()
            handle, self._handle = getattr(self, "_handle", None), None
            if handle is not None and self.leave:
                handle.update(self.container)  # the widget again, with today's text beside it

    return FinalStateBar
