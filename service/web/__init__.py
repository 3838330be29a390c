"""Server-rendered web pages (Jinja2, Indonesian and English, every asset served locally)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
