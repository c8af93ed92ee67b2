"""Built-in checks; importing this package registers them."""

from homelint.checks import core, placeholders, secrets, storage, wiring  # noqa: F401
