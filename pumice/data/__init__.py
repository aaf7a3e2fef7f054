"""pumice/data."""
