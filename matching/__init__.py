"""Buyer-IKM business-matching engine: import catalogues, rank IKMs for buyers, plan meetings.

The public surface is re-exported here; the CLI, the service and notebooks use :class:`Engine`.
"""

from matching.config import Settings
from matching.engine import Engine, demo_data_dir
from matching.errors import ConfigError, ImportFileError, MatchingError, StoreError, ValidationFailed
from matching.event import Event, EventFileError, load_event
from matching.ingest import EntityCounts, ImportReport, Issue
from matching.schema import IKM, Buyer, Entity, Product
from matching.templates import write_templates
from matching.yamlfile import DataFileError

__all__ = [
    "IKM",
    "Buyer",
    "ConfigError",
    "DataFileError",
    "Engine",
    "Entity",
    "EntityCounts",
    "Event",
    "EventFileError",
    "ImportFileError",
    "ImportReport",
    "Issue",
    "MatchingError",
    "Product",
    "Settings",
    "StoreError",
    "ValidationFailed",
    "demo_data_dir",
    "load_event",
    "write_templates",
]

__version__ = "0.1.0"
