"""``pumice convert`` as named steps over one config.

:mod:`.config` (the settings), :mod:`.registry` (steps by name, their order and state),
:mod:`.standard` (the steps), :mod:`.runner` (runs them, timed, from/to a step).
"""
