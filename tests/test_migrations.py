"""The schema comes from Alembic migrations, and they match the ORM models exactly."""

from __future__ import annotations

import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from chatdesk.store.db import Database
from chatdesk.store.models import Base


def test_migrations_from_empty_create_every_table(database_url):
    database = Database(database_url)
    database.upgrade()
    tables = set(inspect(database.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    database.upgrade()  # a second run is a no-op
    database.dispose()


def test_migrated_schema_matches_the_models(database_url):
    database = Database(database_url)
    database.upgrade()
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    database.dispose()
    assert diff == []


def test_db_upgrade_command(database_url, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "chatdesk", "db", "upgrade"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={"CHATDESK_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert "password" not in result.stdout


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.dispose()


def _db_upgrade(tmp_path, url: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    """`chatdesk db upgrade` as a process, with only the database setting."""
    return subprocess.run(
        [sys.executable, "-m", "chatdesk", "db", "upgrade"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=90,
        env={"CHATDESK_DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
    )


def test_an_unreachable_database_is_one_line(tmp_path):
    result = _db_upgrade(tmp_path, "postgresql://nobody:secret@127.0.0.1:1/none")
    assert result.returncode == 2
    assert result.stderr.startswith("chatdesk: CHATDESK_DATABASE_URL: cannot migrate")
    assert result.stderr.count("\n") == 1  # psycopg's hints and SQLAlchemy's link left out
    assert "secret" not in result.stderr and "Traceback" not in result.stderr


def test_a_database_server_that_never_answers_is_given_up_on(tmp_path):
    """A PostgreSQL address where something accepts connections and says nothing (a dead
    proxy, a firewall) used to hang every command for good."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept)
    thread.start()
    port = listener.getsockname()[1]
    try:
        result = _db_upgrade(tmp_path, f"postgresql://nobody@127.0.0.1:{port}/none")
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()
    assert result.returncode == 2
    assert result.stderr.startswith("chatdesk: CHATDESK_DATABASE_URL: cannot migrate")
    assert "Traceback" not in result.stderr
