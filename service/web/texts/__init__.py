"""More page texts, one module per area of the app (``builder``, ``console``, ``dashboard`` ...).

Each module here defines ``ID`` and ``EN`` (dicts with the same keys); :mod:`service.web.i18n` adds them to
its own. A key defined twice, here or there, is an error at import, so areas never overwrite each other.
"""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["area_texts"]


def area_texts() -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """(module name, ID, EN) of every area module of this package, in name order."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append((info.name, module.ID, module.EN))
    return found
