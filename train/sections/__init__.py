"""The optional sections of a training config that select a network family (``[imsnn]``,
``[bpsr]``): plain dataclasses, read by :mod:`pumice.train.config` and by their families."""
