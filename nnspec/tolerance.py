"""Public name kept where users import it: `nnspec.tolerance` is `nnspec.numerics.tolerance`."""

import sys

from nnspec.numerics import tolerance

sys.modules[__name__] = tolerance
