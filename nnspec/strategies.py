"""Public name kept where users import it: `nnspec.strategies` is `nnspec.numerics.strategies`."""

import sys

from nnspec.numerics import strategies

sys.modules[__name__] = strategies
