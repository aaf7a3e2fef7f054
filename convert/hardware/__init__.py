"""Hardware profiles (limits as data) and the design-rule checks that read them."""

from pumice.convert.hardware import (  # noqa: F401  (register their rules)
    graded_spike_rules,
    ttfs_rules,
)
from pumice.convert.hardware.drc import (
    CHECKS,
    NOTES,
    DesignRuleError,
    DrcReport,
    Note,
    Violation,
    check_graph,
    raise_for_violations,
)
from pumice.convert.hardware.profile import (
    PROFILE_NAMES,
    HardwareProfile,
    ProfileError,
    load_profile,
)

__all__ = [
    "CHECKS",
    "NOTES",
    "PROFILE_NAMES",
    "DesignRuleError",
    "DrcReport",
    "HardwareProfile",
    "Note",
    "ProfileError",
    "Violation",
    "check_graph",
    "load_profile",
    "raise_for_violations",
]
