"""The one exception users see as a one-line message instead of a traceback, the exit codes,
and Ctrl-C as the CLI takes it."""


class UsageError(Exception):
    """Bad input from the user: the CLI prints `nnspec: error: <message>` and exits 2."""


EXIT_OK = 0
EXIT_FINDING = 1
EXIT_USAGE = 2
EXIT_FAIL_ON = 3  # nnspec verify --fail-on: a claim has a verdict the author asked to fail on
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader left


_INTERRUPTED: list[int] = []


_OWNER: list[int] = []  # the process that installed the handler


def on_interrupt(signum: int, frame: object) -> None:
    """The CLI's SIGINT and SIGTERM handler. Python drops an exception raised where it cannot
    propagate (a gc callback such as Hypothesis's, a `__del__`), so the interrupt is also
    remembered and `raise_if_interrupted` raises it again where the tool next waits or calls a
    target. A forked child (verify's pool) that gets SIGTERM ends as by default: its pool
    stops it so, and it printed a traceback."""
    import os
    import signal

    if signum == signal.SIGTERM and _OWNER and os.getpid() != _OWNER[0]:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    _INTERRUPTED.append(signum)
    raise KeyboardInterrupt


def hold_interrupt(signum: int, frame: object) -> None:
    """A handler for where an exception would leave work half done (a process spawned and
    not yet given its task): the interrupt is remembered, and `raise_if_interrupted` raises it
    once that work is done."""
    _INTERRUPTED.append(signum)


def interrupted_by() -> int:
    """The signal that interrupted the command (SIGINT unless SIGTERM came first)."""
    import signal

    return _INTERRUPTED[0] if _INTERRUPTED else int(signal.SIGINT)


def quiet_dropped_interrupts(hook):
    """`sys.unraisablehook` that says nothing of the KeyboardInterrupt Python dropped (raised
    in a gc callback: "Exception ignored in ... gc_callback" and a traceback were printed
    before "nnspec: interrupted"); the interrupt is remembered and raised again."""
    def quiet(unraisable) -> None:
        if not (_INTERRUPTED and unraisable.exc_type is not None
                and issubclass(unraisable.exc_type, KeyboardInterrupt)):
            hook(unraisable)

    return quiet


def interrupt_pending() -> bool:
    return bool(_INTERRUPTED)


def raise_if_interrupted() -> None:
    if _INTERRUPTED:
        raise KeyboardInterrupt


def reset_interrupt() -> None:
    import os

    _INTERRUPTED.clear()
    _OWNER[:] = [os.getpid()]
