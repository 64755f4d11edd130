"""The customer a turn speaks with, as a plain row: read with the turn's statements, written
back with one Core UPDATE only when something about them changed.

Every turn reads the requester and most turns change nothing about them. Making the row the
session's ORM object cost about as much as reading it (building the object, the identity
map, the flush's check at the commit); the dialogue only reads its fields and sets ``lang``,
and tickets refer to it by id, so a dataclass does. A ticket's ``requester`` relationship
still loads the ORM object when something asks for it (:func:`attached` gives a new ticket
the object without a query).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from chatdesk.store.conversations import ignoring_conflicts
from chatdesk.store.models import Requester, table_of
from chatdesk.store.prepared import Prepared

TABLE = table_of(Requester)

_CHANGEABLE = ("display_name", "locale", "lang", "organization")
"""The columns a turn may change: what the platform says of the customer (name, locale), the
organization found for them, and the language they chose with ``lang``."""

# Built once, with bound parameters: a turn only binds values.
_READ = Prepared(
    select(*TABLE.columns).where(
        TABLE.c.platform == bindparam("k_platform"),
        TABLE.c.platform_user_id == bindparam("k_user_id"),
    )
)
_NEW = ("platform", "platform_user_id", "display_name", "locale", "organization", "created_at")
_CREATE = Prepared(ignoring_conflicts(TABLE), column_keys=_NEW)
_SAVE = Prepared(update(TABLE).where(TABLE.c.id == bindparam("k_id")), column_keys=_CHANGEABLE)


@dataclass
class RequesterRow:
    """One row of ``requesters``, with what was stored of its changeable columns, so that
    :func:`save` writes only a row that changed."""

    id: int
    platform: str
    platform_user_id: str
    display_name: str
    locale: str | None
    lang: str | None
    organization: str | None
    created_at: datetime
    stored: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.stored:
            self.stored = self._changeable()

    def _changeable(self) -> tuple[Any, ...]:
        return (self.display_name, self.locale, self.lang, self.organization)

    @property
    def changed(self) -> bool:
        return self._changeable() != self.stored


Someone = Requester | RequesterRow
"""A requester as the portal (ORM object) or a turn (row) holds them: both have the id and
the organization that the ticket queries need."""


def read(session: Session, platform: str, user_id: str) -> RequesterRow | None:
    """The requester this platform knows as ``user_id``, if they ever talked to the desk."""
    row = _READ.first(session, {"k_platform": platform, "k_user_id": user_id})
    return None if row is None else RequesterRow(**row)


def create(session: Session, values: dict[str, Any]) -> None:
    """Insert a requester unless one with this platform and user id exists already (a
    concurrent first turn of theirs: PostgreSQL waits for it, and its row is then kept)."""
    _CREATE.rows(session, values)


def save(session: Session, requester: RequesterRow) -> None:
    """Write the requester's changeable columns, with one UPDATE, if any of them changed."""
    if not requester.changed:
        return
    values = dict(zip(_CHANGEABLE, requester._changeable(), strict=True))
    _SAVE.rows(session, {"k_id": requester.id, **values})
    requester.stored = requester._changeable()


def attached(session: Session, requester: RequesterRow) -> Requester:
    """The requester as the session's ORM object, without a query: what a ticket created in
    this turn gets as its ``requester`` (its card names them). Saved first, so the object
    and the row agree."""
    save(session, requester)
    known = session.identity_map.get(session.identity_key(Requester, requester.id))
    if isinstance(known, Requester):  # loaded earlier in the turn: as the row is now
        for name in _CHANGEABLE:
            set_committed_value(known, name, getattr(requester, name))
        return known
    columns = {column.name: getattr(requester, column.name) for column in TABLE.columns}
    orm = Requester(**columns)
    make_transient_to_detached(orm)
    session.add(orm)
    return orm
