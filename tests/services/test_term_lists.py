"""The term lists the security admin manages: import all or nothing, export, entries, and
the engine of the message path following them without a restart."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qunguan.domain.errors import DomainError
from qunguan.moderation import default_slot, from_xlsx, parse_list, to_xlsx
from qunguan.services import term_lists
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.store.models import AuditRecord
from tests.factories import principal
from tests.services.test_messages import chat_group, send

SECURITY = "security"
NEW_WORD = "青山鱼塘"  # an ordinary-looking phrase no shipped list holds


def import_file(db: Database, name: str, data: bytes) -> term_lists.ImportReport:
    with db.unit_of_work() as uow:
        report = term_lists.import_file(uow, principal(db, SECURITY).actor(), name, data)
    with db.reading() as uow:
        term_lists.apply(uow)
    return report


def agency_entries(db: Database, category: str) -> list[str]:
    with db.reading() as uow:
        return [e.text for e in term_lists.entries(uow, category)]


def audited(db: Database, action: str) -> list[AuditRecord]:
    with db.reading() as uow:
        return list(uow.session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


class TestImport:
    def test_a_category_file_replaces_that_list_and_is_audited(self, db: Database) -> None:
        chat_group(db)
        import_file(db, "political.txt", "# ours\n甲乙丙\n丁戊己\tpinyin\n".encode())
        report = import_file(db, "political.txt", "庚辛壬\tallow=庚辛壬癸\n庚辛壬\n".encode())
        assert report.categories == {"political": 1}
        assert report.duplicates == 1
        assert agency_entries(db, "political") == ["庚辛壬"]
        [first, second] = audited(db, "content.lists_imported")
        assert second.summary == {
            "file": "political.txt",
            "entries": {"political": 1},
            "duplicates": 1,
        }
        assert first.actor_username == SECURITY

    def test_one_bad_line_names_every_bad_line_and_nothing_changes(self, db: Database) -> None:
        chat_group(db)
        import_file(db, "abusive.txt", "旧词条\n".encode())
        bad = "新词一\n新词二\tcolour=red\n新词三\taction=ban\n".encode()
        with pytest.raises(DomainError) as caught:
            import_file(db, "abusive.txt", bad)
        assert caught.value.code == "content.list_invalid"
        assert [(d.row, d.code) for d in caught.value.details] == [
            (2, "content.option_unknown"),
            (3, "content.action_unknown"),
        ]
        assert agency_entries(db, "abusive") == ["旧词条"]
        assert len(audited(db, "content.lists_imported")) == 1

    def test_a_spreadsheet_fills_each_category_it_holds(self, db: Database) -> None:
        chat_group(db)
        lists = (
            parse_list("violent", "砍你全家\n"),
            parse_list("advertising", "加微信领券\tpinyin\n"),
        )
        report = import_file(db, "terms.xlsx", to_xlsx(lists))
        assert report.categories == {"violent": 1, "advertising": 1}
        assert agency_entries(db, "advertising") == ["加微信领券"]

    @pytest.mark.parametrize(
        ("name", "code"),
        [
            ("weather.txt", "content.category_unknown"),
            ("terms.csv", "content.file_type"),
            ("political.txt", "content.file_empty"),
        ],
    )
    def test_a_file_that_is_no_list_is_refused(self, db: Database, name: str, code: str) -> None:
        chat_group(db)
        with pytest.raises(DomainError) as caught:
            import_file(db, name, b"# only a comment\n")
        assert caught.value.code == code


class TestExport:
    def test_a_category_exports_as_text_that_imports_back_the_same(self, db: Database) -> None:
        chat_group(db)
        text = "甲乙丙\tpinyin initials\n丁戊己\tallow=丁戊己庚 action=hold\n"
        import_file(db, "confidential.txt", text.encode())
        with db.unit_of_work() as uow:
            data = term_lists.export(uow, principal(db, SECURITY).actor(), "txt", "confidential")
        assert parse_list("confidential", data.decode()) == parse_list("confidential", text)
        assert len(audited(db, "content.lists_exported")) == 1

    def test_every_list_exports_as_one_spreadsheet(self, db: Database) -> None:
        chat_group(db)
        import_file(db, "political.txt", "甲乙丙\n".encode())
        import_file(db, "obscene.txt", "丁戊己\tinitials\n".encode())
        with db.unit_of_work() as uow:
            data = term_lists.export(uow, principal(db, SECURITY).actor(), "xlsx")
        assert {(t.category, t.entries[0].text) for t in from_xlsx(data)} == {
            ("political", "甲乙丙"),
            ("obscene", "丁戊己"),
        }


class TestEntries:
    def test_an_entry_is_added_changed_and_removed_each_audited(self, db: Database) -> None:
        chat_group(db)
        with db.unit_of_work() as uow:
            term_lists.add_entry(uow, principal(db, SECURITY).actor(), "rumour", "据说要停水")
            term_lists.add_entry(
                uow, principal(db, SECURITY).actor(), "rumour", "据说要停水", "action=warn"
            )
        with db.reading() as uow:
            [entry] = term_lists.entries(uow, "rumour")
        assert entry.options() == "action=warn"
        with db.unit_of_work() as uow:
            term_lists.remove_entry(uow, principal(db, SECURITY).actor(), "rumour", "据说要停水")
        assert agency_entries(db, "rumour") == []
        assert len(audited(db, "content.entry_added")) == 2
        [removed] = audited(db, "content.entry_removed")
        assert removed.summary == {"text": "据说要停水"}

    def test_removing_an_entry_the_agency_never_listed_finds_none(self, db: Database) -> None:
        chat_group(db)
        with pytest.raises(DomainError) as caught, db.unit_of_work() as uow:
            term_lists.remove_entry(uow, principal(db, SECURITY).actor(), "political", "没有")
        assert caught.value.code == "content.entry.not_found"


class TestInForce:
    def test_a_new_entry_blocks_the_next_message_without_a_restart(self, db: Database) -> None:
        group_id = chat_group(db)
        assert send(db, "member", group_id, f"周末去{NEW_WORD}钓鱼").status == "stored"
        with db.unit_of_work() as uow:
            term_lists.add_entry(uow, principal(db, SECURITY).actor(), "political", NEW_WORD)
        with db.reading() as uow:  # what the edge does after its commit
            term_lists.apply(uow)
        outcome = send(db, "member", group_id, f"周末去{NEW_WORD}钓鱼")
        assert outcome.status == "refused"
        assert outcome.verdict
        assert outcome.verdict["categories"] == ["political"]

    def test_another_process_rebuilds_in_the_background_without_waiting(self, db: Database) -> None:
        """A change made elsewhere: the revision moved, this process's engine is older."""
        group_id = chat_group(db)
        with db.unit_of_work() as uow:
            term_lists.add_entry(uow, principal(db, SECURITY).actor(), "political", NEW_WORD)
        slot = default_slot()
        slot.expire()
        first = send(db, "member", group_id, f"周末去{NEW_WORD}钓鱼")
        assert slot.wait(30)
        assert first.status == "stored"  # it did not wait for the build
        slot.expire()
        assert send(db, "member", group_id, f"去{NEW_WORD}").status == "refused"

    def test_trying_a_text_shows_what_matched_under_the_lists_in_force(self, db: Database) -> None:
        chat_group(db)
        with db.unit_of_work() as uow:
            term_lists.add_entry(uow, principal(db, SECURITY).actor(), "political", NEW_WORD)
        with db.reading() as uow:
            policy = policy_versions.require_current(uow).policy
            verdict = term_lists.check(uow, f"去 {NEW_WORD[:2]}·{NEW_WORD[2:]}", policy)
        assert [s.text for s in verdict.spans] == [f"{NEW_WORD[:2]}·{NEW_WORD[2:]}"]
