"""Entry point of the ``matching`` command (the console script ``matching.cli.main:main`` in
pyproject.toml, and ``python -m matching``).

Exit codes: 0 success; 1 validation failure (rows rejected) or another engine error; 2 usage error
(bad option, missing file); 130 interrupted. An unexpected exception becomes a one-line message and exit 1,
or its traceback with ``--debug``.
"""

from __future__ import annotations

import sys

from matching.cli._app import STATE, app, err

__all__ = ["main"]


def main() -> None:
    """Console-script entry point: run the command line with every command group registered."""
    try:
        app()
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(130)
    except Exception as exc:  # last resort: a message, not a traceback
        if STATE.get("debug"):
            raise
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc} (run with --debug for details)")
        sys.exit(1)
