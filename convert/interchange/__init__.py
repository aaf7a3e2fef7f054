"""Exchange formats: read and write networks in other tools' files (lava-dl netx, ONNX, NIR)."""

from pumice.convert.interchange.netx_export import export_netx
from pumice.convert.interchange.netx_import import import_netx
from pumice.convert.interchange.nir_export import export_nir
from pumice.convert.interchange.nir_import import import_nir
from pumice.convert.interchange.onnx_export import export_onnx
from pumice.convert.interchange.onnx_import import import_onnx

__all__ = [
    "export_netx",
    "export_nir",
    "export_onnx",
    "import_netx",
    "import_nir",
    "import_onnx",
]
