"""The helper that computes the explore problems' reference values on a first audit: the
engine then computes none of them itself, the findings are the same bytes, and a helper that
dies or hangs costs nothing but its time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nnspec.audit.prefetch import wanted

BUGGY = Path(__file__).parent / "corpus" / "logreg_propagate" / "bug_missing_one_over_m.py"

# Audits BUGGY with the cache off, counting the exact values this process (not its helper)
# computes; argv: the helper's part ("on", "off", "dies", "hangs", "refused": no fork).
PROBE = r"""
import json, os, sys, time
from nnspec.audit import prefetch
from nnspec.numerics import oracle
mode = sys.argv[2]
if mode == "off":
    prefetch.wanted = lambda: False
if mode == "dies":
    prefetch._serve = lambda *args: os._exit(3)
if mode == "hangs":
    prefetch.WAIT = 0.5
    prefetch._serve = lambda *args: time.sleep(60)
if mode == "refused":  # as under a seccomp filter, or with no process left
    def refuse():
        raise BlockingIOError(11, "Resource temporarily unavailable")
    os.fork = refuse
engine_pid, computed = os.getpid(), [0]
exact = oracle.logreg_exact
def counted(*args, **kwargs):
    computed[0] += os.getpid() == engine_pid
    return exact(*args, **kwargs)
oracle.logreg_exact = counted
from nnspec.audit.engine import audit
start = time.monotonic()
result = audit(sys.argv[1], "logreg.propagate", examples=40)
print(json.dumps({"computed": computed[0], "seconds": time.monotonic() - start,
                  "wanted": prefetch.wanted(), "result": result.to_dict()}))
"""


def _probe(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, str(BUGGY), mode], check=True,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NNSPEC_NO_CACHE": "1"})
    assert done.stderr == ""  # nothing from the helper either (a fork's warnings)
    return json.loads(done.stdout)


needs_two_cores = pytest.mark.skipif(
    sys.platform != "linux" or len(os.sched_getaffinity(0)) < 2, reason="no helper runs here")


@needs_two_cores
def test_the_helper_computes_the_explore_values_and_the_findings_stay_the_same() -> None:
    alone, helped = _probe("off"), _probe("on")
    assert helped["wanted"] and not alone["wanted"]
    assert helped["result"] == alone["result"] and helped["result"]["verdict"] == "defect"
    # what it took off the engine: one exact computation per explore problem, at least
    assert alone["computed"] - helped["computed"] >= 40


@needs_two_cores
@pytest.mark.parametrize("mode", ["dies", "hangs", "refused"])
def test_a_helper_that_fails_costs_only_its_time(mode: str) -> None:
    alone, failed = _probe("off"), _probe(mode)
    assert failed["result"] == alone["result"] and failed["computed"] == alone["computed"]
    assert failed["seconds"] < 30  # the engine waited WAIT (0.5 s), not the helper's 60 s


def test_no_helper_in_a_folders_worker_or_beside_another_thread() -> None:
    """A folder's workers have their cores taken; a fork beside a thread that holds a lock
    (not a sandbox's Watch) can deadlock the helper."""
    import threading
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1) as pool:
        assert pool.submit(wanted).result() is False
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert wanted() is False
    finally:
        release.set()
        other.join()


def test_a_fork_beside_a_sandbox_watch_says_nothing(tmp_path: Path) -> None:
    """The watch kept its stop event as `_stop`, a method of Thread's that a fork calls on
    every other thread: the helper printed "Exception ignored ... 'Event' object is not
    callable"."""
    script = """
import os
from nnspec.audit.isolation import Watch
watch = Watch(os.getpid(), 1 << 40)
watch.start()
pid = os.fork()
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
watch.stop()
"""
    done = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                          text=True, timeout=60)
    assert done.stderr == ""


@needs_two_cores
def test_an_interrupted_engine_leaves_no_helper_behind() -> None:
    """A Ctrl-C while the engine draws: the helper (which ignores it) is killed and reaped."""
    script = """
import os, sys
from nnspec.audit import contracts, prefetch
contract = contracts.get("logreg.propagate")
options = contracts.Options("sigmoid", "float64", 10, 60.0, 0)
try:
    with prefetch.references(contract, options) as hand:
        hand({"w": 1})
        raise KeyboardInterrupt
except KeyboardInterrupt:
    pass
pid = os.getpid()
print(open(f"/proc/{pid}/task/{pid}/children").read().split())
"""
    done = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.strip() == "[]" and done.stderr == ""
