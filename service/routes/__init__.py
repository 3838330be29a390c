"""Routers per resource, mounted under ``/api/v1`` by :func:`service.app.create_app`."""
