"""The error every layer may raise for a problem of the user's setup (config, paths, arguments)."""


class ConfigError(Exception):
    """A configuration problem; the CLI prints it on one line and exits 2."""
