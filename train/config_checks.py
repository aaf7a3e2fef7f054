"""Value checks of the config sections, kept importable here for ``[imsnn]`` and ``[bpsr]``.

They live in :mod:`pumice.toml_dataclass`, the loader that turns their failures into errors.
"""

from pumice.toml_dataclass import InvalidValue, check

__all__ = ["InvalidValue", "check"]
