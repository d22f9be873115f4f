"""What the benchmarks share: the least CPU time of a few calls (the machine is shared: the minimum is the least
disturbed run)."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["least_cpu"]


def least_cpu(call: Callable[[], object], *, repeats: int = 3) -> float:
    """The least CPU seconds (time.process_time: every thread of this process) of ``repeats`` calls of ``call``."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        call()
        best = min(best, time.process_time() - start)
    return best
