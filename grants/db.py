"""Engine, sessions and column types shared by every domain package.

SQLite (the embedded default) runs in WAL mode with foreign keys on; PostgreSQL is reached
through DATABASE_URL. Services take a Session and never commit: the request (or the CLI
command) owns the transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, event, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine

from grants.settings import get_settings


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes, stored as UTC on both engines."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: attach a time zone first")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)




# Whether the current unit of work will write (an unsafe HTTP method, a CLI command). On SQLite
# its transaction then starts with BEGIN IMMEDIATE: it takes the database's write lock before
# its first read, so a check-then-act (a limit, a balance, the next version number) cannot be
# overtaken by another worker process between the check and the write. PostgreSQL uses row
# locks (SELECT ... FOR UPDATE) in the services instead.
write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)


# Whether the current unit of work only reads (a GET page). Lookups that one page repeats (a
# stage's applications, a round's panel …) are then kept for the rest of the request by
# `memo`; anything that writes computes them afresh every time.
reading_page: ContextVar[bool] = ContextVar("reading_page", default=False)


# The versions of the data (table page_version, read by grants.pagecache): one number per
# table, raised inside every transaction that commits an INSERT, UPDATE or DELETE naming it, on
# every engine the application uses. The statements a page runs name the tables it read.
_UPSERT = ("INSERT INTO page_version (name, n) VALUES ({p}, 1) "
           "ON CONFLICT (name) DO UPDATE SET n = page_version.n + 1")
_WRITES = ("INSERT", "UPDATE", "DELETE")
ANY_TABLE = "*"  # a write whose table is not known: every kept page depends on it

# Writes that no page shows and that must not make pages render again (a session's "last
# seen", written after a page view; migrations, which run before the table exists).
_neutral: ContextVar[bool] = ContextVar("neutral_writes", default=False)

# The tables the statements of the current page read (set by grants.pagecache).
page_reads: ContextVar[set[str] | None] = ContextVar("page_reads", default=None)

_table_names: re.Pattern[str] | None = None
_known = -1
_facts_of: dict[str, tuple[bool, frozenset[str]]] = {}


@contextmanager
def neutral_writes() -> Iterator[None]:
    """Commits inside do not raise the versions of the data."""
    token = _neutral.set(True)
    try:
        yield
    finally:
        _neutral.reset(token)


def _facts(statement: str) -> tuple[bool, frozenset[str]]:
    """Whether a statement writes, and every table it names among the tables registered on
    the metadata (more is harmless: a kept page is rendered again). Worked out once per
    statement text: it runs for every statement."""
    global _table_names, _known
    tables = SQLModel.metadata.tables
    if len(tables) != _known:  # more models were imported since: learn their names
        names = sorted(tables, key=len, reverse=True)
        _table_names = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
        _known = len(tables)
        _facts_of.clear()
    found = _facts_of.get(statement)
    if found is None:
        assert _table_names is not None
        found = (statement.lstrip()[:6].upper() in _WRITES,
                 frozenset(_table_names.findall(statement)))
        if len(_facts_of) < 20_000:  # statements are built from a bounded set of queries
            _facts_of[statement] = found
    return found


def tables_in(statement: str) -> frozenset[str]:
    """Every table a statement names (see `_facts`)."""
    return _facts(statement)[1]


def _note_statement(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    writes, tables = _facts(statement)
    if writes:
        conn.info.setdefault("page_writes", set()).update(tables or {ANY_TABLE})
        return
    reads = page_reads.get()
    if reads is not None:
        reads.update(tables)


def _bump_on_commit(conn: Any) -> None:
    written = conn.info.pop("page_writes", None)
    if written and not _neutral.get():
        # Inside the transaction, on the driver's cursor (no SQLAlchemy events run again), in
        # one order for every writer, so that two of them never deadlock on these rows.
        statement = _UPSERT.format(p="?" if conn.dialect.name == "sqlite" else "%s")
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.executemany(statement, [(name,) for name in sorted(written)])
        finally:
            cursor.close()


def _forget_on_rollback(conn: Any) -> None:
    conn.info.pop("page_writes", None)


def track_writes(engine: Engine) -> Engine:
    """Raise the versions of the tables every commit wrote, and note the tables each page
    reads, on this engine (the application's; migrations run with `neutral_writes`)."""
    if not event.contains(engine, "commit", _bump_on_commit):
        event.listen(engine, "before_cursor_execute", _note_statement)
        event.listen(engine, "commit", _bump_on_commit)
        event.listen(engine, "rollback", _forget_on_rollback)
    return engine


def memo(session: Any, key: tuple[Any, ...], compute: Any) -> Any:
    """`compute()`, computed once per read-only request and session for `key`."""
    if not reading_page.get():
        return compute()
    cache = session.info.setdefault("memo", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


@contextmanager
def writing(flag: bool = True) -> Iterator[None]:
    """Mark the transactions begun inside as writers (BEGIN IMMEDIATE on SQLite)."""
    token = write_intent.set(flag)
    try:
        yield
    finally:
        write_intent.reset(token)


def _sqlite_begin(connection: Any) -> None:
    # Readers keep the driver's default (a transaction starts at the first write); writers
    # start theirs now and take the write lock, waiting up to busy_timeout for it.
    if write_intent.get():
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets its pragmas and its folder created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if kwargs.pop("nullpool", False):
        kwargs["poolclass"] = NullPool
    return create_engine(url, **kwargs)


_engine: Engine | None = None


def get_engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = track_writes(make_engine(get_settings().database_url))
    return _engine


def set_engine(engine: Engine | None) -> None:
    """Use another engine (tests point the app at their own database)."""
    global _engine
    _engine = None if engine is None else track_writes(engine)


def request_session(request: Any) -> Session:
    """The request's database session, opened on first use; the DB middleware commits or
    rolls it back when the response starts (`grants.web.db` is this)."""
    state = request.scope.setdefault("state", {})
    session = state.get("db")
    if session is None:
        session = state["db"] = Session(get_engine(), expire_on_commit=False)
    return session


def lock_key(session: Session, key: str) -> None:
    """Serialise writers that check-then-act on something no row stands for yet (a bank
    reference about to be recorded), until the transaction ends. PostgreSQL: a transaction
    advisory lock on the key's hash. SQLite: write requests hold the database's write lock
    from BEGIN IMMEDIATE, so nothing is needed."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def lock_row(session: Session, model: Any, row_id: int | None) -> None:
    """Serialise writers that check-then-act on one row, on both engines.

    PostgreSQL: SELECT ... FOR UPDATE on the row. SQLite: a no-op UPDATE of the row, which
    takes the database's write lock now (write requests already hold it from BEGIN IMMEDIATE),
    so that what is read afterwards cannot go stale before the write.
    """
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(table.c.id).where(table.c.id == row_id).with_for_update())
    else:
        session.execute(update(table).where(table.c.id == row_id).values(id=table.c.id))


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work for the CLI and background jobs: commit on success, roll back on error."""
    session = Session(get_engine(), expire_on_commit=False)
    token = write_intent.set(True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        write_intent.reset(token)
        session.close()
