"""Alembic environment: the URL comes from the caller (grants.migrate), never from a file."""

from __future__ import annotations

from alembic import context
from sqlmodel.sql.sqltypes import AutoString

import grants.models  # noqa: F401 - registers every table on the metadata
from grants.db import UTCDateTime, make_engine
from grants.migrations_support import include_object
from grants.models import metadata

config = context.config


def render_item(type_, obj, autogen_context):
    """Spell our own column types by their import path in generated migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("import grants.db")
        return "grants.db.UTCDateTime()"
    if type_ == "type" and isinstance(obj, AutoString):
        autogen_context.imports.add("import sqlmodel")
        return f"sqlmodel.sql.sqltypes.AutoString(length={obj.length!r})"
    return False


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `grants db upgrade`")
run_migrations_online()
