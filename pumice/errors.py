"""The one exception type users see: its message is printed as a one-line error by the CLI."""


class PumiceError(Exception):
    """A problem with the user's input (file, config, data, model), explained in one line."""


class DataError(PumiceError):
    """A dataset that cannot be found or read."""


class ConfigError(PumiceError):
    """A configuration file with an unknown key, a wrong type or an impossible value."""


class ModelError(PumiceError):
    """A model file that is missing, truncated, corrupted or holds invalid values."""


class OutputError(PumiceError):
    """An output that cannot be written where it was asked for (or would replace an input)."""
