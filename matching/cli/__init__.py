"""The ``matching`` command line: one module per command group, over the facade."""

from matching.cli.main import main

__all__ = ["main"]
