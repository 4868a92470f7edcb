"""Term lists as data: the text format, the spreadsheet, the errors that name their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from qunguan.domain.errors import DomainError
from qunguan.i18n import has
from qunguan.moderation import (
    LIST_CATEGORIES,
    ContentEngine,
    TermEntry,
    TermList,
    default_lists,
    dump_list,
    from_xlsx,
    load_directory,
    parse_list,
    to_xlsx,
)
from qunguan.policy.document import ContentAction
from tests.unit.moderation.conftest import check

TEXT = "# 注释\n学生\tallow=大学生|学生会\n法轮功\tpinyin initials\n内部传阅\taction=hold\n\n"


class TestTextFormat:
    def test_entries_options_and_comments(self) -> None:
        terms = parse_list("political", TEXT)
        assert [e.text for e in terms.entries] == ["学生", "法轮功", "内部传阅"]
        assert terms.entries[0].allow == ("大学生", "学生会")
        assert terms.entries[1].pinyin
        assert terms.entries[1].initials
        assert terms.entries[2].action is ContentAction.HOLD

    def test_dump_reads_back_unchanged(self) -> None:
        terms = parse_list("political", TEXT)
        assert parse_list("political", dump_list(terms)) == terms

    def test_every_bad_line_is_named_and_nothing_loads(self) -> None:
        with pytest.raises(DomainError) as caught:
            parse_list("abusive", "好词\n坏词\tshout\n另一个\taction=explode\n")
        assert caught.value.code == "content.list_invalid"
        assert [(d.code, d.row) for d in caught.value.details] == [
            ("content.option_unknown", 2),
            ("content.action_unknown", 3),
        ]
        assert all(has(f"error.{d.code}") for d in caught.value.details)

    def test_an_unknown_category_is_refused(self) -> None:
        with pytest.raises(DomainError) as caught:
            parse_list("weather", "晴天")
        assert caught.value.code == "content.category_unknown"

    def test_a_directory_of_lists(self, tmp_path: Path) -> None:
        (tmp_path / "abusive.txt").write_text("蠢货\n", encoding="utf-8")
        (tmp_path / "political.txt").write_text("\ufeff# 空\n", encoding="utf-8")
        lists = load_directory(tmp_path)
        assert [(t.category, len(t)) for t in lists] == [("abusive", 1), ("political", 0)]


class TestSpreadsheet:
    def test_round_trip(self) -> None:
        lists = (parse_list("political", TEXT), parse_list("abusive", "蠢货\n"))
        back = from_xlsx(to_xlsx(lists))
        assert {t.category: t.entries for t in back} == {t.category: t.entries for t in lists}

    def test_a_row_of_an_unknown_category_is_named(self) -> None:
        import io

        from openpyxl import Workbook

        book = Workbook()
        book.active.append(["词条", "类别", "处置", "选项", "例外"])
        book.active.append(["晴天", "weather", "", "", ""])
        out = io.BytesIO()
        book.save(out)
        with pytest.raises(DomainError) as caught:
            from_xlsx(out.getvalue())
        assert [(d.code, d.row) for d in caught.value.details] == [("content.category_unknown", 2)]


class TestShippedLists:
    def test_every_category_has_a_small_list_of_its_own(self) -> None:
        lists = {t.category: t for t in default_lists()}
        assert set(lists) == set(LIST_CATEGORIES)
        assert all(0 < len(t) < 100 for t in lists.values())

    def test_every_category_has_its_words_in_both_catalogs(self) -> None:
        from qunguan.moderation.verdict import FILE_SIZE, FILE_TYPE, FILE_UNREADABLE

        extra = ("classification-marking", "red-header-document", "personal-data", "link",
                 "red-envelope", "transfer", "gift-voucher",
                 FILE_TYPE, FILE_SIZE, FILE_UNREADABLE)  # fmt: skip
        for category in (*LIST_CATEGORIES, *extra):
            assert has(f"content.category.{category}", "en")
            assert has(f"content.category.{category}", "zh")


class TestAllowPhrases:
    ENGINE = ContentEngine.from_lists([parse_list("political", TEXT)])

    @pytest.mark.parametrize("text", ["大学生志愿者", "学生会主席", "大学生会"])
    def test_an_allow_phrase_is_not_a_hit(self, text: str) -> None:
        assert check(text, engine=self.ENGINE).passed

    def test_the_entry_outside_its_allow_phrases_still_is(self) -> None:
        verdict = check("大学生和学生", engine=self.ENGINE)
        assert [(s.start, s.text) for s in verdict.spans] == [(4, "学生")]

    def test_an_allow_phrase_of_one_entry_does_not_hide_another(self) -> None:
        engine = ContentEngine.from_lists(
            [
                TermList(
                    "political",
                    (
                        TermEntry("学生", "political", allow=("大学生",)),
                        TermEntry("大学", "political"),
                    ),
                )
            ]
        )
        assert [s.text for s in check("大学生", engine=engine).spans] == ["大学"]

    def test_an_entry_action_overrides_the_category(self) -> None:
        verdict = check("内部传阅", engine=self.ENGINE)
        assert verdict.action is ContentAction.HOLD


def test_entries_are_counted_without_the_built_in_detectors() -> None:
    assert ContentEngine.from_lists([parse_list("political", TEXT)]).entries == 3
