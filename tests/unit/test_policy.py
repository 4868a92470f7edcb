"""The policy model, the seven presets, the generated regulation and its citations."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from docx import Document
from pypdf import PdfReader

from qunguan.domain.errors import DomainError
from qunguan.policy.catalog import presets
from qunguan.policy.document import diff_policies, settings_for_group_type
from qunguan.policy.explain import cite
from qunguan.policy.presets import (
    PRESET_IDS,
    load_preset,
    mapping_problems,
    preset_document,
    validate,
)
from qunguan.policy.render import build, chinese_number, to_docx, to_pdf


@pytest.mark.parametrize("preset", PRESET_IDS)
class TestPresets:
    def test_loads_and_validates(self, preset: str) -> None:
        policy = load_preset(preset)
        assert policy.preset == preset
        assert policy.title == presets()[preset].title

    def test_every_clause_of_its_regulation_is_mapped(self, preset: str) -> None:
        policy = load_preset(preset)
        assert mapping_problems(policy) == []
        assert set(policy.clause_map) == {c.id for c in presets()[preset].clauses}

    def test_page_docx_and_pdf_carry_every_article(self, preset: str) -> None:
        reg = build(load_preset(preset), version=1)
        labels = [a.label for a in reg.articles()]
        assert len(labels) == len(presets()[preset].clauses)
        docx_text = "\n".join(p.text for p in Document(io.BytesIO(to_docx(reg))).paragraphs)
        pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(to_pdf(reg))).pages)
        for label, article in zip(labels, reg.articles(), strict=True):
            assert label in docx_text, label
            assert label in pdf_text, label
            assert article.clause_id in pdf_text


class TestValidation:
    def test_an_unmapped_clause_is_refused(self) -> None:
        data = preset_document("s2")
        del data["clause_map"]["s2-2.3.2"]
        with pytest.raises(DomainError) as caught:
            validate(data)
        assert [(d.code, d.value) for d in caught.value.details] == [
            ("policy.clause_unmapped", "s2-2.3.2")
        ]

    def test_unknown_and_foreign_clauses_and_targets_are_refused(self) -> None:
        data = preset_document("s2")
        data["clause_map"]["s9-1"] = "job:patrol"
        data["clause_map"]["s3-7.1"] = "workflow:policy_change"
        data["clause_map"]["s2-1"] = "setting:groups.no_such_setting"
        with pytest.raises(DomainError) as caught:
            validate(data)
        assert {(d.code, d.value) for d in caught.value.details} == {
            ("policy.clause_unknown", "s9-1"),
            ("policy.clause_foreign", "s3-7.1"),
            ("policy.target_unknown", "setting:groups.no_such_setting"),
        }

    @pytest.mark.parametrize(
        ("path", "value", "setting"),
        [
            (("records", "retention_days"), 30, "settings.records.retention_days"),
            (
                ("posting", "content", "personal_data"),
                "shout",
                "settings.posting.content.personal_data",
            ),
            (("groups", "naming", "min_length"), 40, "settings.groups.naming"),
            (("sanctions", "ladder"), [], "settings.sanctions.ladder"),
        ],
    )
    def test_a_bad_setting_is_refused_naming_it(
        self, path: tuple[str, ...], value: Any, setting: str
    ) -> None:
        data = preset_document("s2")
        node = data.setdefault("settings", {})
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
        with pytest.raises(DomainError) as caught:
            validate(data)
        [detail] = caught.value.details
        assert detail.code == "policy.setting_invalid"
        assert detail.params["setting"] == setting

    def test_an_unknown_setting_is_refused(self) -> None:
        data = preset_document("s2")
        data["settings"]["patrol"]["every_week"] = True
        with pytest.raises(DomainError) as caught:
            validate(data)
        assert caught.value.details[0].params["setting"] == "settings.patrol.every_week"


class TestPresetsDifferAsTheirRegulationsDo:
    def test_s2_weekly_member_check_and_four_online_hours(self) -> None:
        s = load_preset("s2").settings
        assert s.membership.audit_every_days == 7
        assert s.presence.min_online_hours_per_workday == 4

    def test_s5_owner_is_a_party_member_and_names_show_the_unit(self) -> None:
        s = load_preset("s5").settings
        assert s.groups.owner_must_be_party_member
        assert s.membership.display_name_format == "unit_name"

    def test_only_s2_asks_for_online_time(self) -> None:
        asking = [
            p for p in PRESET_IDS if load_preset(p).settings.presence.min_online_hours_per_workday
        ]
        assert asking == ["s2"]


class TestRendering:
    def test_articles_are_numbered_in_chinese_across_chapters(self) -> None:
        reg = build(load_preset("s2"))
        assert [c.label for c in reg.chapters] == ["第一章", "第二章", "第三章", "第四章"]
        assert reg.articles()[11].label == "第十二条"
        assert [chinese_number(n) for n in (1, 10, 12, 20, 36, 100, 105, 110)] == [
            "一",
            "十",
            "十二",
            "二十",
            "三十六",
            "一百",
            "一百零五",
            "一百一十",
        ]

    def test_the_text_follows_the_settings(self) -> None:
        data = preset_document("s2")
        data["settings"]["membership"]["audit_every_days"] = 14
        article = next(a for a in build(validate(data)).articles() if a.clause_id == "s2-2.3.2")
        assert "每 14 天核查群成员" in article.enforcement
        assert article.text == "每周检查群成员,对不应加入或未实名人员予以剔除出群;"

    def test_citation_quotes_the_article(self) -> None:
        cited = cite(load_preset("s2"), "s2-2.3.2")
        assert cited is not None
        assert (
            cited.quote == "根据《微信工作群管理制度》第十二条："
            "每周检查群成员,对不应加入或未实名人员予以剔除出群;"
        )
        assert cite(load_preset("s2"), "s3-7.1") is None

    def test_diff_names_each_changed_setting(self) -> None:
        old = load_preset("s7")
        data = preset_document("s7")
        data["settings"]["membership"]["inactivity_days"] = 30
        assert diff_policies(old, validate(data)) == [
            ("settings.membership.inactivity_days", 60, 30)
        ]

    def test_a_group_type_overrides_the_agency(self) -> None:
        data = preset_document("s6")
        data["group_type_overrides"] = {"meeting": {"posting": {"rate_limit_per_minute": 3}}}
        policy = validate(data)
        assert settings_for_group_type(policy, "meeting").posting.rate_limit_per_minute == 3
        assert settings_for_group_type(policy, "project").posting.rate_limit_per_minute == 20

    def test_no_article_falls_back_to_raw_setting_names(self) -> None:
        for preset in PRESET_IDS:
            for article in build(load_preset(preset)).articles():
                assert not re.search(r"系统设置 [a-z_.]+：", article.enforcement), (
                    preset,
                    article.clause_id,
                )
