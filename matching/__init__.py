"""Buyer-IKM business-matching engine: import catalogues, rank IKMs for buyers, plan meetings.

The public surface is re-exported here; the CLI, the service and notebooks use :class:`Engine`.
"""

from matching.app.engine import Engine, demo_data_dir
from matching.catalogue.report import EntityCounts, ImportReport, Issue
from matching.catalogue.schema import IKM, Buyer, Entity, Product
from matching.catalogue.templates import write_templates
from matching.common.yaml_files import DataFileError
from matching.config import Settings
from matching.errors import ConfigError, ImportFileError, MatchingError, StoreError, ValidationFailed
from matching.events.model import Event, EventFileError, load_event

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
