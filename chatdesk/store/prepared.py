"""The statements of every turn, compiled once per database and run on the driver's cursor.

SQLAlchemy runs a Core statement in about 40-50 us here (its cache key computed afresh at
every execution, an execution context, a result object) where the SQLite driver needs about
5; a turn runs three to five such statements. A :class:`Prepared` statement is compiled once
for each dialect with SQLAlchemy's own compiler, and keeps SQLAlchemy's conversion of values
in both directions (the types' bind and result processors: UTC datetimes stored as text on
SQLite, JSON on SQLite and PostgreSQL), so what is written and read is what
``Connection.execute`` would write and read. It runs on the cursor of the session's
connection, in the session's transaction (SQLite's ``BEGIN IMMEDIATE`` included: the
connection is begun by ``Session.connection()`` first). A driver error is raised as
SQLAlchemy would raise it (``IntegrityError`` for a unique conflict), and a lost connection
is invalidated as it would be.

Only what the turn needs: values given by name (or a column's scalar default), no expanding
``IN`` lists, one row of values or several (``executemany``) for statements without results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlalchemy.sql.selectable import ReturnsRows

Processor = Callable[[Any], Any] | None
_MISSING = object()


@dataclass(frozen=True)
class _Parameter:
    key: str  # the name the caller gives the value by
    default: Any  # a column's scalar default, or _MISSING
    process: Processor  # the type's bind processor for this dialect


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional: bool
    names: tuple[str, ...]  # the driver's parameter names (pyformat) or order (qmark)
    parameters: tuple[_Parameter, ...]
    columns: tuple[str, ...]  # the selected or returned columns' names, in order
    converted: tuple[tuple[int, Callable[[Any], Any]], ...]  # (index, processor) to apply

    def bind(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """The values as the driver takes them, each converted by its type."""
        converted = []
        for parameter in self.parameters:
            value = values.get(parameter.key, parameter.default)
            if value is _MISSING:
                raise KeyError(f"no value for {parameter.key!r} in {self.sql!r}")
            converted.append(value if parameter.process is None else parameter.process(value))
        return converted if self.positional else dict(zip(self.names, converted, strict=True))

    def row(self, raw: Sequence[Any]) -> list[Any]:
        """A result row, its values converted as their types convert them."""
        values = list(raw)
        for index, process in self.converted:
            values[index] = process(values[index])
        return values


class Prepared:
    """One Core statement, compiled once per dialect and run on the DBAPI cursor.

    ``column_keys``: for an INSERT or UPDATE, the columns it sets (as for
    ``Compiled(column_keys=...)``); the others keep their scalar default (INSERT) or their
    value (UPDATE). ``statement`` may be one statement for each dialect by name (an
    ``INSERT .. ON CONFLICT`` is built with each database's own ``insert``).
    """

    def __init__(
        self,
        statement: Executable | Mapping[str, Executable],
        column_keys: Sequence[str] = (),
    ) -> None:
        self.statements: Mapping[str, Executable] = (
            statement if isinstance(statement, Mapping) else {}
        )
        self.statement = None if isinstance(statement, Mapping) else statement
        self.column_keys = list(column_keys)
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _compile(self, dialect)
        return found

    def rows(self, session: Session, values: Mapping[str, Any]) -> list[list[Any]]:
        """Run the statement with ``values`` (by name); its result rows, converted."""
        return self._execute(session, values)[1]

    def first(self, session: Session, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first result row by column name (labels included), or None."""
        compiled, rows = self._execute(session, values)
        return dict(zip(compiled.columns, rows[0], strict=True)) if rows else None

    def _execute(
        self, session: Session, values: Mapping[str, Any]
    ) -> tuple[_Compiled, list[list[Any]]]:
        connection = _connection(session)
        compiled = self._for(connection.dialect)
        cursor = _run(connection, compiled, compiled.bind(values), many=False)
        try:
            rows = [compiled.row(raw) for raw in cursor.fetchall()] if compiled.columns else []
        finally:
            cursor.close()
        return compiled, rows

    def many(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run a statement without results once for each of ``rows`` (``executemany``)."""
        if not rows:
            return
        connection = _connection(session)
        compiled = self._for(connection.dialect)
        assert not compiled.columns, "executemany returns no rows here"
        batch = [compiled.bind(values) for values in rows]
        _run(connection, compiled, batch, many=True).close()


def _connection(session: Session) -> Connection:
    """The session's connection, in its transaction. A turn's session is bound to a
    connection whose transaction is begun already (:meth:`chatdesk.store.db.Database.turn`):
    that connection is used as it is, without the session's look-up (a sixth of a
    statement's cost here); any other session begins its transaction as usual."""
    bind = session.bind
    if isinstance(bind, Connection) and bind.in_transaction():
        return bind
    return session.connection()


def _compile(prepared: Prepared, dialect: Dialect) -> _Compiled:
    statement = prepared.statements.get(dialect.name, prepared.statement)
    assert isinstance(statement, ClauseElement), f"no statement for {dialect.name}"
    compiled = statement.compile(dialect=dialect, column_keys=prepared.column_keys or None)
    assert isinstance(compiled, SQLCompiler)
    names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(compiled.binds)
    table = getattr(statement, "table", None)
    parameters = []
    for name in names:
        bind = compiled.binds[name]
        if bind.expanding:
            raise ValueError(f"expanding parameter {name!r} is not supported")
        default = bind.value if bind.value is not None else _MISSING
        column = table.c.get(bind.key) if table is not None else None
        if column is not None and bind.key not in prepared.column_keys:
            if not isinstance(column.default, ScalarElementColumnDefault):
                raise ValueError(f"column {bind.key!r} needs a value or a scalar default")
            default = column.default.arg
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        parameters.append(_Parameter(bind.key, default, process))
    # The selected columns, or an INSERT's or UPDATE's RETURNING ones (none without it).
    returned: list[Any] = (
        list(statement.exported_columns) if isinstance(statement, ReturnsRows) else []
    )
    return _Compiled(
        sql=compiled.string,
        positional=dialect.positional,
        names=names,
        parameters=tuple(parameters),
        columns=tuple(column.key for column in returned),
        converted=tuple(
            (index, process)
            for index, column in enumerate(returned)
            if (process := column.type.dialect_impl(dialect).result_processor(dialect, None))
        ),
    )


def _run(connection: Connection, compiled: _Compiled, parameters: Any, many: bool) -> Any:
    """Execute on the connection's DBAPI cursor; a driver error raised as SQLAlchemy's."""
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    cursor = dbapi_connection.cursor()
    try:
        if many:
            cursor.executemany(compiled.sql, parameters)
        else:
            cursor.execute(compiled.sql, parameters)
    except Exception as exc:
        cursor.close()
        dialect = connection.dialect
        error = dialect.loaded_dbapi.Error
        if not isinstance(exc, error):
            raise
        lost = dialect.is_disconnect(exc, dbapi_connection, cursor)
        if lost:
            connection.invalidate(exc)
        raise DBAPIError.instance(
            compiled.sql, parameters, exc, error, connection_invalidated=lost, dialect=dialect
        ) from exc
    return cursor
