"""`homelint render`: drive makejinja (implemented in a later change)."""

from __future__ import annotations

from pathlib import Path


def run_render(path: Path, config_file: Path | None, check_only: bool, fmt: str, output: Path | None, *, lint: bool) -> int:
    import click

    click.echo("homelint: error: render is not implemented yet", err=True)
    return 2
