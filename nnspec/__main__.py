import os
import sys

from nnspec.cli import main

code = main()
if code in (130, 143):  # a Ctrl-C that landed in exec'd code (a dataclass being built) made
    sys.stdout.flush()  # CPython end `python -m` by SIGINT at exit (-2), not with this code
    sys.stderr.flush()
    os._exit(code)
raise SystemExit(code)
