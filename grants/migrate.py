"""Schema migrations through Alembic, driven from code (`grants db ...`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import grants.models  # noqa: F401
from grants.db import neutral_writes
from grants.models import metadata

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str, engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (default: the newest)."""
    with neutral_writes(), engine.begin() as connection:  # page_version may not exist yet
        cfg = alembic_config(str(engine.url))
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with neutral_writes(), engine.begin() as connection:  # page_version may not exist yet
        cfg = alembic_config(str(engine.url))
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def revision(engine: Engine, message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    with neutral_writes(), engine.begin() as connection:  # page_version may not exist yet
        cfg = alembic_config(str(engine.url))
        cfg.attributes["connection"] = connection
        command.revision(cfg, message=message, autogenerate=True)


def pending_differences(engine: Engine) -> list[object]:
    """What the models have that the migrated database lacks (empty when they agree)."""
    from grants.migrations_support import include_object

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": include_object},
        )
        return list(compare_metadata(context, metadata))
