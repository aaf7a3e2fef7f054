"""Exchange formats: read and write networks in other tools' files (lava-dl netx ``.net``)."""

from pumice.convert.interchange.netx_export import export_netx
from pumice.convert.interchange.netx_import import import_netx

__all__ = ["export_netx", "import_netx"]
