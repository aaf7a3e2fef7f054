"""Package data: the training configs (``*.toml``) shipped with pumice, the demo's among them."""
