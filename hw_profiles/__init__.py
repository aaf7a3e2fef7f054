"""Package data: the hardware profiles (``*.toml``) that ``load_profile`` finds by name."""
