"""Normalisation: evasions meet their entry in one form; offsets map back to the original."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qunguan.moderation import ContentEngine, TermEntry, TermList, default_lists
from qunguan.moderation.normalise import key, keys, normalise

ENTRIES = ("法轮功", "颠覆国家政权", "色情", "网络赌博", "傻逼", "porn", "gift card")
ENGINE = ContentEngine.from_lists(
    [TermList("political", tuple(TermEntry(e, "political") for e in ENTRIES))]
)
SEPARATORS = (
    " ", "  ", "\t", "\n", "\u3000", ".", ",", "·", "，", "。", "、", "…", "-", "_", "*", "/",
    "|", "~", "!", "?", "😀", "❤", "→", "【", "】", "(", ")", "「", "」", "＃", "＊", "—",
)  # fmt: skip
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\ufe0f")


def _full_width(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, str]:
    """(entry, the entry with separators, invisibles and full-width forms woven in)."""
    entry = draw(st.sampled_from(ENTRIES))
    chars = [_full_width(c) if draw(st.booleans()) else c for c in entry]
    glue = st.lists(st.sampled_from(INVISIBLE), max_size=2)
    if not entry.isascii():  # Latin words keep their letters apart only by invisibles
        glue = st.lists(st.sampled_from(SEPARATORS + INVISIBLE), max_size=3)
    out = chars[0]
    for ch in chars[1:]:
        out += "".join(draw(glue)) + ch
    prefix = draw(st.sampled_from(("", "请看", "看看 ", "好的，")))
    suffix = draw(st.sampled_from(("", "的资料", " 吧", "。")))
    return entry, prefix + out + suffix


class TestEvasionsNeverGetThrough:
    @settings(max_examples=400, deadline=None)
    @given(disguised())
    def test_separators_invisibles_and_full_width_forms_are_caught(
        self, case: tuple[str, str]
    ) -> None:
        entry, text = case
        found = ENGINE.scan(text)
        assert any(f.rule == f"political:{entry}" for f in found), text

    @settings(max_examples=300, deadline=None)
    @given(disguised())
    def test_each_span_is_the_original_text_and_holds_the_entry(
        self, case: tuple[str, str]
    ) -> None:
        entry, text = case
        for f in ENGINE.scan(text):
            assert 0 <= f.start < f.end <= len(text)
            assert key(entry) in key(text[f.start : f.end])


class TestOffsets:
    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=st.sampled_from([*"法轮功色情ab1 0，。·\u200b機密ＡＢ"]), max_size=30))
    def test_every_view_maps_back_inside_the_text(self, text: str) -> None:
        n = normalise(text)
        for view, back in ((n.plain, n.plain_span), (n.keyed, n.keyed_span)):
            for i in range(len(view)):
                start, end = back(i, i + 1)
                assert 0 <= start < end <= len(text)

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=st.sampled_from([*"法轮功色情ab1 0，。·\u200b機密ＡＢ"]), max_size=30))
    def test_each_character_of_a_view_comes_from_where_its_map_says(self, text: str) -> None:
        n = normalise(text)
        plain_origin, keyed_origin = n.plain_origin(), n.keyed_origin()
        assert len(plain_origin) == len(n.plain)
        assert len(keyed_origin) == len(n.keyed)
        assert plain_origin == sorted(set(plain_origin))
        assert all(n.folded[o] == ch for o, ch in zip(plain_origin, n.plain, strict=True))
        assert keyed_origin == sorted(keyed_origin)
        for o, ch in zip(keyed_origin, n.keyed, strict=True):
            assert ch == " " or n.folded[o] == ch or n.folded[o] in "0134578"

    def test_a_hit_across_separators_spans_them_in_the_original(self) -> None:
        text = "请看 法 ，轮·功 谢谢"
        (span,) = [f for f in ENGINE.scan(text) if f.rule == "political:法轮功"]
        assert text[span.start : span.end] == "法 ，轮·功"


@pytest.mark.parametrize(
    ("written", "meets"),
    [
        ("機密", "机密"),
        ("ＦＡＬＵＮ", "falun"),
        ("p0rn", "porn"),
        ("рorn", "porn"),  # Cyrillic р
        ("pórn", "porn"),
        ("p o r n", "porn"),
        ("fa-lun--gong", "fa lun gong"),
        ("⼈民", "人民"),  # Kangxi radical
    ],
)
def test_written_forms_meet_their_entry(written: str, meets: str) -> None:
    assert key(written) == key(meets)


def test_ordinary_latin_words_keep_their_spaces() -> None:
    assert normalise("buy now").keyed == "buy now"
    assert normalise("10:30 开会").plain == "10:30 开会"


class TestKeysInOneBatch:
    def test_the_shipped_entries_key_as_they_do_one_by_one(self) -> None:
        texts = [e.text for t in default_lists() for e in t.entries]
        texts += [p for t in default_lists() for e in t.entries for p in e.allow]
        assert keys(texts) == [key(t) for t in texts]

    @settings(max_examples=200, deadline=None)
    @given(
        st.lists(
            st.text(alphabet=st.sampled_from([*"法轮功a b1l0，。·-\u200b機ＡＢ \t"]), max_size=8),
            max_size=6,
        )
    )
    def test_no_step_reaches_across_two_entries(self, texts: list[str]) -> None:
        assert keys(texts) == [key(t) for t in texts]
