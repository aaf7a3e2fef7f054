"""Graph passes (one per module), found by name through :data:`PASSES`.

Importing the package registers every pass; see :mod:`.registry` for what a pass is.
"""

from pumice.convert.passes import (  # noqa: F401  (each registers its pass)
    calibrate,
    lower_isi,
    prune,
    quantize,
    quantize_ttfs,
    shift_leak,
    trim_isi_bins,
)
from pumice.convert.passes.registry import PASSES, Pass, PassResult, register_pass

__all__ = ["PASSES", "Pass", "PassResult", "register_pass"]
