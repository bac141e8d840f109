"""Command line: thin argparse front over library functions, one per command.

Every usage error is one line, `nnspec: error: ...`, exit 2 (the usage block is for `--help`);
a near-miss choice (a command, a contract) gets a suggestion."""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading

from nnspec import __version__
from nnspec.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_USAGE,
    UsageError,
    interrupt_pending,
    interrupted_by,
    on_interrupt,
    quiet_dropped_interrupts,
    reset_interrupt,
)
from nnspec.text import did_you_mean

STOPPED = "130 interrupted (Ctrl-C); 143 stopped (SIGTERM)"  # any command, files left whole
CONTRACTS = (
    "logreg.propagate",
    "logreg.optimize",
    "logreg.predict",
    "two_layer.forward_propagation",
    "two_layer.compute_cost",
    "two_layer.backward_propagation",
    "two_layer.update_parameters",
)


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors and suggestions for choices; subcommands share the class."""

    def parse_known_args(self, args=None, namespace=None):
        self._given = list(sys.argv[1:] if args is None else args)  # for `error`
        return super().parse_known_args(args, namespace)

    def error(self, message: str):
        if message.startswith("the following arguments are required"):
            message += self._misspelled()  # argparse says this before naming `--contrat`
        print(f"nnspec: error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)

    def _misspelled(self) -> str:
        name, guess = self.unknown_option(getattr(self, "_given", ()))
        return f"; {name} is not an option" + (f", {guess}" if guess else "") if name else ""

    def unknown_option(self, words) -> tuple[str, str]:
        """The first `--word` of `words` that is not an option of this command, and the
        nearest one ("did you mean ...?", or "")."""
        options = [o for action in self._actions for o in action.option_strings]
        for word in words:
            name = word.split("=")[0]
            if name.startswith("--") and name not in options:
                return name, did_you_mean(name, options).strip()
        return "", ""

    def _check_value(self, action: argparse.Action, value: object) -> None:
        if action.choices is not None and value not in action.choices:
            choices = [str(c) for c in action.choices]
            raise argparse.ArgumentError(action, f"invalid choice {value!r}; "
                                         f"{did_you_mean(str(value), choices)}"
                                         f"choose one of {', '.join(choices)}")


def _folder_name(value: str) -> str:
    """An --out folder: '' wrote the report into the working folder, and made `generate` act
    on the installed reference/."""
    if not value:
        raise argparse.ArgumentTypeError("needs a folder name, not an empty string")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="nnspec",
        description="Verify the neural-network notes with SymPy, emit and check the NumPy "
        "reference, audit implementations, write Markdown reports.",
    )
    parser.add_argument("--version", action="version", version=f"nnspec {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parser.set_defaults(commands=sub.choices)

    p = sub.add_parser("verify", help="re-derive every claim of the notes and print the verdicts",
                       epilog="exit codes: 0 the harness's own checks pass (errata in the notes "
                       "are findings, not failures); 1 a harness check failed; 2 usage error; "
                       f"3 a claim has a verdict --fail-on names; {STOPPED}")
    p.add_argument("notes", nargs="?", metavar="NOTES",
                   help="a text or Markdown file of notes, named .md, .markdown, .txt, .text, "
                   ".tex, .rst or with no suffix (default: the shipped notes)")
    p.add_argument("--json", metavar="FILE", help="also write every claim with all fields as JSON "
                   "(a new file, or one nnspec wrote; not NOTES)")
    p.add_argument("--no-cache", action="store_true",
                   help="recompute every verdict (default: reuse the proofs cached for this "
                   "notes text and nnspec version; NNSPEC_NO_CACHE=1 does the same)")
    p.add_argument("--fail-on", metavar="VERDICTS", default=None,
                   help="exit 3 if a claim has one of these verdicts (comma-separated: false, "
                   "unchecked, holds-under-convention, not-found: a hand-bound prose claim "
                   "whose sentence the notes no longer quote), for notes kept in CI "
                   "(default: none; errata are findings)")
    p.set_defaults(handler="nnspec.numerics.findings:run")

    p = sub.add_parser("generate", help="emit reference/ from the derivations",
                       epilog="exit codes: 0 up to date or written; 1 drift or an unproven "
                       f"formula; 2 usage error; {STOPPED}")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if reference/ differs from what would be emitted")
    p.add_argument("--out", metavar="DIR", type=_folder_name,
                   help="directory to write (default: the installed reference/)")
    p.set_defaults(handler="nnspec.emit.codegen:run")

    p = sub.add_parser("audit", help="audit an implementation against the reference",
                       epilog="exit codes: 0 conforms (warnings and notes allowed); 1 a defect; "
                       f"2 could not audit (bad target, usage error); {STOPPED}")
    p.add_argument("target", metavar="TARGET",
                   help="file.py[:function], notebook.ipynb[:function], package.module[:function], "
                   "or a directory of such files")
    p.add_argument("--contract", required=True, choices=CONTRACTS, metavar="NAME",
                   action="append",
                   help=f"the contract to hold it to: {', '.join(CONTRACTS)}; for one file, "
                   "repeat it to audit several functions of it, graded in one file")
    p.add_argument("--hidden-activation", choices=("sigmoid", "tanh"), default="sigmoid",
                   help="hidden activation of the 2-layer derivation (default: sigmoid, as the notes)")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                   help="precision the target is held to (default: float64)")
    p.add_argument("--examples", type=int, default=100, metavar="N",
                   help="Hypothesis examples per check (default: 100)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="S",
                   help="seconds the target may take per audit, up to a week (default: 60)")
    p.add_argument("--seed", default="0", metavar="N",
                   help="random seed, or 'random' to draw one (printed, and in the JSON); "
                   "default: 0")
    p.add_argument("--report", metavar="FILE.md", help="write the findings as Markdown")
    p.add_argument("--json", metavar="FILE", help="write the findings as JSON")
    p.add_argument("--workers", type=int, metavar="N",
                   help="folder: audit N targets at a time on this machine (default: the cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="folder: run the audits on the Dask cluster at ADDRESS (cluster extra)")
    cache = p.add_mutually_exclusive_group()
    cache.add_argument("--cache", metavar="FILE",
                       help="folder: SQLite file of audit results by content (default: in the "
                       "user's cache directory)")
    cache.add_argument("--no-cache", action="store_true",
                       help="folder: audit every target again and store nothing")
    p.add_argument("--gradescope", metavar="FILE",
                   help="write Gradescope's results.json (for a folder: a directory, one file "
                   "per target)")
    p.add_argument("--prairielearn", metavar="FILE",
                   help="write PrairieLearn's results.json (for a folder: a directory, one file "
                   "per target)")
    p.add_argument("--value-points", type=int, default=4, metavar="N",
                   help="grader files: the points of the value check (and trajectory), each "
                   "other check 1 (default: 4)")
    p.add_argument("--isolation", choices=("auto", "none"), default="auto",
                   help="auto: run the target in a sandbox (default); none: a plain process, "
                   "for trusted code only")
    p.set_defaults(handler="nnspec.audit.engine:run")

    p = sub.add_parser("report", help="write the Markdown verification report",
                       epilog=f"exit codes: 0 written; 2 usage error; {STOPPED}")
    p.add_argument("notes", nargs="?", metavar="NOTES",
                   help="a text or Markdown file of notes: the report of their verdicts, errata "
                   "and claims (default: the shipped notes, with the reference's numerics and "
                   "figures, which need matplotlib: pip install 'nnspec[report]')")
    p.add_argument("--out", metavar="DIR", default="reports", type=_folder_name,
                   help="output directory (default: reports)")
    p.set_defaults(handler="nnspec.report.markdown:run")
    return parser


def _unrecognized(command: Parser, extra: list[str]) -> None:
    guess = command.unknown_option(extra)[1]
    command.error(f"unrecognized arguments: {' '.join(extra)}" + (f"; {guess}" if guess else ""))


def main(argv: list[str] | None = None) -> int:
    args, extra = build_parser().parse_known_args(argv)
    if extra:  # told by the command's own parser: its options, its --help
        _unrecognized(args.commands[args.command], extra)
    _hypothesis_storage()
    module_name, func_name = args.handler.split(":")
    auditing = module_name == "nnspec.audit.engine"
    previous = _take_interrupts()
    unraisable = sys.unraisablehook
    sys.unraisablehook = quiet_dropped_interrupts(unraisable)
    if sys.stdout is not None:
        sys.stdout = _Watched(sys.stdout)
    try:
        if auditing:
            from nnspec.audit.sandbox import prespawn

            prespawn(args.target, args.isolation)  # the worker starts while the engine is imported
        handler = getattr(importlib.import_module(module_name), func_name)
        code = int(handler(args))
        if sys.stdout is not None:  # None: started with stdout closed (print writes nowhere)
            sys.stdout.flush()  # a reader gone (`| head`) is seen here, not at exit (exit 120)
        return code
    except UsageError as exc:
        print(f"nnspec: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:  # the reader went away (`nnspec verify | head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # a full disk: said in one line, not a traceback
        if not isinstance(sys.stdout, _Watched) or not sys.stdout.failed:
            raise
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        print(f"nnspec: error: cannot write to standard output: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_USAGE
    except Exception:
        if not interrupt_pending():  # Hypothesis made a Ctrl-C at its start an AssertionError
            raise
        return _interrupted()
    finally:
        sys.unraisablehook = unraisable
        if isinstance(sys.stdout, _Watched):
            sys.stdout = sys.stdout.stream
        if auditing:
            from nnspec.audit.sandbox import drop_spare

            drop_spare()
        if previous is not None:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


class _Watched:
    """Standard output that remembers a write it failed (a full disk, /dev/full), so that
    `main` tells that OSError from any other one."""

    def __init__(self, stream) -> None:
        self.stream, self.failed = stream, False

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except OSError:
            self.failed = True
            raise

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError:
            self.failed = True
            raise

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


def _interrupted() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # said once: a second one changes nothing
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print("nnspec: interrupted", file=sys.stderr)
    return 128 + interrupted_by()


def _take_interrupts():
    """Install the CLI's Ctrl-C handler, for SIGTERM too (main thread only): a folder run
    stopped by `kill` or a grading platform's time limit stops its workers and their
    sandboxes as on Ctrl-C (it left them running) and exits 143. The handlers it replaces."""
    if threading.current_thread() is not threading.main_thread():
        return None
    reset_interrupt()
    return {signum: signal.signal(signum, on_interrupt)
            for signum in (signal.SIGINT, signal.SIGTERM)}


def _hypothesis_storage() -> None:
    """Hypothesis keeps a `.hypothesis/` folder in the working directory; a command run in the
    user's folder keeps it in the user's cache instead (unless they chose a place)."""
    import os

    from nnspec.spec.cache import directory

    if "HYPOTHESIS_STORAGE_DIRECTORY" not in os.environ:
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(directory() / "hypothesis")


def command() -> None:
    """The `nnspec` command (and `python -m nnspec`): `main`, then `exit_now`."""
    exit_now(main())


def exit_now(code: int) -> None:
    """Exit once what an exit must do is done (non-daemon threads joined, exit hooks run:
    temporary folders, pools; the output flushed), without the interpreter freeing every
    module and cache one by one: that took 0.1 s after a first audit and 0.2 s after a cold
    verify (SymPy's caches), when nothing is left to do. It also keeps `python -m` from
    ending by SIGINT (-2) when a Ctrl-C landed in code run by `exec`."""
    import atexit
    import os

    for step in (threading._shutdown, atexit._run_exitfuncs):  # as the interpreter's exit
        try:
            step()
        except KeyboardInterrupt:
            code = 130
        except Exception:  # noqa: BLE001 - a failing hook is said and the exit goes on
            import traceback

            print("Exception ignored in the exit hooks of threads:", file=sys.stderr)
            traceback.print_exc()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # a reader gone: main said what it had
            pass  # to; None: started without it
    os._exit(code)


if __name__ == "__main__":
    command()
