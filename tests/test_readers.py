"""Tests for kg.ingest.readers: real small files written into tmp_path, no mocks.

The CJK PDF test needs a font with Chinese glyphs; CI installs it with
``apt-get install -y fonts-wqy-zenhei``. Every other test needs only the
Python packages in the virtualenv.
"""

from __future__ import annotations

import codecs
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import ConfigError, CorpusError
from kg.ingest.readers import (
    EMBEDDED_ENCODING,
    PAGE_BREAK,
    SUPPORTED_SUFFIXES,
    RawText,
    read_file,
    read_raw,
)

# From the Debian/Ubuntu package fonts-wqy-zenhei.
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

LIMIT = 1_000_000

POLICY = (
    "广西壮族自治区卫生健康委员会关于印发《“健康广西2030”规划纲要》的通知\n"
    "各市、县（区）卫生健康局：\n"
    "一、加强基层医疗卫生服务能力建设，推进县域医共体。\n"
)
# 𠮷 (U+20BB7) and 䶮 (U+4DAE) are outside GBK: only GB18030 (four-byte codes) has them.
GB18030_ONLY = "𠮷与䶮：罕用字也要保留。\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``tmp_path / name`` and return the path."""
    path = tmp_path / name
    path.write_bytes(data)
    return path


def expect(path: Path, *fragments: str) -> str:
    """A pytest.raises ``match`` pattern: the file path, then each fragment, in order."""
    return ".*".join(re.escape(part) for part in (str(path), *fragments))


def write_pdf(path: Path, pages: list[str], font: Path | None = None) -> Path:
    """Write a PDF with one page per string, in ``font`` (a TTF/TTC) or core Helvetica."""
    from fpdf import FPDF

    pdf = FPDF()
    if font is None:
        pdf.set_font("helvetica", size=12)
    else:
        pdf.add_font("cjk", fname=str(font))
        pdf.set_font("cjk", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


# --- plain text ------------------------------------------------------------------


def test_utf8_chinese(tmp_path: Path) -> None:
    path = write(tmp_path, "policy.txt", POLICY.encode("utf-8"))
    assert read_raw(path, LIMIT) == RawText(POLICY, "utf-8", "txt")
    assert read_file(path, LIMIT) == POLICY


def test_markdown_and_upper_case_suffix(tmp_path: Path) -> None:
    md = write(tmp_path, "notes.md", ("# 标题\n\n" + POLICY).encode("utf-8"))
    upper = write(tmp_path, "POLICY.TXT", POLICY.encode("utf-8"))
    assert read_raw(md, LIMIT).source_format == "md"
    assert read_raw(upper, LIMIT) == RawText(POLICY, "utf-8", "txt")


def test_utf8_with_bom_drops_the_mark(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.txt", codecs.BOM_UTF8 + POLICY.encode("utf-8"))
    assert read_raw(path, LIMIT) == RawText(POLICY, "utf-8-sig", "txt")


@pytest.mark.parametrize("codec", ["gbk", "gb2312", "gb18030"])
def test_legacy_chinese_encodings_decode_as_gb18030(tmp_path: Path, codec: str) -> None:
    path = write(tmp_path, f"{codec}.txt", POLICY.encode(codec))
    assert read_raw(path, LIMIT) == RawText(POLICY, "gb18030", "txt")


def test_gb18030_four_byte_characters(tmp_path: Path) -> None:
    with pytest.raises(UnicodeEncodeError):
        GB18030_ONLY.encode("gbk")  # guards the test's premise
    path = write(tmp_path, "rare.txt", (POLICY + GB18030_ONLY).encode("gb18030"))
    assert read_raw(path, LIMIT) == RawText(POLICY + GB18030_ONLY, "gb18030", "txt")


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_utf16_and_utf32_with_bom(tmp_path: Path, bom: bytes, codec: str) -> None:
    text = POLICY + GB18030_ONLY  # includes a character outside the BMP (a surrogate pair)
    path = write(tmp_path, "wide.txt", bom + text.encode(codec))
    assert read_raw(path, LIMIT) == RawText(text, codec, "txt")


def test_other_encodings_fall_back_to_charset_normalizer(tmp_path: Path) -> None:
    text = (
        "La santé publique est une priorité : les hôpitaux régionaux, les médecins "
        "généralistes et les infirmières à domicile coopèrent pour améliorer l'accès aux "
        "soins. Le système de santé doit être équitable, efficace et résilient.\n"
    )
    # Neither valid UTF-8 nor GB18030 ("é " is not a GB18030 sequence).
    path = write(tmp_path, "french.txt", text.encode("cp1252"))
    raw = read_raw(path, LIMIT)
    assert raw.encoding not in {"utf-8", "gb18030"}
    assert "santé publique" in raw.text and "hôpitaux" in raw.text


@settings(max_examples=50, deadline=None)
@given(
    text=st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"), blacklist_characters="\ufffd"),
        min_size=1,
        max_size=200,
    ).filter(lambda t: t.strip() and not t.startswith("\ufeff")),
    codec=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_unicode_round_trips(tmp_path_factory: pytest.TempPathFactory, text: str, codec: str) -> None:
    # Excluded: characters the reader rejects as binary residue (control, private
    # use, unassigned, U+FFFD), and a leading U+FEFF, which in UTF-8 is a BOM.
    # Python's "utf-16" and "utf-8-sig" codecs write a BOM, as Windows editors do.
    path = write(tmp_path_factory.mktemp("rt"), "any.txt", text.encode(codec))
    assert read_file(path, LIMIT) == text


# --- PDF ---------------------------------------------------------------------------


def test_pdf_chinese(tmp_path: Path) -> None:
    if not CJK_FONT.exists():
        pytest.skip(f"{CJK_FONT} not found — apt-get install -y fonts-wqy-zenhei")
    lines = ["广西壮族自治区卫生健康委员会", "关于加强基层医疗卫生服务能力建设的通知"]
    path = write_pdf(tmp_path / "cn.pdf", ["\n".join(lines)], font=CJK_FONT)
    raw = read_raw(path, LIMIT)
    assert (raw.encoding, raw.source_format) == (EMBEDDED_ENCODING, "pdf")
    assert raw.text.splitlines() == lines


def _cjk_page():  # type: ignore[no-untyped-def]
    """An fpdf document with one page open, set in the Chinese font (skips the test without it)."""
    if not CJK_FONT.exists():
        pytest.skip(f"{CJK_FONT} not found — apt-get install -y fonts-wqy-zenhei")
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("cjk", fname=str(CJK_FONT))
    pdf.set_font("cjk", size=11)
    pdf.add_page()
    return pdf


def test_pdf_table_rows_keep_their_cells_apart_and_become_a_table_section(tmp_path: Path) -> None:
    # PDFium runs a drawn table's cells together (某县11% 2); the wide gaps between them are cells.
    from kg.ingest.normalise import normalise
    from kg.ingest.sections import split_sections
    from kg.records import Document, DocumentMeta

    pdf = _cjk_page()
    pdf.multi_cell(0, 8, "各地家庭医生签约服务进展如下表。签约服务覆盖面继续扩大，重点人群签约率稳步提高。")
    rows = [("地区", "签约率", "签约人数"), ("甲县", "45%", "12"), ("乙县", "52%", "30"), ("丙区", "38%", "9")]
    for row in rows:
        for cell in row:
            pdf.cell(50, 8, cell)
        pdf.ln(8)
    pdf.multi_cell(0, 8, "下一步将继续做实签约服务。")
    path = tmp_path / "table.pdf"
    pdf.output(str(path))
    lines = read_file(path, LIMIT).splitlines()
    assert ["\t".join(row) for row in rows] == [line for line in lines if "\t" in line]
    assert "各地家庭医生签约服务进展如下表。签约服务覆盖面继续扩大，重点人群签约率稳步提高。" in lines
    text = normalise(read_file(path, LIMIT))
    document = Document(DocumentMeta("t", "table.pdf", "签约服务", "", "2024-05-06", "news"), text, "0" * 64,
                        EMBEDDED_ENCODING, "pdf")
    [table] = [s for s in split_sections(document) if s.kind == "table"]
    assert "甲县\t45%\t12" in text[table.start:table.end] and "下一步" not in text[table.start:table.end]


def test_pdf_a_single_line_with_wide_gaps_keeps_its_spaces(tmp_path: Path) -> None:
    # a journal's running head or a figure's labels: one line with wide gaps is no table
    pdf = _cjk_page()
    for cell in ("卫生", "交通", "住房"):
        pdf.cell(40, 8, cell)
    pdf.ln(8)
    pdf.multi_cell(0, 8, "各部门共同参与。")
    path = tmp_path / "labels.pdf"
    pdf.output(str(path))
    assert "\t" not in read_file(path, LIMIT)


def test_pdf_ascii_core_font(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "en.pdf", ["Health Guangxi 2030 plan"])
    assert read_file(path, LIMIT) == "Health Guangxi 2030 plan"


def test_pdf_pages_are_joined_with_form_feed(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "two.pdf", ["Page one text", "Page two text"])
    text = read_file(path, LIMIT)
    assert text == "Page one text" + PAGE_BREAK + "Page two text"
    assert text.count("\f") == 1


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "scan.pdf", [""])
    with pytest.raises(CorpusError, match=expect(path, "no text layer and no page image", "run OCR")):
        read_file(path, LIMIT)


@pytest.mark.parametrize(("user_password", "readable"), [("", True), ("secret", False)])
def test_encrypted_pdf(tmp_path: Path, user_password: str, readable: bool) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    # RC4 needs no extra package in pypdf; an empty user password only restricts copying.
    pdf.set_encryption(owner_password="owner", user_password=user_password)
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, "Restricted notice")
    path = tmp_path / "locked.pdf"
    pdf.output(str(path))
    if readable:
        assert read_file(path, LIMIT) == "Restricted notice"
    else:
        with pytest.raises(CorpusError, match=expect(path, "password-protected", "remove the password")):
            read_file(path, LIMIT)


def test_pdf_malformed_random_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.pdf", bytes(range(256)) * 4)
    with pytest.raises(
        CorpusError, match=expect(path, "not a readable PDF", "re-export the file as PDF or save it as .txt")
    ):
        read_file(path, LIMIT)


def test_pdf_truncated(tmp_path: Path) -> None:
    whole = write_pdf(tmp_path / "whole.pdf", ["Some text"]).read_bytes()
    path = write(tmp_path, "cut.pdf", whole[: len(whole) // 3])
    with pytest.raises(CorpusError, match=expect(path, "not a readable PDF", "re-export")):
        read_file(path, LIMIT)


# --- DOCX --------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_document_order(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("一、总体要求")
    table = document.add_table(rows=3, cols=3)
    for r in range(3):
        for c in range(3):
            table.cell(r, c).text = f"格{r}{c}"
    table.cell(0, 0).merge(table.cell(0, 1)).text = "横向合并"
    table.cell(1, 2).merge(table.cell(2, 2)).text = "纵向合并"
    table.cell(2, 1).text = ""  # empty cells produce no line
    document.add_paragraph("二、主要任务")
    path = tmp_path / "plan.docx"
    document.save(str(path))

    raw = read_raw(path, LIMIT)
    assert (raw.encoding, raw.source_format) == (EMBEDDED_ENCODING, "docx")
    # One row a line, cells separated by a tab; a cell merged across columns once, a cell
    # merged down rows repeated in each row (every row reads on its own); an empty cell stays a column.
    assert raw.text.split("\n") == [
        "一、总体要求",
        "横向合并\t格02",
        "格10\t格11\t纵向合并",
        "格20\t\t纵向合并",
        "二、主要任务",
    ]


def test_docx_zip_that_is_not_a_docx(tmp_path: Path) -> None:
    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "not a word document")
    with pytest.raises(
        CorpusError, match=expect(path, "not a readable Word .docx file", "save it as .docx (not .doc)")
    ):
        read_file(path, LIMIT)


def test_docx_plain_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, "old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))  # OLE .doc header
    with pytest.raises(CorpusError, match=expect(path, "not a readable Word .docx file", "BadZipFile")):
        read_file(path, LIMIT)


def test_docx_without_text(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "blank.docx"
    docx.Document().save(str(path))
    with pytest.raises(CorpusError, match=expect(path, "document contains no text", "add the document's text")):
        read_file(path, LIMIT)


# --- errors common to all formats ----------------------------------------------


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_empty_file(tmp_path: Path, suffix: str) -> None:
    path = write(tmp_path, f"empty{suffix}", b"")
    with pytest.raises(CorpusError, match=expect(path, "file is empty (0 bytes)", "remove the file from the corpus")):
        read_file(path, LIMIT)


@pytest.mark.parametrize(
    "data",
    [b" \n\t\r\n", " \u3000\n".encode("utf-8"), codecs.BOM_UTF8 + b"\n"],
    ids=["ascii", "ideographic-space", "bom-only"],
)
def test_whitespace_only_file(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "blank.txt", data)
    with pytest.raises(CorpusError, match=expect(path, "only whitespace", "add the document's text")):
        read_file(path, LIMIT)


def test_binary_with_nul_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(CorpusError, match=expect(path, "binary data", "NUL byte at offset 8", "real suffix")):
        read_file(path, LIMIT)


def test_valid_utf8_replacement_characters_are_not_redecoded_as_gb18030(tmp_path: Path) -> None:
    # Found by hypothesis: U+FFFD in UTF-8 (EF BF BD) is also valid GB18030 ("魹ｽ").
    path = write(tmp_path, "fffd.txt", "\ufffd".encode("utf-8"))
    with pytest.raises(CorpusError, match=expect(path, "binary data", "replacement characters as utf-8")):
        read_file(path, LIMIT)


def test_binary_control_characters_without_nul(tmp_path: Path) -> None:
    path = write(tmp_path, "ctl.txt", bytes(range(1, 32)) * 20)
    with pytest.raises(CorpusError, match=expect(path, "binary data", "control", "real suffix")):
        read_file(path, LIMIT)


def test_utf16_with_bom_but_mostly_replacement_characters(tmp_path: Path) -> None:
    path = write(tmp_path, "junk.txt", codecs.BOM_UTF16_LE + "\ufffd\ufffd字".encode("utf-16-le") * 20)
    with pytest.raises(CorpusError, match=expect(path, "binary data", "replacement characters as utf-16-le")):
        read_file(path, LIMIT)


def test_bom_contradicted_by_content(tmp_path: Path) -> None:
    path = write(tmp_path, "liar.txt", codecs.BOM_UTF8 + "正文".encode("utf-8") + b"\xff")
    with pytest.raises(
        CorpusError, match=expect(path, "utf-8-sig byte-order mark but byte 9", "save it as UTF-8")
    ):
        read_file(path, LIMIT)


def test_undecodable_text(tmp_path: Path) -> None:
    path = write(tmp_path, "mystery.txt", bytes(range(0x80, 0x100)) * 3)
    with pytest.raises(CorpusError, match=expect(path, "text encoding not recognised", "save it as UTF-8")):
        read_file(path, LIMIT)


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_file_over_the_limit_is_refused_before_parsing(tmp_path: Path, suffix: str) -> None:
    # Not a valid PDF/DOCX: the size check must come first, so it is the error seen.
    path = write(tmp_path, f"big{suffix}", b"x" * 2_500_001)
    with pytest.raises(
        CorpusError,
        match=expect(path, "2,500,001 bytes", "limit of 1,000,000 bytes", "max_file_mb to at least 3"),
    ):
        read_file(path, LIMIT)


def test_file_exactly_at_the_limit_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "edge.txt", b"a" * 100)
    assert read_file(path, 100) == "a" * 100


@pytest.mark.parametrize(("name", "shown"), [("slides.pptx", "'.pptx'"), ("table.xlsx", "'.xlsx'"), ("README", "no suffix")])
def test_unsupported_suffix(tmp_path: Path, name: str, shown: str) -> None:
    path = write(tmp_path, name, b"whatever")
    with pytest.raises(CorpusError, match=expect(path, shown, ".txt, .md, .pdf, .docx, .doc", "move it out of the corpus")):
        read_file(path, LIMIT)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "gone.txt"
    with pytest.raises(CorpusError, match=expect(path, "does not exist")):
        read_file(path, LIMIT)


def test_non_positive_limit_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, "ok.txt", b"text")
    with pytest.raises(ConfigError, match="max_file_mb"):
        read_file(path, 0)


def test_errors_carry_path_problem_and_fix(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.txt", b"")
    with pytest.raises(CorpusError) as info:
        read_file(path, LIMIT)
    assert info.value.path == str(path)
    assert info.value.problem and info.value.fix
    assert info.value.exit_code == 3


# --- DOCX: zip bombs, numbering, properties -----------------------------------------


def _docx_with_document_xml(path: Path, xml: bytes) -> Path:
    """A real .docx (python-docx) whose word/document.xml is replaced by ``xml``."""
    import docx

    source = path.with_suffix(".src.docx")
    docx.Document().save(str(source))
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, xml if info.filename == "word/document.xml" else src.read(info.filename))
    return path


_BODY = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
         b'<w:p><w:r><w:t>\xe6\xad\xa3\xe6\x96\x87</w:t></w:r></w:p>%s</w:body></w:document>')


def test_docx_bomb_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    # 3 MB of XML whitespace packs into a few KB: over the 1 MB limit once unpacked.
    path = _docx_with_document_xml(tmp_path / "bomb.docx", _BODY % (b" " * 3_000_000))
    assert path.stat().st_size < LIMIT
    with pytest.raises(CorpusError, match=expect(path, "possible zip bomb", "word/document.xml",
                                                 "save it again")):
        read_file(path, LIMIT)


def test_docx_bomb_by_compression_ratio_is_refused_within_the_limit(tmp_path: Path) -> None:
    path = _docx_with_document_xml(tmp_path / "ratio.docx", _BODY % (b" " * 5_000_000))
    with pytest.raises(CorpusError, match=expect(path, "possible zip bomb", "more than 200")):
        read_file(path, 50 * LIMIT)


def test_docx_with_a_broken_image_link_still_reads(tmp_path: Path) -> None:
    # A web page saved as .docx links an image to ../NULL: python-docx refuses such files.
    import docx

    document = docx.Document()
    document.add_paragraph("关于印发健康促进行动方案的通知")
    source = tmp_path / "src.docx"
    document.save(str(source))
    path = tmp_path / "web.docx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/image" '
                                    b'Target="../NULL"/></Relationships>')
            out.writestr(info.filename, data)
    assert read_file(path, LIMIT) == "关于印发健康促进行动方案的通知"


def test_docx_automatic_numbers_and_core_properties(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = "健康促进行动方案"
    document.core_properties.author = "卫生健康委"
    document.add_paragraph("总体要求", style="List Number")
    document.add_paragraph("主要任务", style="List Number")
    path = tmp_path / "numbered.docx"
    document.save(str(path))
    raw = read_raw(path, LIMIT)
    assert raw.text.split("\n") == ["1.总体要求", "2.主要任务"]
    assert raw.paragraph_lines and raw.method == "docx-xml"
    assert raw.properties["title"] == "健康促进行动方案" and raw.properties["author"] == "卫生健康委"


@pytest.mark.parametrize(("value", "fmt", "written"), [
    (1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (12, "chineseCountingThousand", "十二"),
    (20, "chineseCounting", "二十"), (3, "decimalEnclosedCircle", "③"), (4, "upperRoman", "IV"),
    (2, "ideographTraditional", "乙"), (7, "decimal", "7"),
])
def test_word_number_formats(value: int, fmt: str, written: str) -> None:
    from kg.ingest.readers.docx import format_number

    assert format_number(value, fmt) == written


# --- old Word .doc ---------------------------------------------------------------------

DEVCORPUS_DOC = Path(__file__).resolve().parents[2] / "shared" / "devcorpus" / "files" / \
    "11-附件5：《海南省将健康融入所有政策实施方案》政策解读.doc"


def _installed(tool: str) -> bool:
    from kg.ingest.readers.legacy import converters

    return tool in converters()


@pytest.mark.skipif(not DEVCORPUS_DOC.exists(), reason="../shared/devcorpus is not beside the repository")
@pytest.mark.parametrize("tool", ["libreoffice", "antiword", "catdoc"])
def test_devcorpus_doc_through_each_installed_converter(tool: str) -> None:
    from kg.ingest.readers.legacy import read_legacy_word

    if not _installed(tool):
        pytest.skip(f"{tool} is not installed (apt-get install libreoffice-writer-nogui antiword catdoc)")
    raw = read_legacy_word(DEVCORPUS_DOC, DEVCORPUS_DOC.read_bytes(), LIMIT, tools=[tool])
    assert raw.method == tool and raw.source_format == "doc" and raw.paragraph_lines
    assert "政策解读" in raw.text and "健康影响评估" in raw.text
    if tool == "libreoffice":
        assert "一、出台《方案》的重要意义" in raw.text.split("\n")  # Word's automatic numbering kept
    if tool != "catdoc":  # catdoc drops text of fast-saved files (the measured reason it is last)
        assert "全面提高民生保障和社会治理水平" in raw.text


def _libreoffice_from_html(source: Path, target: str, outdir: Path) -> None:
    """Write ``source`` (HTML) as ``target`` (a LibreOffice --convert-to argument) into ``outdir``."""
    import subprocess

    subprocess.run(["soffice", f"-env:UserInstallation=file://{outdir.parent / 'profile'}", "--headless",
                    "--infilter=HTML (StarWriter)", "--convert-to", target, "--outdir", str(outdir), str(source)],
                   check=True, capture_output=True, timeout=180, env={"HOME": str(outdir.parent), "PATH": "/usr/bin:/bin"})


@pytest.mark.skipif(not _installed("libreoffice"), reason="LibreOffice is not installed")
@pytest.mark.parametrize("tool", ["libreoffice", "antiword"])
def test_doc_written_by_libreoffice_reads_tables_as_rows(tmp_path: Path, tool: str) -> None:
    from kg.ingest.readers.legacy import read_legacy_word

    if not _installed(tool):
        pytest.skip(f"{tool} is not installed")
    source = tmp_path / "duties.html"
    source.write_text("<html><body><p>各部门职责清单</p><table border='1'><tr><td>部门</td><td>职责</td></tr>"
                      "<tr><td>卫生健康局</td><td>牵头推进健康促进</td></tr></table></body></html>", encoding="utf-8")
    _libreoffice_from_html(source, "doc:MS Word 97", tmp_path / "out")
    path = tmp_path / "out" / "duties.doc"
    raw = read_legacy_word(path, path.read_bytes(), LIMIT, tools=[tool])
    assert [line for line in raw.text.split("\n") if line] == ["各部门职责清单", "部门\t职责", "卫生健康局\t牵头推进健康促进"]


@pytest.mark.skipif(not _installed("libreoffice"), reason="LibreOffice is not installed")
def test_wps_reads_through_libreoffice_with_its_metadata(tmp_path: Path) -> None:
    """A .wps as LibreOffice writes it: the Word 97 binary that WPS Office's own .wps files use.

    (A Microsoft Works .wps cannot be made offline — no tool here writes one — though LibreOffice
    reads those too, through libwps.)
    """
    from kg.ingest.corpus import load_corpus

    source = tmp_path / "notice.html"
    source.write_text("<html><body><p>某市卫生健康委员会关于印发健康促进行动方案的通知</p><p>某卫发〔2025〕3号</p>"
                      "<p>各县（区）卫生健康局：现将《某市健康促进行动方案》印发给你们，请认真贯彻执行。</p>"
                      "<p>某市卫生健康委员会</p><p>2025年3月6日</p></body></html>", encoding="utf-8")
    _libreoffice_from_html(source, "wps", tmp_path / "corpus")
    path = tmp_path / "corpus" / "notice.wps"
    assert path.read_bytes().startswith(b"\xd0\xcf\x11\xe0")  # an OLE compound file, as WPS Office writes
    raw = read_raw(path, LIMIT)
    assert raw.method == "libreoffice" and raw.source_format == "wps"
    assert "现将《某市健康促进行动方案》印发给你们" in raw.text
    document = load_corpus(tmp_path / "corpus", LIMIT).documents[0]
    meta = document.meta
    assert (meta.title, meta.doc_number, meta.issuer, meta.date, meta.genre) == (
        "某市卫生健康委员会关于印发健康促进行动方案的通知", "某卫发〔2025〕3号", "某市卫生健康委员会", "2025-03-06", "通知")


def test_wps_without_libreoffice_says_to_install_it_or_save_as_docx(tmp_path: Path) -> None:
    from kg.ingest.readers.legacy import read_legacy_word

    path = write(tmp_path, "notice.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    # antiword and catdoc read Word's .doc only: without LibreOffice there is nothing to read a .wps.
    with pytest.raises(CorpusError, match=expect(path, "no converter for .wps files is installed (needs LibreOffice)",
                                                 "apt-get install libreoffice-writer-nogui",
                                                 "save it as .docx")):
        read_legacy_word(path, path.read_bytes(), LIMIT, tools=["antiword", "catdoc"])


@pytest.mark.skipif(not _installed("libreoffice"), reason="LibreOffice is not installed")
def test_broken_wps_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    with pytest.raises(CorpusError, match=expect(path, "not a readable .wps file", "save it as .docx")):
        read_file(path, LIMIT)


def test_doc_without_any_converter_names_the_packages(tmp_path: Path) -> None:
    from kg.ingest.readers.legacy import read_legacy_word

    path = write(tmp_path, "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    with pytest.raises(CorpusError, match=expect(path, "no converter", "apt-get install libreoffice-writer-nogui")):
        read_legacy_word(path, path.read_bytes(), LIMIT, tools=[])


def test_broken_doc_is_a_clear_error(tmp_path: Path) -> None:
    from kg.ingest.readers.legacy import converters

    if not converters():
        pytest.skip("no .doc converter installed")
    path = write(tmp_path, "broken.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    with pytest.raises(CorpusError, match=expect(path, "save it as .docx")):
        read_file(path, LIMIT)


# --- the corpus keeps building around bad files ------------------------------------


def test_bad_and_unsupported_files_are_named_with_the_fix_and_the_rest_builds(tmp_path: Path) -> None:
    from kg.ingest.corpus import load_corpus

    (tmp_path / "good.txt").write_text(POLICY, encoding="utf-8")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "sheet.xlsx").write_bytes(b"whatever")
    _docx_with_document_xml(tmp_path / "bomb.docx", _BODY % (b" " * 3_000_000))
    (tmp_path / "bomb.src.docx").unlink()
    load = load_corpus(tmp_path, LIMIT)
    assert [d.meta.file for d in load.documents] == ["good.txt"]
    reasons = {r.file: r.reason for r in load.rejected}
    assert set(reasons) == {"broken.docx", "sheet.xlsx", "bomb.docx"}
    assert "not a readable Word .docx file" in reasons["broken.docx"] and "save it as .docx" in reasons["broken.docx"]
    assert "unsupported file type .xlsx" in reasons["sheet.xlsx"]
    assert "zip bomb" in reasons["bomb.docx"]


# --- PDF layout, scans and OCR ---------------------------------------------------------

DEVCORPUS_PDF = DEVCORPUS_DOC.parent / "“将健康融入所有政策”的实践经验及启示_方一安.pdf"


def test_pdf_running_heads_and_page_numbers_are_dropped(tmp_path: Path) -> None:
    if not CJK_FONT.exists():
        pytest.skip(f"{CJK_FONT} not found — apt-get install -y fonts-wqy-zenhei")
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", fname=str(CJK_FONT))
    pdf.set_font("cjk", size=12)
    bodies = [f"第{n}项任务：加强基层医疗卫生服务能力建设，推进县域医共体建设。" for n in range(1, 5)]
    for number, body in enumerate(bodies, 1):
        pdf.add_page()
        pdf.set_y(8)
        pdf.cell(0, 6, f"医学与社会 2024年第{number}期")  # running head: the same line on every page but the number
        pdf.set_y(60)
        pdf.multi_cell(0, 8, body)
        pdf.set_y(-14)
        pdf.cell(0, 6, f"· {number} ·", align="C")  # page number in the foot
    path = tmp_path / "journal.pdf"
    pdf.output(str(path))
    raw = read_raw(path, LIMIT)
    assert raw.method == "pdfium" and raw.extraction == "text"
    pages = raw.text.split(PAGE_BREAK)
    assert [page.strip() for page in pages] == bodies


def _scan_of_a_devcorpus_page(tmp_path: Path) -> tuple[Path, str]:
    """Render page 2 of a devcorpus PDF to an image, then wrap the image in an image-only PDF."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(DEVCORPUS_PDF))
    page = document[1]
    reference = page.get_textpage().get_text_bounded()
    image = page.render(scale=200 / 72, grayscale=True).to_pil()
    path = tmp_path / "scan.pdf"
    image.convert("RGB").save(path, "PDF", resolution=200.0)
    document.close()
    return path, reference


def _bigram_recall(reference: str, text: str) -> float:
    import re as _re

    def grams(value: str) -> set[str]:
        chars = "".join(_re.findall(r"[\u4e00-\u9fff]", value))
        return {chars[i:i + 2] for i in range(len(chars) - 1)}

    ref = grams(reference)
    return len(ref & grams(text)) / len(ref)


@pytest.mark.skipif(not DEVCORPUS_PDF.exists(), reason="../shared/devcorpus is not beside the repository")
def test_scanned_pdf_page_is_read_by_ocr_and_marked(tmp_path: Path) -> None:
    import shutil

    if not shutil.which("tesseract"):
        pytest.skip("apt-get install tesseract-ocr tesseract-ocr-chi-sim")
    from kg.ingest.corpus import load_corpus
    from kg.ingest.normalise import normalise

    path, reference = _scan_of_a_devcorpus_page(tmp_path)
    raw = read_raw(path, 50 * LIMIT)
    assert raw.extraction == "ocr" and raw.method == "pdfium+tesseract"
    assert any("OCR" in warning for warning in raw.warnings)
    text = normalise(raw.text)
    assert _bigram_recall(reference, text) >= 0.8  # measured 0.9+ at 200 dpi
    # No letter-spaced run (健 全 健 康) is left; a single space where the page has a gap may stay.
    assert not re.search(r"[\u4e00-\u9fff](?: [\u4e00-\u9fff]){2}", text)
    assert "HiAP" in text and "芬兰" in text  # the page's Latin and Chinese words both come through
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(path, corpus / "scan.pdf")
    load = load_corpus(corpus, 50 * LIMIT)
    [document] = load.documents
    assert document.extraction == "ocr" and document.reader == "pdfium+tesseract"
    assert any("scan.pdf" in w and "OCR" in w for w in load.warnings)
    # The graph says so too: pol:extractionMethod "ocr" on the document.
    from kg.rdf.vocab import POL
    from kg.rdf.write import document_quads

    methods = {q.object.value for q in document_quads(document, [], []) if q.predicate.value == str(POL.extractionMethod)}
    assert methods == {"ocr"}


def test_image_file_is_read_by_ocr(tmp_path: Path) -> None:
    import shutil

    if not shutil.which("tesseract") or not CJK_FONT.exists():
        pytest.skip("needs tesseract-ocr, tesseract-ocr-chi-sim and fonts-wqy-zenhei")
    from PIL import Image, ImageDraw, ImageFont

    lines = ["关于加强基层医疗卫生服务能力建设的通知", "各市卫生健康委员会"]
    image = Image.new("L", (1400, 260), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(CJK_FONT), 56)
    for k, line in enumerate(lines):
        draw.text((40, 40 + k * 100), line, font=font, fill=0)
    path = tmp_path / "notice.png"
    image.save(path)
    raw = read_raw(path, LIMIT)
    assert raw.extraction == "ocr" and raw.source_format == "png"
    from kg.ingest.normalise import normalise

    assert _bigram_recall("".join(lines), normalise(raw.text)) >= 0.8


def test_signature_under_a_red_seal_is_read_by_ocr(tmp_path: Path) -> None:
    import math
    import shutil

    if not shutil.which("tesseract") or not CJK_FONT.exists():
        pytest.skip("needs tesseract-ocr, tesseract-ocr-chi-sim and fonts-wqy-zenhei")
    from PIL import Image, ImageChops, ImageDraw, ImageFont

    from kg.ingest import metadata
    from kg.ingest.normalise import clean_document

    font = ImageFont.truetype(str(CJK_FONT), 44)
    page = Image.new("RGB", (1700, 900), "white")
    draw = ImageDraw.Draw(page)
    for k, line in enumerate(["关于开展健康促进行动的通知", "各县（区）卫生健康局：",
                              "为推进健康中国建设，现就开展健康促进行动通知如下。", "一、提高居民健康素养水平。"]):
        draw.text((140 if k else 420, 40 + k * 90), line, font=font, fill="black")
    draw.text((1050, 560), "某市卫生健康委员会", font=font, fill="black")
    draw.text((1050, 650), "2025年3月6日", font=font, fill="black")
    # The seal: a red ring, its body's name round the top and a star, stamped over the signature
    # (ink darkens what is under it: multiplied, not painted over).
    seal = Image.new("RGB", page.size, "white")
    ink = ImageDraw.Draw(seal)
    x, y, r = 1180, 660, 170
    ink.ellipse((x - r, y - r, x + r, y + r), outline=(220, 30, 30), width=10)
    for k, ch in enumerate("某市卫生健康委员会"):
        angle = math.radians(200 + k * 17.5)
        glyph = Image.new("RGBA", (60, 60))
        ImageDraw.Draw(glyph).text((8, 4), ch, font=font, fill=(220, 30, 30))
        glyph = glyph.rotate(-math.degrees(angle) - 90)
        seal.paste(glyph, (int(x + (r - 45) * math.cos(angle)) - 30, int(y + (r - 45) * math.sin(angle)) - 30), glyph)
    ink.text((x - 40, y - 40), "★", font=ImageFont.truetype(str(CJK_FONT), 80), fill=(220, 30, 30))
    path = tmp_path / "stamped.png"
    ImageChops.multiply(page, seal).save(path)
    raw = read_raw(path, LIMIT)
    found = metadata.infer(path, clean_document(raw.text, chrome=True))
    # Read in grey, the seal hid the whole signature block from Tesseract (no issuer, no date).
    assert (found.value("issuer"), found.value("date")) == ("某市卫生健康委员会", "2025-03-06")
    assert found.value("title") == "关于开展健康促进行动的通知"


def test_html_main_text_without_chrome(tmp_path: Path) -> None:
    from kg.ingest.normalise import clean_document

    paragraphs = ["各市卫生健康委：为加强基层医疗卫生服务能力，推进县域医共体建设，现将有关事项通知如下。",
                  "一、加强县域医共体建设，到2025年实现紧密型县域医共体全覆盖，提升基层首诊率，让群众就近获得优质服务。",
                  "二、提升乡镇卫生院和社区卫生服务中心服务能力，完善设备配置，加强人才队伍建设，提高常见病诊治水平。",
                  "三、强化家庭医生签约服务，扩大签约覆盖面，做实做细履约服务，提升群众获得感和满意度。"]
    page = ("<html><head><meta charset='gb2312'><title>关于加强基层医疗卫生服务能力建设的通知</title></head><body>"
            "<div class='nav'><a href='/'>首页</a> &gt; <a href='/x'>政府信息公开</a> &gt; <a href='/y'>通知公告</a></div>"
            "<ul class='menu'><li><a href='/a'>首页</a></li><li><a href='/b'>机构</a></li><li><a href='/c'>政务公开</a>"
            "</li></ul><div class='article'><h1>关于加强基层医疗卫生服务能力建设的通知</h1>"
            + "".join(f"<p>{p}</p>" for p in paragraphs)
            + "<table><tr><td>部门</td><td>职责</td></tr><tr><td>卫生健康委</td><td>牵头推进</td></tr></table>"
            "</div><div class='footer'>版权所有：某省卫生健康委员会 网站标识码 4500000001</div></body></html>")
    path = tmp_path / "notice.htm"
    path.write_bytes(page.encode("gb18030"))
    raw = read_raw(path, LIMIT)
    assert raw.method == "trafilatura" and raw.paragraph_lines
    assert raw.properties["title"] == "关于加强基层医疗卫生服务能力建设的通知"
    lines = clean_document(raw.text, paragraph_lines=True, chrome=True).text.split("\n")
    assert lines == ["关于加强基层医疗卫生服务能力建设的通知", *paragraphs, "部门\t职责", "卫生健康委\t牵头推进"]


@pytest.mark.parametrize(("title", "site", "kept"), [
    ("关于健全健康优先发展机制的意见_江西省人民政府", "", "关于健全健康优先发展机制的意见"),
    ("重庆云阳：把健康融入所有政策 - 中新网", "中新网", "重庆云阳：把健康融入所有政策"),
    ("健康广西建设工作要点", "", "健康广西建设工作要点"),
])
def test_html_title_loses_the_site_name(title: str, site: str, kept: str) -> None:
    from kg.ingest.readers.html import _page_title

    assert _page_title(title, site) == kept


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("antiword")), reason="needs LibreOffice and antiword")
def test_doc_ending_in_a_table_keeps_its_rows(tmp_path: Path) -> None:
    # LibreOffice's .doc import runs a table that ends the file into one paragraph; antiword's rows restore it.
    import docx as python_docx
    from kg.ingest.readers import read_raw

    document = python_docx.Document()
    for n in range(40):  # antiword refuses a very small text stream
        document.add_paragraph(f"{n + 1}. 各单位要加强组织领导，明确责任分工，确保各项任务按时完成。")
    document.add_paragraph("部门职责分工表")
    rows = [["部门", "职责"], ["县财政局", "保障项目资金"], ["县人社局", "落实人员编制"]]
    table = document.add_table(rows=3, cols=2)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            table.cell(i, j).text = cell
    document.save(str(tmp_path / "duty.docx"))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/p", "--headless", "--convert-to", "doc",
                    "--outdir", str(tmp_path), str(tmp_path / "duty.docx")], check=True, capture_output=True)
    raw = read_raw(tmp_path / "duty.doc", 10_000_000)
    assert "\t".join(rows[1]) in raw.text.split("\n")
    assert "\t".join(rows[0]) in raw.text.split("\n")


def test_html_page_date_only_from_its_markup(tmp_path: Path) -> None:
    # No date in the page's markup, a month in its table: no date is guessed for the page.
    body = ("<p>某县基层医疗卫生服务能力提升实施方案</p><p>为进一步提升基层医疗卫生服务能力，制定本方案。</p>"
            "<table border=1><tr><td>部门</td><td>完成时限</td></tr><tr><td>县卫生健康局</td><td>2026年6月</td></tr></table>")
    bare = write(tmp_path, "plan.htm", f"<html><head><title>方案</title></head><body>{body}</body></html>".encode("utf-8"))
    assert "published" not in read_raw(bare, LIMIT).properties
    dated = write(tmp_path, "dated.htm", ("<html><head><meta name='PubDate' content='2026-03-18 10:00'><title>方案</title>"
                                          f"</head><body>{body}</body></html>").encode("utf-8"))
    assert read_raw(dated, LIMIT).properties["published"] == "2026-03-18"
