"""Built-in checks; importing this package registers them."""

from homelint.checks import core, wiring  # noqa: F401
