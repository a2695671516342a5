"""The models and the migrations agree, on SQLite and on PostgreSQL."""

from grants import migrate


def test_models_and_migrations_agree(engine):
    assert migrate.pending_differences(engine) == []


def test_downgrade_to_nothing_and_back(engine):
    migrate.downgrade(engine, "base")
    migrate.upgrade(engine)
    assert migrate.pending_differences(engine) == []
