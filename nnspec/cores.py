"""The cores this process may run on: the default number of workers."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """`os.cpu_count()` counts the host's CPUs; a container or CI runner pinned to fewer
    (its affinity mask) got a worker per host CPU, all sharing its few cores."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1
