"""Built-in checks; importing this package registers them."""

from homelint.checks import (  # noqa: F401
    core,
    dryrun,
    pinning,
    placeholders,
    schemas,
    secrets,
    storage,
    talos,
    values,
    wiring,
)
