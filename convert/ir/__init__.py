"""convert/ir."""
