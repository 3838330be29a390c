"""Starting worker processes safely from a library that runs in CLIs, scripts and a threaded server."""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

__all__ = ["process_context"]


def process_context() -> Any:
    """The process start method: ``fork`` while this is the only thread (the CLI, scripts: nothing to
    pickle back and forth that fork does not share), else ``forkserver`` (a clean process forks the
    workers, so locks held by a server's threads are never inherited); ``spawn`` where neither exists."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
