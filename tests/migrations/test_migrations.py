"""Migrations build the schema from an empty database on both backends, and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from qunguan.store import migrate
from qunguan.store.db import check_durability, make_engine
from qunguan.store.models import Base


class TestMigrations:
    def test_empty_database_upgrades_to_head(self, database_url: str) -> None:
        engine = make_engine(database_url)
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.is_up_to_date(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        engine.dispose()

    def test_models_and_migrations_agree(self, migrated_url: str) -> None:
        engine = make_engine(migrated_url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": migrate.include_name})
            diff = compare_metadata(context, Base.metadata)
        engine.dispose()
        assert diff == []

    def test_downgrade_to_empty_and_back(self, migrated_url: str) -> None:
        engine = make_engine(migrated_url)
        migrate.downgrade(engine, "base")
        assert "people" not in inspect(engine).get_table_names()
        migrate.upgrade(engine)
        assert migrate.is_up_to_date(engine)
        engine.dispose()

    def test_upgrading_twice_is_harmless(self, migrated_url: str) -> None:
        engine = make_engine(migrated_url)
        migrate.upgrade(engine)
        assert migrate.is_up_to_date(engine)
        engine.dispose()


class TestSqliteDurability:
    def test_every_connection_is_wal_full_with_foreign_keys(self, tmp_path: object) -> None:
        engine = make_engine(f"sqlite:///{tmp_path}/d.db")
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        check_durability(engine)
        engine.dispose()

    def test_a_database_without_wal_is_refused(self, tmp_path: object) -> None:
        import pytest
        from sqlalchemy import create_engine

        from qunguan.domain.errors import DomainError

        plain = create_engine(f"sqlite:///{tmp_path}/plain.db")  # no pragmas applied
        with pytest.raises(DomainError) as caught:
            check_durability(plain)
        assert caught.value.code == "store.not_durable"
        plain.dispose()
