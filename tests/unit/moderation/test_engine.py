"""Verdicts by policy: the action each preset gives, the clause ids it carries, the corpus.

Tests tagged with a clause prove what its acceptance check asks of the engine's decision;
delivery, storage and logging of that decision are the message path's, tested there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from qunguan.moderation import (
    ContentEngine,
    EngineSlot,
    TermList,
    Verdict,
    default_engine,
    parse_list,
)
from qunguan.policy.document import ContentAction, settings_for_group_type
from qunguan.policy.presets import PRESET_IDS
from tests.unit.moderation.conftest import ENGINE, check, preset, resident_id

CORPUS = yaml.safe_load(
    (Path(__file__).parents[2] / "data" / "content_corpus.yaml").read_text(encoding="utf-8")
)
BLOCK, HOLD, CONFIRM = ContentAction.BLOCK, ContentAction.HOLD, ContentAction.CONFIRM
COLLEAGUE_ID = resident_id("33010619850312004")


class TestCorpus:
    @pytest.mark.parametrize("preset_id", PRESET_IDS)
    def test_no_ordinary_work_message_is_stopped(self, preset_id: str) -> None:
        stopped = [m for m in CORPUS["ordinary"] if not check(m, preset_id).passed]
        assert stopped == []

    @pytest.mark.parametrize(
        "case", CORPUS["violations"], ids=lambda c: f"{c['category']}-{c['evasion']}"
    )
    def test_every_planted_violation_is_caught_in_every_form(self, case: dict[str, str]) -> None:
        verdict = check(case["text"])
        assert not verdict.passed
        assert case["category"] in verdict.categories
        for span in verdict.spans:
            assert case["text"][span.start : span.end] == span.text

    def test_the_corpus_covers_every_evasion_form(self) -> None:
        forms = {c["evasion"] for c in CORPUS["violations"]}
        assert {"spaced", "zero-width", "full-width", "traditional", "pinyin", "homoglyph"} <= forms


class TestVerdict:
    def test_nothing_found_is_pass(self) -> None:
        verdict = check("请于周五前报送材料。")
        assert verdict == Verdict(ContentAction.PASS, (), (), ())
        assert verdict.passed

    def test_the_most_severe_action_wins(self) -> None:
        verdict = check("你这个废物，这里有色情视频")  # abusive: hold; obscene: block
        assert verdict.action is BLOCK
        assert verdict.categories == ("abusive", "obscene")
        assert [s.rule for s in verdict.spans] == ["abusive:废物", "obscene:色情"]

    def test_a_category_the_policy_passes_is_dropped(self) -> None:
        policy = preset("s2")
        relaxed = policy.settings.model_copy(
            update={"posting": policy.settings.posting.model_copy(update={
                "content": policy.settings.posting.content.model_copy(update={"abusive": "pass"})
            })}
        )  # fmt: skip
        assert ENGINE.check("你这个废物", policy, relaxed).passed

    def test_group_type_overrides_apply(self) -> None:
        policy = preset("s2").model_copy(
            update={"group_type_overrides": {"exchange": {"posting": {"links": {
                "mode": "block_unknown"}}}}}
        )  # fmt: skip
        text = "参考 www.example.com"
        assert ENGINE.check(text, policy, policy.settings).passed
        verdict = ENGINE.check(text, policy, settings_for_group_type(policy, "exchange"))
        assert verdict.action is BLOCK
        assert verdict.categories == ("link",)

    def test_a_cited_document_number_is_recorded_not_refused(self) -> None:
        verdict = check("根据京政发〔2024〕12号文件精神，做好落实。")
        assert verdict.action is ContentAction.RECORD
        assert verdict.passed
        assert verdict.spans[0].text == "京政发〔2024〕12号"


class TestPresets:
    @pytest.mark.clause("s1-2.1")
    def test_s1_a_term_of_the_illegal_content_list_is_rejected_naming_category_and_rule(
        self,
    ) -> None:
        engine = ContentEngine.from_lists([parse_list("political", "测试违法词\n")])
        verdict = check("这里有测试违法词", "s1", engine)
        assert verdict.action is BLOCK
        assert verdict.categories == ("political",)
        assert [s.rule for s in verdict.spans] == ["political:测试违法词"]

    @pytest.mark.clause("s1-5.3")
    def test_s1_a_valid_id_number_asks_the_sender_to_confirm(self) -> None:
        verdict = check(f"身份证号{COLLEAGUE_ID}", "s1")
        assert verdict.action is CONFIRM
        assert verdict.categories == ("personal-data",)
        assert "s1-5.3" in verdict.clause_ids
        invalid = COLLEAGUE_ID[:-1] + ("0" if COLLEAGUE_ID[-1] != "0" else "1")
        assert check(f"身份证号{invalid}", "s1").passed

    @pytest.mark.clause("s2-2.2.1")
    def test_s2_a_shop_promotion_with_a_promo_code_and_shop_link_is_blocked(self) -> None:
        verdict = check("新店开业，优惠码 QG2024，点这里 https://shop.taobao.com/item/1", "s2")
        assert verdict.action is BLOCK
        assert verdict.categories == ("advertising",)
        assert verdict.clause_ids == ("s2-2.2.1",)
        assert {s.text for s in verdict.spans} == {"优惠码", "taobao.com"}

    @pytest.mark.clause("s3-3.2.1")
    def test_s3_a_marked_message_and_a_colleagues_mobile_are_both_blocked(self) -> None:
        marked = check("機密：关于机构调整的方案", "s3")
        mobile = check("小李的手机是13912345678", "s3")
        assert marked.action is BLOCK
        assert marked.categories == ("classification-marking",)
        assert mobile.action is BLOCK
        assert mobile.categories == ("personal-data",)
        assert "s3-3.2.1" in marked.clause_ids
        assert "s3-4.2.1" in mobile.clause_ids

    @pytest.mark.clause("s3-3.2.3")
    def test_s3_a_betting_invitation_is_blocked(self) -> None:
        verdict = check("今晚赌球，一起下个注？", "s3")
        assert verdict.action is BLOCK
        assert verdict.categories == ("gambling-fraud",)

    @pytest.mark.clause("s4-4.3", "s4-6.1")
    def test_s4_a_harmful_message_is_blocked_and_its_category_named(self) -> None:
        verdict = check("教你炸 弹 制 作", "s4")
        assert verdict.action is BLOCK
        assert verdict.categories == ("violent",)
        assert set(verdict.clause_ids) == {"s4-4.3", "s4-6.1", "s4-6.2"}

    @pytest.mark.clause("s5-6b")
    def test_s5_a_regulated_speech_entry_is_blocked_with_its_rule_id(self) -> None:
        verdict = check("有人在传颠覆国家政权的言论", "s5")
        assert verdict.action is BLOCK
        assert verdict.clause_ids == ("s5-6b",)
        assert verdict.spans[0].rule == "political:颠覆国家政权"

    @pytest.mark.clause("s6-3.1")
    def test_s6_a_sensitive_keyword_asks_to_confirm_and_an_illegal_one_is_blocked(
        self,
    ) -> None:
        engine = ContentEngine.from_lists(
            [parse_list("confidential", "敏感测试词\taction=confirm\n"), *_shipped()]
        )
        assert check("这是敏感测试词", "s6", engine).action is CONFIRM
        assert check("这是法轮功", "s6", engine).action is BLOCK

    @pytest.mark.clause("s6-3.4")
    def test_s6_a_file_marked_secret_is_refused_and_a_phone_number_asks_to_confirm(
        self,
    ) -> None:
        policy = preset("s6")
        marked = ENGINE.check_file("纪要.txt", "机密\n会议纪要".encode(), policy, policy.settings)
        assert marked.action is BLOCK
        assert marked.categories == ("classification-marking",)
        assert "s6-3.4" in marked.clause_ids
        verdict = check("联系人电话 139 1234 5678", "s6")
        assert verdict.action is CONFIRM
        assert verdict.categories == ("personal-data",)

    def test_s5_red_envelopes_transfers_and_gift_voucher_links_are_blocked(self) -> None:
        for text in ("发个红包", "扫我的收款码", "领取 https://gift.example.com/egift/123"):
            verdict = check(text, "s5")
            assert verdict.action is BLOCK, text
            assert verdict.clause_ids == ("s5-5",), text

    def test_s6_an_unknown_domain_is_blocked_a_government_one_is_not(self) -> None:
        assert check("请看 www.example.com", "s6").action is BLOCK
        assert check("请看 www.mof.gov.cn", "s6").passed
        assert check("请看 www.example.com", "s7").action is HOLD

    def test_s5_abusive_language_is_held_for_review(self) -> None:
        assert check("你就是个脑残", "s5").action is HOLD
        assert check("你就是个脑残", "s7").action is BLOCK


def _shipped() -> tuple[TermList, ...]:
    from qunguan.moderation import default_lists

    return default_lists()


class TestEngineSwap:
    def test_default_engine_is_built_once(self) -> None:
        assert default_engine() is default_engine()

    def test_a_rebuild_swaps_while_checks_go_on(self) -> None:
        slot = EngineSlot(ENGINE)
        policy = preset("s2")
        results: list[bool] = []
        stop = threading.Event()

        def checking() -> None:
            while not stop.is_set():
                results.append(slot.get().check("测试新词", policy, policy.settings).passed)

        worker = threading.Thread(target=checking)
        worker.start()
        slot.rebuild([parse_list("political", "测试新词\n")])
        while slot.get().check("测试新词", policy, policy.settings).passed:
            pass
        stop.set()
        worker.join()
        assert results
        assert results[0] is True
        assert not slot.get().check("测试新词", policy, policy.settings).passed


class TestBackgroundBuilds:
    def test_an_offer_builds_in_the_background_and_checks_never_wait(self) -> None:
        slot = EngineSlot(ENGINE)
        policy = preset("s2")
        started, release = threading.Event(), threading.Event()

        def slow_load() -> list[TermList]:
            started.set()
            release.wait(10)
            return [parse_list("political", "测试新词\n")]

        assert slot.offer(("db", 1), slow_load)
        started.wait(10)
        # The build is under way: checks go on with the engine in use.
        assert slot.get().check("测试新词", policy, policy.settings).passed
        assert not slot.offer(("db", 1), slow_load)  # the same revision is not built twice
        release.set()
        assert slot.wait(30)
        assert slot.revision == ("db", 1)
        assert not slot.get().check("测试新词", policy, policy.settings).passed
        assert slot.get().check("法轮功", policy, policy.settings).action.value == "block"

    def test_offers_during_a_build_end_in_the_latest(self) -> None:
        slot = EngineSlot(ENGINE)
        started, release = threading.Event(), threading.Event()
        loads: list[int] = []

        def load(n: int) -> Callable[[], list[TermList]]:
            def run() -> list[TermList]:
                loads.append(n)
                started.set()
                release.wait(10)
                return [parse_list("political", f"测试新词{n}\n")]

            return run

        slot.offer(("db", 1), load(1))
        started.wait(10)
        slot.offer(("db", 2), load(2))
        slot.offer(("db", 3), load(3))
        release.set()
        assert slot.wait(30)
        assert slot.revision == ("db", 3)
        assert loads == [1, 3]

    def test_a_slow_background_build_never_replaces_a_later_install(self) -> None:
        slot = EngineSlot(ENGINE)
        started, release = threading.Event(), threading.Event()

        def slow_load() -> list[TermList]:
            started.set()
            release.wait(10)
            return []

        slot.offer(("db", 1), slow_load)
        started.wait(10)
        slot.install(("db", 2), [parse_list("political", "测试新词\n")])
        release.set()
        assert slot.wait(30)
        assert slot.revision == ("db", 2)

    def test_a_failed_load_keeps_the_engine_in_use(self) -> None:
        slot = EngineSlot(ENGINE)

        def broken() -> list[TermList]:
            raise OSError("database gone")

        slot.offer(("db", 1), broken)
        assert slot.wait(30)
        assert slot.get() is ENGINE
        assert slot.revision is None
        assert isinstance(slot.last_error, OSError)
