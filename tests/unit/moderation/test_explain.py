"""What people read: members the category and the article; the security admin what matched."""

from __future__ import annotations

from functools import partial

from qunguan.i18n import translate
from qunguan.moderation import explain
from tests.unit.moderation.conftest import check, preset


def test_a_member_reads_the_category_and_the_article_it_enforces() -> None:
    text = explain(check("这里有色情视频", "s2"), preset("s2"), partial(translate, locale="zh"))
    assert text.startswith("未发送：内容涉及色情低俗信息")
    assert "根据《微信工作群管理制度》第" in text
    # What matched, and the rule, are for the security admin only.
    assert "色情视频" not in text
    assert "命中" not in text
    assert "obscene" not in text
    assert len(text.splitlines()) == 2


def test_the_security_admin_also_reads_what_matched_and_the_rule() -> None:
    verdict = check("这里有 色 情 视频", "s2")
    text = explain(verdict, preset("s2"), partial(translate, locale="zh"), audience="admin")
    assert "命中：“色 情”（色情低俗信息，规则 obscene:色情，位置 4–7）" in text


def test_english_and_nothing_for_a_passed_message() -> None:
    en = partial(translate, locale="en")
    assert explain(check("周五开会"), preset("s2"), en) == ""
    assert explain(check("发个红包", "s5"), preset("s5"), en).startswith(
        "Not sent: it contains red"
    )
