"""homelint: a static-analysis linter for Flux homelab GitOps repositories."""

__version__ = "0.1.0"
