"""Public name kept where users import it: `nnspec.oracle` is `nnspec.numerics.oracle`."""

import sys

from nnspec.numerics import oracle

sys.modules[__name__] = oracle
