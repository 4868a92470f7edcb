"""The detectors: check digits, Luhn, document numbers, markings, links."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qunguan.moderation.documents import find_document_numbers
from qunguan.moderation.links import find_links, trusted
from qunguan.moderation.personal_data import find_personal_data, luhn_valid, resident_id_valid
from tests.unit.moderation.conftest import check, luhn, resident_id


class TestResidentIdChecksum:
    @pytest.mark.parametrize(
        "number", ["11010519491231002X", "110105194912310021"[:17] + "X", "440524188001010014"]
    )
    def test_known_numbers(self, number: str) -> None:
        assert resident_id_valid(number) is (number != "440524188001010014")

    def test_lower_case_x_is_the_same_check_character(self) -> None:
        assert resident_id_valid("11010519491231002x")

    @given(st.from_regex(r"\A[1-6]\d{5}(19[5-9]\d|200\d)(0[1-9]|1[0-2])(0[1-9]|1\d|2[0-8])\d{3}\Z"))
    def test_every_number_with_its_check_character_is_valid(self, first17: str) -> None:
        number = resident_id(first17)
        assert resident_id_valid(number)
        wrong = next(c for c in "0123456789X" if c != number[-1])
        assert not resident_id_valid(number[:-1] + wrong)

    @pytest.mark.parametrize("number", ["110105194902301234", "110105219912310021", "12345"])
    def test_impossible_dates_and_lengths_are_not_ids(self, number: str) -> None:
        assert not resident_id_valid(number)


class TestLuhn:
    @pytest.mark.parametrize("number", ["4111111111111111", "6222020000000000000", "79927398713"])
    def test_valid(self, number: str) -> None:
        assert luhn_valid(number)

    @pytest.mark.parametrize("number", ["4111111111111112", "6222020000000000001", "x", ""])
    def test_invalid(self, number: str) -> None:
        assert not luhn_valid(number)

    @given(st.from_regex(r"\A62\d{14,16}\Z"))
    def test_one_changed_digit_breaks_it(self, prefix: str) -> None:
        number = luhn(prefix)
        assert luhn_valid(number)
        changed = number[:-1] + str((int(number[-1]) + 1) % 10)
        assert not luhn_valid(changed)

    def test_a_card_number_that_fails_luhn_is_not_reported(self) -> None:
        assert find_personal_data("卡号6222020000000000001") == []


class TestMobilesAndIds:
    def test_a_mobile_in_digits_or_numerals(self) -> None:
        assert [r for *_, r in find_personal_data("电话13812345678")] == ["mobile"]
        assert [r for *_, r in find_personal_data("电话一三八一二三四五六七八")] == ["mobile"]

    def test_a_landline_and_a_date_are_not_personal_data(self) -> None:
        assert find_personal_data("办公室电话0571-87654321，2024年3月15日前报送") == []

    def test_an_invalid_id_number_is_not_reported(self) -> None:
        assert find_personal_data("编号110105194912310021") == []


class TestDocumentNumbers:
    @pytest.mark.parametrize(
        "number",
        ["京政发〔2024〕12号", "X政发[2024]12号", "某府发(2024)12号", "青财预（2023）第5号",
         "国办发【2022】3号", "京政发［2024］12号", "京政发﹝2024﹞12号",
         "京政发 〔 2024 〕 12 号"],
    )  # fmt: skip
    def test_every_bracket_people_type(self, number: str) -> None:
        (found,) = find_document_numbers(number.lower())
        assert found[:2] == (0, len(number))

    def test_the_span_leaves_out_the_words_before_the_issuer(self) -> None:
        plain = "根据青财发〔2024〕3号文件要求"
        ((start, end, _),) = find_document_numbers(plain)
        assert plain[start:end] == "青财发〔2024〕3号"

    def test_a_year_in_brackets_without_a_number_is_not_one(self) -> None:
        assert find_document_numbers("2024年（2024）工作要点") == []


class TestLinks:
    @pytest.mark.parametrize(
        ("text", "host"),
        [
            ("看 https://www.example.com/a?b=1", "www.example.com"),
            ("看 www.example.com", "www.example.com"),
            ("看 www点example点com", "www.example.com"),
            ("看 example dot com", "example.com"),
            ("看 example(.)com", "example.com"),
            ("看 example。com", "example.com"),
        ],
    )
    def test_plain_spelled_out_and_bracketed_domains(self, text: str, host: str) -> None:
        (link,) = find_links(text)
        assert link.host == host

    def test_full_width_links_are_found_after_folding(self) -> None:
        verdict = check("看ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ", "s6")
        assert verdict.categories == ("link",)
        assert verdict.spans[0].text == "ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ"

    def test_file_names_and_versions_are_not_links(self) -> None:
        assert find_links("见附件 report.docx 和 v1.2 版本，e.g. 这样") == []

    def test_an_email_address_is_not_a_link(self) -> None:
        assert find_links("发到 office@unit.example.com") == []

    @pytest.mark.parametrize(
        ("host", "ok"),
        [("www.mof.gov.cn", True), ("gov.cn", True), ("gov.cn.example.com", False),
         ("notgov.cn", False), ("", False)],
    )  # fmt: skip
    def test_trusted_domains_and_their_subdomains(self, host: str, ok: bool) -> None:
        assert trusted(host, ("gov.cn",)) is ok
