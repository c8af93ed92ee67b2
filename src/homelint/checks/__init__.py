"""Built-in checks; importing this package registers them."""

from homelint.checks import core, dryrun, pinning, placeholders, schemas, secrets, storage, wiring  # noqa: F401
