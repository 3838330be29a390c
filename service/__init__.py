"""The HTTP service: a thin FastAPI app over :class:`matching.Engine`."""

from service.app import create_app

__all__ = ["create_app"]
