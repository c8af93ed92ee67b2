"""Built-in checks; importing this package registers them."""

from homelint.checks import core, placeholders, wiring  # noqa: F401
