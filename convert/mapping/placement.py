"""Where core ``i`` sits: chip ``i // cores_per_chip``, then row-major on that chip's mesh."""

from __future__ import annotations

from pumice.convert.hardware import HardwareProfile
from pumice.convert.mapping.errors import MappingError


def chip_mesh(profile: HardwareProfile) -> tuple[int, int] | None:
    """(rows, columns) of a chip's core mesh, or None when the profile does not give both."""
    if profile.mesh_rows is None or profile.mesh_cols is None:
        return None
    if profile.mesh_rows * profile.mesh_cols < profile.cores_per_chip:
        raise MappingError(
            f"profile {profile.name}: a {profile.mesh_rows}x{profile.mesh_cols} mesh cannot hold "
            f"its {profile.cores_per_chip} cores per chip"
        )
    return profile.mesh_rows, profile.mesh_cols


def place(core: int, profile: HardwareProfile) -> tuple[int, int | None, int | None]:
    """(chip, x, y) of core ``core``; x and y are None without a mesh size."""
    chip, local = divmod(core, profile.cores_per_chip)
    mesh = chip_mesh(profile)
    if mesh is None:
        return chip, None, None
    y, x = divmod(local, mesh[1])
    return chip, x, y
