"""The audit trail: written with every change, hash-chained, and tamper-evident."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from qunguan.domain.audit import AuditQuery
from qunguan.domain.errors import DomainError
from qunguan.services import audit
from qunguan.services.directory import people as directory
from qunguan.services.uow import Database
from tests.factories import SETUP, org_workbook


def actions(db: Database) -> list[str]:
    with db.reading() as uow:
        rows, _ = audit.search(uow, AuditQuery(limit=1000))
    return [r.action for r in reversed(rows)]


def verify(db: Database) -> audit.Verification:
    with db.reading() as uow:
        return audit.verify(uow)


def tamper(db: Database, statement: str) -> None:
    """What an attacker with database rights does: lift the append-only guard, then change."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                text("ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only")
            )
        else:
            conn.execute(text("DROP TRIGGER audit_records_no_update"))
            conn.execute(text("DROP TRIGGER audit_records_no_delete"))
        conn.execute(text(statement))


@pytest.fixture
def trail(db: Database) -> Database:
    """Three records: an import, and two account creations."""
    from qunguan.services.accounts import management as accounts

    with db.unit_of_work() as uow:
        directory.import_directory(uow, SETUP, "seed.xlsx", org_workbook())
    for name in ("clerk1", "clerk2"):
        with db.unit_of_work() as uow:
            accounts.create_user(uow, SETUP, name, "Kx7!harbour-lamp", ["office"])
    return db


class TestWritten:
    def test_a_change_and_its_record_commit_together(self, trail: Database) -> None:
        assert actions(trail) == ["directory.imported", "account.created", "account.created"]

    def test_a_refused_change_leaves_no_record(self, trail: Database) -> None:
        with pytest.raises(DomainError), trail.unit_of_work() as uow:
            directory.import_directory(uow, SETUP, "bad.csv", "工号,姓名\n1,\n".encode())
        assert len(actions(trail)) == 3

    def test_records_name_the_actor_target_and_change(self, trail: Database) -> None:
        with trail.reading() as uow:
            [rec], _ = audit.search(uow, AuditQuery(action="directory.", limit=5))
        assert rec.actor_username == "test-setup"
        assert rec.target_type == "directory_import"
        assert len(rec.summary["created"]) == 6


class TestChain:
    def test_intact_chain_verifies(self, trail: Database) -> None:
        result = verify(trail)
        assert result.broken is None
        assert result.checked == 3 == result.head_seq

    def test_the_database_refuses_edits_and_deletes(self, trail: Database) -> None:
        for statement in (
            "UPDATE audit_records SET action = 'x' WHERE seq = 1",
            "DELETE FROM audit_records WHERE seq = 1",
        ):
            with pytest.raises(DBAPIError), trail.engine.begin() as conn:
                conn.execute(text(statement))
        assert verify(trail).broken is None

    def test_an_edited_record_is_named(self, trail: Database) -> None:
        tamper(trail, "UPDATE audit_records SET actor_username = 'someone-else' WHERE seq = 2")
        broken = verify(trail).broken
        assert broken is not None
        assert (broken.seq, broken.reason) == (2, "hash_mismatch")

    def test_a_deleted_record_is_named(self, trail: Database) -> None:
        tamper(trail, "DELETE FROM audit_records WHERE seq = 2")
        broken = verify(trail).broken
        assert broken is not None
        assert (broken.seq, broken.reason) == (2, "sequence_gap")

    def test_a_deleted_last_record_is_noticed(self, trail: Database) -> None:
        tamper(trail, "DELETE FROM audit_records WHERE seq = 3")
        broken = verify(trail).broken
        assert broken is not None
        assert (broken.seq, broken.reason) == (3, "tail_missing")

    def test_sm3_is_selectable(self, trail: Database) -> None:
        from qunguan.services.accounts import management as accounts

        audit.configure("sm3")
        try:
            with trail.unit_of_work() as uow:
                accounts.create_user(uow, SETUP, "clerk3", "Kx7!harbour-lamp", ["office"])
        finally:
            audit.configure("sha256")
        with trail.reading() as uow:
            algorithm = uow.session.execute(
                text("SELECT algorithm, hash FROM audit_records WHERE seq = 4")
            ).one()
        assert algorithm[0] == "sm3"
        assert len(algorithm[1]) == 64
        assert verify(trail).broken is None

    def test_concurrent_appends_keep_one_chain(self, trail: Database) -> None:
        from qunguan.services.accounts import management as accounts

        errors: list[BaseException] = []

        def worker(n: int) -> None:
            try:
                for i in range(5):
                    with trail.unit_of_work() as uow:
                        accounts.create_user(
                            uow, SETUP, f"w{n}-{i}", "Kx7!harbour-lamp", ["member"]
                        )
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        result = verify(trail)
        assert result.broken is None
        assert result.checked == 3 + 20


class TestExports:
    def test_exports_are_audited_and_formulas_stay_text(self, trail: Database) -> None:
        import io

        from openpyxl import load_workbook

        from qunguan.config import Settings
        from qunguan.services.accounts import sessions

        with trail.unit_of_work() as uow:
            sessions.sign_in(uow, Settings(), '=HYPERLINK("http://evil","x")', "wrong-password")
        with trail.unit_of_work() as uow:
            data = audit.export(uow, SETUP, AuditQuery(), "xlsx")
        sheet = load_workbook(io.BytesIO(data)).active
        names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert '\'=HYPERLINK("http://evil","x")' in names
        with trail.unit_of_work() as uow:
            directory.export_directory(uow, SETUP, "csv")
        assert actions(trail)[-2:] == ["audit.exported", "directory.exported"]
