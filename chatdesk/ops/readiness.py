"""Whether this process is ready for traffic: what ``GET /readyz`` answers.

Ready means the database answers, its schema is at the newest migration this code knows,
and every configured channel started. ``GET /healthz`` stays the liveness check (the
process runs); a load balancer sends traffic only to a ready process, and a database outage
turns every process not-ready without restarting any of them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import text

from chatdesk.store.db import Database, alembic_config, first_line

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 5.0
"""Seconds the database may take to answer a readiness check before it counts as away."""


@dataclass
class Readiness:
    database: str = "ok"
    schema: str = "ok"
    channels: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return (
            self.database == "ok"
            and self.schema == "ok"
            and all(state == "started" for state in self.channels.values())
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "ready" if self.ready else "not ready",
            "database": self.database,
            "schema": self.schema,
            "channels": self.channels,
        }


@cache
def newest_revisions(url: str) -> frozenset[str]:
    """The head revision(s) of the migrations shipped with this code."""
    return frozenset(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def schema_revisions(database: Database) -> frozenset[str]:
    """The revision(s) the database says it is at (raises when it cannot be asked)."""
    with database.engine.connect() as conn:
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
        return frozenset(rows)


async def check(database: Database, channels: dict[str, str]) -> Readiness:
    """Ask the database (in a thread, at most :data:`DATABASE_TIMEOUT` seconds)."""
    result = Readiness(channels=dict(channels))
    try:
        revisions = await asyncio.wait_for(
            asyncio.to_thread(schema_revisions, database), DATABASE_TIMEOUT
        )
    except TimeoutError:
        result.database = result.schema = "no answer"
        return result
    except Exception as exc:
        log.warning("readiness: the database did not answer: %s", first_line(exc))
        result.database = result.schema = "unreachable"
        return result
    expected = newest_revisions(database.url)
    if revisions != expected:
        result.schema = (
            f"at {', '.join(sorted(revisions)) or 'nothing'}, "
            f"expected {', '.join(sorted(expected))}"
        )
    return result
