"""The threads the kernels run on: numba's own work queue, unless the user chose a layer
(``NUMBA_THREADING_LAYER``). On a 2-core machine shared with other work, OpenMP's waiting
threads made the parallel kernels 1.5 to 3 times slower than the work queue (measured on
the 784-500-10 benchmark network); the work queue was never slower."""

from __future__ import annotations

import os

import numba

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"
