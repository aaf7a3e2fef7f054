"""convert/passes."""
