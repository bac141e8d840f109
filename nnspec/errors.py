"""The one exception users see as a one-line message instead of a traceback."""


class UsageError(Exception):
    """Bad input from the user: the CLI prints `nnspec: error: <message>` and exits 2."""


EXIT_OK = 0
EXIT_FINDING = 1
EXIT_USAGE = 2
