"""Putting the desk together: database (migrated), knowledge base and engine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chatdesk import service  # noqa: F401  (registers the service-target job)
from chatdesk.db import Database
from chatdesk.engine import Desk, utcnow
from chatdesk.knowledge import KnowledgeBase
from chatdesk.settings import Settings


def open_database(settings: Settings) -> Database:
    """The configured database with every migration applied."""
    database = Database(settings.database_url)
    database.upgrade()
    return database


def open_desk(settings: Settings, clock: Callable[[], datetime] = utcnow) -> Desk:
    """A ready desk: migrations applied, the knowledge index built once."""
    database = open_database(settings)
    knowledge = KnowledgeBase.load(settings.knowledge_dir)
    return Desk(settings, database, knowledge, clock=clock)
