"""Folder audits per minute on the project's corpus: the engine before warm workers (a git
worktree of an older commit), the current local pool, a Dask cluster of two workers on this
machine, a first run that finds the warm start on disk, and a rerun served by the cache.
Writes reports/bench-batch.md.

Run: .venv/bin/python bench/batch_throughput.py [--before REF] [--examples N] [--out FILE]
(needs the cluster extra for the Dask row, and git for the "before" row).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nnspec.cores import usable_cores
from nnspec.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
FOLDERS = ("logreg_propagate", "notebooks")  # every logreg.propagate target of the corpus
BEFORE = "0b3eaf7"  # the last commit whose folder run started a cold process per target
TIMEOUT = "5"  # one corpus target hangs: it costs this many seconds in every run


def corpus(into: Path) -> int:
    for name in FOLDERS:
        for path in sorted((CORPUS / name).iterdir()):
            if path.is_file():  # a subfolder holds a helper-module case the old engine predates
                shutil.copy(path, into / path.name)
    return len(list(into.iterdir()))


HEAVY = re.compile(r"^[\s\"]*(import|from)\s+(torch|sklearn|autograd|jax|tensorflow)\b",
                   re.MULTILINE)  # in a notebook, a line of a cell is a JSON string
ENDING = {"timeout", "crash"}


def light(folder: Path, results: Path, into: Path) -> int:
    """Copy into `into` the targets whose own cost is small, by what the run found and
    what they import: no hang or crash (a timeout's budget, a process per call) and no heavy
    framework (importing PyTorch takes seconds). What is left is the harness's cost."""
    for target in json.loads(results.read_text())["targets"]:
        path = folder / target["target"].split(":")[0]
        if not path.is_file() or HEAVY.search(path.read_text(errors="replace")):
            continue
        if not ENDING & {f["check"] for f in target["findings"]} \
                and target["verdict"] != "error":
            shutil.copy(path, into / path.name)
    return len(list(into.iterdir()))


def timed(argv: list[str], *, cwd: Path = ROOT, env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def audit_argv(folder: Path, examples: int, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "nnspec", "audit", str(folder), "--contract",
            "logreg.propagate", "--examples", str(examples), "--timeout", TIMEOUT,
            "--json", str(out), *extra]


def before(ref: str, folder: Path, examples: int, out: Path) -> float:
    """The same command with the nnspec of `ref` first on the path (its own worktree)."""
    tree = Path(tempfile.mkdtemp(prefix="nnspec-before-")) / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), ref],
                   check=True, capture_output=True)
    try:
        env = dict(os.environ, PYTHONPATH=str(tree))
        return timed(audit_argv(folder, examples, out), cwd=tree, env=env)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                       check=False, capture_output=True)


def dask_run(folder: Path, examples: int, out: Path, workers: int) -> float | None:
    """Start a scheduler and `workers` single-threaded workers on localhost, audit, stop them."""
    dask = Path(sys.executable).parent / "dask"
    if not dask.exists():
        return None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port",
                               str(port), "--no-dashboard"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    try:
        procs += [subprocess.Popen([str(dask), "worker", address, "--no-nanny", "--nthreads",
                                    "1", "--no-dashboard"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL) for _ in range(workers)]
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=120)
            client.run(lambda: __import__("nnspec.audit.batch"))  # warm, like a local pool
        return timed(audit_argv(folder, examples, out, "--scheduler", address, "--no-cache"))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()


def per_process(folder: Path, examples: int, workers: int, work: Path) -> float:
    """Today's audit, structured as the engine before: a new `nnspec audit FILE` process per
    target (imports, an empty cache), `workers` at a time. Against the warm pool on the same
    targets it measures what the warm pool saves, at the same depth of audit (the audits
    before checked less, and without a sandbox: no diagnosis, fewer passes)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(path: Path) -> None:
        env = dict(os.environ, NNSPEC_CACHE_DIR=str(work / f"cold-{path.name}"))
        subprocess.run([sys.executable, "-m", "nnspec", "audit", str(path), "--contract",
                        "logreg.propagate", "--examples", str(examples), "--timeout", TIMEOUT,
                        "--no-cache"], env=env, check=False, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, sorted(folder.iterdir())))
    return time.perf_counter() - start


def same_targets(a: Path, b: Path) -> str:
    if not (a.exists() and b.exists()):
        return "n/a"
    ta, tb = json.loads(a.read_text())["targets"], json.loads(b.read_text())["targets"]
    same = sum(x == y for x, y in zip(ta, tb))
    if a.read_bytes() == b.read_bytes():
        return f"{same} of {len(ta)} (byte-identical files)"
    differ = [x["target"] for x, y in zip(ta, tb) if x != y]
    return f"{same} of {len(ta)} (not: {', '.join(differ)})" if len(differ) <= 4 else \
        f"{same} of {len(ta)}"


def same_verdicts(a: Path, b: Path) -> str:
    if not (a.exists() and b.exists()):
        return ""
    va = [(t["target"], t["verdict"], sorted({f["check"] for f in t["findings"]}))
          for t in json.loads(a.read_text())["targets"]]
    vb = [(t["target"], t["verdict"], sorted({f["check"] for f in t["findings"]}))
          for t in json.loads(b.read_text())["targets"]]
    same = sum(x == y for x, y in zip(va, vb))
    return f"Same verdict and same failed checks before and after: {same} of {len(va)} targets."


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=BEFORE, help="git ref of the engine to compare with")
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--out", default=str(ROOT / "reports" / "bench-batch.md"))
    args = parser.parse_args()
    cores = usable_cores()
    work = Path(tempfile.mkdtemp(prefix="nnspec-bench-batch-"))
    try:
        folder = work / "class"
        folder.mkdir()
        n = corpus(folder)
        load = os.getloadavg()[0]
        cache = work / "cache.sqlite"
        os.environ["NNSPEC_CACHE_DIR"] = str(work / "nnspec-cache")  # cold: no warm start yet
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode written, as for a user
        rows = {}
        rows["before"] = before(args.before, folder, args.examples, work / "before.json")
        rows["after"] = timed(audit_argv(folder, args.examples, work / "after.json",
                                         "--workers", str(cores), "--cache", str(cache)))
        rows["warm"] = timed(audit_argv(folder, args.examples, work / "warm.json",
                                        "--workers", str(cores), "--no-cache"))
        rows["cached"] = timed(audit_argv(folder, args.examples, work / "cached.json",
                                          "--cache", str(cache)))
        rows["dask"] = dask_run(folder, args.examples, work / "dask.json", 2)
        small = work / "light"
        small.mkdir()
        n_light = light(folder, work / "after.json", small)
        rows["light before"] = before(args.before, small, args.examples, work / "lb.json")
        os.environ["NNSPEC_CACHE_DIR"] = str(work / "light-cache")  # cold again
        rows["light after"] = timed(audit_argv(small, args.examples, work / "la.json",
                                               "--workers", str(cores), "--no-cache"))
        rows["light processes"] = per_process(small, args.examples, cores, work)
        verdicts_line = same_verdicts(work / "before.json", work / "after.json")
        agree = {"after": same_targets(work / "before.json", work / "after.json"),
                 "cached": same_targets(work / "after.json", work / "cached.json"),
                 "warm": same_targets(work / "after.json", work / "warm.json"),
                 "dask": same_targets(work / "after.json", work / "dask.json"),
                 "light after": same_targets(work / "lb.json", work / "la.json")}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    what = {"before": f"before: `{args.before}`, a cold process per target, local pool",
            "after": f"after: warm workers, `--workers {cores}`, cold cache",
            "warm": ("after: another folder's first run (results cache off; the explore "
                     "passes, reference values and shrinking runs on disk from an earlier run: "
                     "nnspec.audit.warmstart)"),
            "cached": "after: rerun of the unchanged folder from the cache",
            "dask": "after: `--scheduler`, Dask with 2 single-threaded workers on this machine",
            "light before": "before, on the targets whose own cost is small (below)",
            "light after": "after, the same targets, warm workers, cold cache",
            "light processes": ("after's audit, a new `nnspec audit FILE` process per target "
                                f"(empty cache), {cores} at a time, on the same targets")}
    lines = ["# Folder audit throughput", "",
             (f"`.venv/bin/python bench/batch_throughput.py --examples {args.examples}`: the "
             f"{n} `logreg.propagate` targets of `tests/corpus/` ({', '.join(FOLDERS)}; one "
             f"hangs and costs the whole --timeout {TIMEOUT}), one folder run each, in one run of "
             f"this script on {cores} cores (load average {load:.1f} at the start; the machine "
             "is shared, so compare the rows with each other, not with another run)."), "",
             "| run | seconds | audits per minute | per minute per core | targets with equal results |",
             "|---|---|---|---|---|"]
    base = rows["before"]
    for key in ("before", "after", "warm", "cached", "dask", "light before", "light after",
                "light processes"):
        seconds = rows[key]
        if seconds is None:
            lines.append(f"| {what[key]} | not run (no `dask` command) | | | |")
            continue
        per_min = (n_light if key.startswith("light") else n) * 60 / seconds
        used = 2 if key == "dask" else cores
        lines.append(f"| {what[key]} | {seconds:.1f} | {per_min:.0f} | {per_min / used:.1f} | "
                     f"{agree.get(key, 'reference')} |")
    lines += ["", (f"Speed-up of the warm pool over before: **{base / rows['after']:.1f}x** "
              f"(cold), **{base / rows['warm']:.1f}x** (warm start); "
              f"the cached rerun takes {rows['cached'] / rows['after']:.0%} of the first run's "
              "time."), "",
              (f"On the {n_light} targets whose own cost is small (no hang or crash in the "
               "`after` run, no PyTorch, scikit-learn or autograd import: what is left is the "
               f"harness's cost per audit), the warm pool is **{rows['light before'] / rows['light after']:.1f}x** "
               "faster than before. The whole corpus's figures are bounded by the targets' own "
               "cost: the hang's whole --timeout, a process started per call of the crashing "
               "ones, the heavy imports."), "",
              (f"At the same depth of audit (today's passes, diagnosis and sandbox, which the "
               f"audits before did not have), the warm pool is **{rows['light processes'] / rows['light after']:.1f}x** "
               "faster than a new process per target on those targets."), "",
              ("Results: `after` is compared with `before`, `cached` and `dask` with `after` "
               "(targets whose JSON entry is equal). Where the verdicts agree, counterexamples "
               "may differ from `before`, whose draws depended on the modules the process had "
               "loaded (Hypothesis mixes their literals in; audits now draw without them). "
               "`bug_nondeterministic.py` adds noise from NumPy's global generator, which "
               "the sandbox seeds, so its counterexample is the same in runs of the same "
               "code. A target that imports scikit-learn "
               "or PyTorch spends most of the --timeout 5 budget importing it on a loaded "
               "machine, so whether it times out depends on the load at that moment."),
              "", verdicts_line]
    write_atomic(args.out, "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
