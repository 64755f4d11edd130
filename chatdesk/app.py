"""Putting the desk together: database (migrated), knowledge base and engine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chatdesk.config import Settings, SettingsError
from chatdesk.desk import (
    organizations,
    service,  # noqa: F401  (registers the service-target job)
)
from chatdesk.engine import Desk, utcnow
from chatdesk.kb.articles import KnowledgeBase
from chatdesk.kb.search.embedding import load_embedder
from chatdesk.store.db import Database


def open_database(settings: Settings) -> Database:
    """The configured database with every migration applied."""
    check_organizations(settings)
    database = Database(settings.database.url)
    database.upgrade()
    return database


def check_organizations(settings: Settings) -> None:
    """Stop start-up on a broken organizations file, with the problem in one line.

    The settings only know the file's path (they import no desk module); every command that
    opens the database reads the file here once, as the settings did before, so a typo is
    found at start and not at the first customer's turn.
    """
    path = settings.organizations.file
    if path is None:
        return
    try:
        organizations.load(path)
    except organizations.OrganizationsError as exc:
        raise SettingsError(
            f"CHATDESK_ORGANIZATIONS_FILE: {exc.problem} (got {str(path)!r})"
        ) from None


def open_desk(settings: Settings, clock: Callable[[], datetime] = utcnow) -> Desk:
    """A ready desk: migrations applied, the knowledge index built once."""
    database = open_database(settings)
    return Desk(settings, database, load_knowledge(settings), clock=clock)


def load_knowledge(settings: Settings) -> KnowledgeBase:
    """The knowledge base with the configured search: the model is loaded once per process,
    here, before the first turn (a first search that loaded it would hold that turn's
    transaction for seconds), and the article vectors come from the cache where the
    articles have not changed."""
    embedder = load_embedder(settings.knowledge.search.model)
    if embedder is not None:
        embedder.warm()
    return KnowledgeBase.load(
        settings.knowledge.dir, embedder=embedder, cache_dir=settings.knowledge.search.cache_dir
    )
