"""Uploads: the name, the type, the size, and the text inside .docx, .xlsx, .pdf and .txt."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from openpyxl import Workbook

from qunguan.domain.errors import DomainError
from qunguan.moderation import Verdict
from qunguan.moderation.files import MAX_UNZIPPED_BYTES, Unreadable, extract_text
from qunguan.policy.document import ContentAction
from tests.unit.moderation.conftest import ENGINE, preset

BLOCK = ContentAction.BLOCK


def upload(name: str, data: bytes, preset_id: str = "s2") -> Verdict:
    policy = preset(preset_id)
    return ENGINE.check_file(name, data, policy, policy.settings)


def docx(*paragraphs: str, header: str = "") -> bytes:
    doc = Document()
    if header:
        doc.sections[0].header.paragraphs[0].text = header
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def xlsx(*rows: list[str], keywords: str = "") -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.properties.keywords = keywords
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf(*lines: str) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    from qunguan.policy.render import find_cjk_font

    try:
        font = find_cjk_font()
    except DomainError:
        pytest.skip("no CJK font installed to write a Chinese PDF with")
    if "QunguanCJK" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("QunguanCJK", font, subfontIndex=0))
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.setFont("QunguanCJK", 14)
    for i, line in enumerate(lines):
        canvas.drawString(72, 760 - 24 * i, line)
    canvas.save()
    return out.getvalue()


class TestRedHeaderDocuments:
    @pytest.mark.clause("s5-6f")
    def test_a_docx_with_a_document_number_is_refused_as_a_red_header_document(self) -> None:
        data = docx("某县人民政府文件", "某府发〔2024〕12号", "关于印发工作方案的通知")
        verdict = upload("方案.docx", data, "s5")
        assert verdict.action is BLOCK
        assert "red-header-document" in verdict.categories
        assert "s5-6f" in verdict.clause_ids
        assert "某府发〔2024〕12号" in {s.text for s in verdict.spans}

    @pytest.mark.clause("s5-6f")
    def test_a_file_stamped_internal_material_is_refused(self) -> None:
        verdict = upload("材料.txt", "内部资料\n2024年工作要点".encode(), "s5")
        assert verdict.action is BLOCK
        assert verdict.categories == ("classification-marking",)
        assert "s5-6f" not in verdict.clause_ids
        assert "s5-6a" in verdict.clause_ids

    def test_every_bracket_variant_blocks_a_file(self) -> None:
        for number in ("X政发[2024]12号", "X政发（2024）12号", "X政发【2024】12号"):
            assert upload("a.txt", number.encode("gb18030")).action is BLOCK, number


class TestClassifiedFiles:
    def test_a_docx_whose_header_is_marked_is_refused(self) -> None:
        verdict = upload("纪要.docx", docx("会议纪要正文", header="机密★1年"), "s2")
        assert verdict.action is BLOCK
        assert verdict.categories == ("classification-marking",)
        assert verdict.clause_ids == ("s2-2.2.1", "s2-2.2.2")

    def test_a_pdf_whose_first_page_is_marked_top_secret_is_refused(self) -> None:
        verdict = upload("报告.pdf", pdf("绝密", "关于某项工作的报告"), "s5")
        assert verdict.action is BLOCK
        assert "s5-6a" in verdict.clause_ids

    @pytest.mark.clause("s3-4.1.1")
    def test_a_spreadsheet_with_a_confidential_tag_in_its_properties_is_refused(self) -> None:
        data = xlsx(["科目", "金额"], ["办公费", "1200"], keywords="FIN-INTERNAL")
        verdict = upload("预算.xlsx", data, "s3")
        assert verdict.action is BLOCK
        assert verdict.categories == ("confidential",)
        assert verdict.spans[0].text == "FIN-INTERNAL"

    def test_a_marked_file_name_is_refused_with_offsets_into_the_name(self) -> None:
        verdict = upload("机密-方案.txt", b"plain text")
        assert verdict.action is BLOCK
        assert verdict.spans[0].start == 0

    def test_an_ordinary_file_passes(self) -> None:
        data = docx("关于召开2024年度预算编制工作会议的通知", "请各股室负责人准时参加。")
        assert upload("通知.docx", data).passed


class TestBounds:
    def test_a_type_the_policy_does_not_allow_is_refused(self) -> None:
        verdict = upload("setup.exe", b"MZ")
        assert verdict.action is BLOCK
        assert verdict.categories == ("file-type",)

    def test_a_file_over_the_size_limit_is_refused(self) -> None:
        verdict = upload("big.txt", b"a" * (20 * 1024 * 1024 + 1), "s6")
        assert verdict.categories == ("file-size",)
        assert "s6-5.5" in verdict.clause_ids

    def test_a_damaged_file_is_held_for_review(self) -> None:
        verdict = upload("broken.docx", b"not a zip at all")
        assert verdict.action is ContentAction.HOLD
        assert verdict.categories == ("file-unreadable",)

    def test_an_archive_that_inflates_beyond_the_bound_is_not_opened(self) -> None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("word/document.xml", b"\0" * (MAX_UNZIPPED_BYTES + 1))
        with pytest.raises(Unreadable):
            extract_text("docx", out.getvalue())

    def test_text_in_gb18030_is_read(self) -> None:
        assert extract_text("txt", "机密文件".encode("gb18030")) == "机密文件"
