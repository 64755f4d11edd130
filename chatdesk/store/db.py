"""Opening the database and bringing its schema up to date.

SQLite (the default) runs in WAL mode with foreign keys on, and every transaction starts with
``BEGIN IMMEDIATE`` so that two turns never interleave their writes. PostgreSQL is used as is;
the engine locks the conversation row instead. The schema is owned by Alembic migrations,
applied at start and by ``chatdesk db upgrade``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x63686174  # an arbitrary key for PostgreSQL's advisory lock ("chat")
CONNECT_TIMEOUT = 10  # seconds to reach a PostgreSQL server before saying it cannot be reached


class DatabaseError(Exception):
    """The database cannot be opened or migrated; the message says why in one line."""


def _sqlite_setup(engine: Engine) -> None:
    # pysqlite's own transaction handling would issue a deferred BEGIN; take it over.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL with synchronous=NORMAL never corrupts; a power cut may lose the last commits.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    # The dialect's own hook for BEGIN (a no-op for pysqlite), not a "begin" event: one
    # engine event listener makes SQLAlchemy dispatch every event at every statement.
    setattr(engine.dialect, "do_begin", _begin_immediate)  # noqa: B010 (a method, on purpose)


def _begin_immediate(dbapi_connection: Any) -> None:
    """``BEGIN IMMEDIATE``, straight to the driver: SQLAlchemy's statement machinery
    (exec_driver_sql) costs more than the BEGIN itself, at every turn. Errors are wrapped as
    it would wrap them."""
    try:
        dbapi_connection.driver_connection.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise DBAPIError.instance("BEGIN IMMEDIATE", None, exc, sqlite3.Error) from exc


class Database:
    """One SQLAlchemy engine and a session factory for it."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).expanduser().resolve().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"CHATDESK_DATABASE_URL: cannot create the folder {folder}: {exc.strerror}"
                ) from exc
        # A server that accepts the connection and never answers must not hang every command.
        connect_args = {} if self.is_sqlite else {"connect_timeout": CONNECT_TIMEOUT}
        self.engine = create_engine(
            parsed, pool_pre_ping=not self.is_sqlite, connect_args=connect_args
        )
        if self.is_sqlite:
            _sqlite_setup(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._turn_sessions = sessionmaker(
            expire_on_commit=False, join_transaction_mode="rollback_only"
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def turn(self) -> Iterator[Session]:
        """As :meth:`session`, for the engine's turns: the transaction is the connection's,
        and the session works inside it (flushed before the commit, rolled back with it).

        The session's own transaction handling (its begin and commit, the connection's
        checkout through it) cost about a fifth of a SQLite turn's database time; here the
        connection begins and commits, and the session only joins it.
        """
        with self.engine.connect() as connection, connection.begin():
            session = self._turn_sessions(bind=connection)
            try:
                yield session
                session.flush()
            finally:
                session.close()

    def upgrade(self) -> None:
        """Apply every pending migration."""
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # Several `chatdesk serve` processes may start at once: one migrates, the
                    # others wait here and then find nothing left to do.
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                    )
                config = alembic_config(self.url)
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
        except Exception as exc:  # a one-line reason for the CLI, the cause chained
            raise DatabaseError(
                f"CHATDESK_DATABASE_URL: cannot migrate {self.safe_url}: {first_line(exc)}"
            ) from exc

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


def first_line(exc: BaseException) -> str:
    """An error's reason in one line: the first line of the original error (a database
    driver's, without SQLAlchemy's statement echo and "background" link; psycopg adds hints
    on the lines after it). ``serve`` uses it for a platform that cannot be reached."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config
