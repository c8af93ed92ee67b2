"""Built-in checks; importing this package registers them."""

from homelint.checks import core, dryrun, pinning, placeholders, schemas, secrets, storage, values, wiring  # noqa: F401
