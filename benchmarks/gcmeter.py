"""The garbage collector's share of a piece of work, through ``gc.callbacks``: seconds spent collecting
and the number of collections of each generation (generation 2 = a full collection)."""

from __future__ import annotations

import gc
from time import perf_counter


class GCMeter:
    """``with GCMeter() as m: ...`` then ``m.seconds``, ``m.collections[g]``, ``m.full``."""

    def __init__(self, clock=perf_counter) -> None:
        self.clock = clock  # perf_counter (wall) or thread_time, to match what the caller times with
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._t0 = 0.0

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t0 = self.clock()
        else:
            self.seconds += self.clock() - self._t0
            self.collections[info["generation"]] += 1

    @property
    def full(self) -> int:
        return self.collections[2]

    def __enter__(self):  # -> the meter
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self._callback)
