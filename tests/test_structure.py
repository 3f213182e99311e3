"""Sections from the plan's real headings, 专栏 boxes, the indicator table, and passages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.ingest.corpus import load_corpus
from kg.ingest.passages import split_passages
from kg.records import Document, DocumentMeta, Section
from kg.ingest.sections import parse_heading, split_sections
from tests.helpers import CORPUS

GOLD = Path(__file__).parent / "data" / "gold"


@pytest.fixture(scope="module")
def corpus() -> list[tuple[Document, list[Section]]]:
    load = load_corpus(CORPUS, 50 << 20)
    return [(doc, split_sections(doc)) for doc in load.documents]


@pytest.fixture(scope="module")
def plan(corpus: list[tuple[Document, list[Section]]]) -> tuple[Document, list[Section]]:
    return next(item for item in corpus if item[0].meta.kind == "plan")


@pytest.mark.parametrize(("line", "rank", "number", "title"), [
    ("一、推进健康广西建设，奋进全民健康新征程", 2, "一、", "推进健康广西建设，奋进全民健康新征程"),
    ("十一、落实健康优先发展，强化规划组织实施", 2, "十一、", "落实健康优先发展，强化规划组织实施"),
    ("（一）发展基础。", 3, "（一）", "发展基础"),
    ("1．健康促进与健康教育。加强健康科普资源库建设。", 4, "1．", "健康促进与健康教育"),
    ("（2）完善监测网络", 5, "（2）", "完善监测网络"),
    ("第三章 主要任务", 1, "第三章", "主要任务"),
    ("专栏6优质高效医疗卫生服务体系建设", 3.5, "专栏6", "优质高效医疗卫生服务体系建设"),
])
def test_parse_heading(line: str, rank: float, number: str, title: str) -> None:
    heading = parse_heading(line)
    assert heading is not None
    assert (heading.rank, heading.number, heading.title) == (rank, number, title)


@pytest.mark.parametrize("line", ["一、二级医院全部达标。", "2.5万个托位已经建成。", "健康是促进人的全面发展的必然要求。"])
def test_body_text_is_not_a_heading(line: str) -> None:
    assert parse_heading(line) is None


def test_plan_chapters(plan: tuple[Document, list[Section]]) -> None:
    _, sections = plan
    chapters = [s for s in sections if s.level == 1 and s.kind == "heading"]
    assert [s.number for s in chapters] == ["一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、", "九、",
                                            "十、", "十一、"]
    assert chapters[0].title == "推进健康广西建设，奋进全民健康新征程"


def test_plan_boxes_and_items_match_gold(plan: tuple[Document, list[Section]]) -> None:
    _, sections = plan
    gold = json.loads((GOLD / "special_columns.json").read_text(encoding="utf-8"))
    boxes = [s for s in sections if s.kind == "box"]
    assert [b.ordinal for b in boxes] == [g["number"] for g in gold]
    assert [b.title for b in boxes] == [g["title"] for g in gold]
    for box, gold_box in zip(boxes, gold):
        items = [s for s in sections if s.parent_id == box.id and s.kind == "box_item"]
        assert [i.ordinal for i in items] == [g["ordinal"] for g in gold_box["items"]], box.title
    assert sum(1 for s in sections if s.kind == "box_item") == 61


def test_plan_table_is_one_section_with_25_row_passages(plan: tuple[Document, list[Section]]) -> None:
    document, sections = plan
    tables = [s for s in sections if s.kind == "table"]
    assert len(tables) == 1
    assert tables[0].title == "广西卫生健康发展“十四五”时期主要指标"
    rows = [p for p in split_passages(document, sections) if p.kind == "table_row"]
    assert len(rows) == 25
    assert rows[13].text.startswith("14 每万人口全科医生数")


def test_every_passage_is_its_document_slice(corpus: list[tuple[Document, list[Section]]]) -> None:
    total = 0
    for document, sections in corpus:
        for passage in split_passages(document, sections):
            assert document.text[passage.start:passage.end] == passage.text
            assert passage.text.strip() == passage.text
            total += 1
    assert total > 300


def test_passages_stay_within_one_section_and_size(corpus: list[tuple[Document, list[Section]]]) -> None:
    for document, sections in corpus:
        by_id = {s.id: s for s in sections}
        for passage in split_passages(document, sections):
            section = by_id[passage.section_id]
            assert section.start <= passage.start and passage.end <= section.end
            if passage.kind in ("text", "box_item"):
                assert len(passage.text) <= 360


def test_passage_ids_are_stable(corpus: list[tuple[Document, list[Section]]]) -> None:
    document, sections = corpus[0]
    first = [p.id for p in split_passages(document, sections)]
    second = [p.id for p in split_passages(document, split_sections(document))]
    assert first == second and len(set(first)) == len(first)


def test_generic_notice_from_another_province() -> None:
    text = "\n".join([
        "浙江省卫生健康委关于推进基层卫生健康综合改革的通知",
        "各市卫生健康委：",
        "为深化改革，现就有关事项通知如下。",
        "一、总体要求",
        "以习近平新时代中国特色社会主义思想为指导，推进基层卫生健康高质量发展。",
        "二、重点任务",
        "（一）加强县域医共体建设。",
        "完善县域医共体治理结构，推进人员、财务、药品统一管理。",
        "专栏1 基层能力提升工程",
        "1．乡镇卫生院提标工程。到2027年，80%以上的乡镇卫生院达到服务能力推荐标准。",
        "2．村卫生室规范化建设。每个行政村设置1所村卫生室。",
        "（二）强化人才支撑。",
        "牵头单位：省卫生健康委、省人力社保厅。",
    ])
    document = Document(DocumentMeta("zj", "zj.txt", "通知", "", "2025-01-01", "news"), text, "x", "utf-8", "txt")
    sections = split_sections(document)
    titles = [(s.kind, s.title) for s in sections]
    assert ("heading", "总体要求") in titles and ("heading", "加强县域医共体建设") in titles
    assert ("box", "基层能力提升工程") in titles
    items = [s.title for s in sections if s.kind == "box_item"]
    assert items == ["乡镇卫生院提标工程", "村卫生室规范化建设"]
    talent = next(s for s in sections if s.title == "强化人才支撑")
    assert talent.path[-2] == "重点任务"  # the box closed at the next （二） heading


def test_delimited_table_is_a_section_of_its_own_with_one_passage_a_row() -> None:
    from kg.ingest.passages import split_passages

    text = "\n".join([
        "一、工作内容",
        "1.建立工作机制。各部门按职责分工负责。",
        "各部门政策制定重点领域",
        "部门\t政策制定重点领域\t对应的健康因素",
        "卫生健康局\t加强健康促进与健康教育。\t健康促进、健康素养",
        "教育局\t提高学生健康素养和身心素质。\t健康素养、健康环境",
        "二、保障措施",
    ])
    document = Document(DocumentMeta("t", "t.docx", "方案", "", "2025-01-01", "plan"), text, "x", "embedded", "docx")
    sections = split_sections(document)
    [table] = [s for s in sections if s.kind == "table"]
    parent = next(s for s in sections if s.id == table.parent_id)
    assert parent.title == "工作内容"  # not the 1． item before it
    assert table.title == "各部门政策制定重点领域"
    item = next(s for s in sections if s.number == "1.")
    assert item.end <= table.start
    passages = [p for p in split_passages(document, sections) if p.section_id == table.id]
    assert [p.kind for p in passages] == ["table_header", "table_row", "table_row"]
    assert passages[1].text == "卫生健康局\t加强健康促进与健康教育。\t健康促进、健康素养"
    assert passages[1].section_path[-1] == "部门 | 政策制定重点领域 | 对应的健康因素"
    assert all(text[p.start:p.end] == p.text for p in passages)


def test_notice_with_embedded_plan_and_attachments_becomes_parts_in_order() -> None:
    text = "\n".join([
        "关于印发健康促进行动方案的通知",
        "各乡镇人民政府：现将《健康促进行动方案》印发给你们，请认真贯彻执行。",
        "某县人民政府办公室",
        "2025年4月3日",
        "某县健康促进行动方案",
        "一、总体要求",
        "坚持预防为主。",
        "二、主要任务",
        "加强健康教育。",
        "附件：1.各部门职责清单",
        "2.专家委员会名单",
        "附件1",
        "各部门职责清单",
        "部门\t职责",
        "卫生健康局\t牵头推进",
        "附件2：专家委员会名单",
        "主任：张三",
    ])
    document = Document(DocumentMeta("n", "n.docx", "通知", "", "2025-04-03", "plan"), text, "x", "embedded", "docx")
    sections = split_sections(document)
    parts = [(s.kind, s.number, s.title) for s in sections if s.level == 1]
    assert parts == [("part", "", "某县健康促进行动方案"), ("attachments", "附件", "附件"),
                     ("attachment", "附件1", "各部门职责清单"), ("attachment", "附件2", "专家委员会名单")]
    plan = next(s for s in sections if s.kind == "part")
    headings = [s.title for s in sections if s.parent_id == plan.id]
    assert headings == ["总体要求", "主要任务"]
    first = next(s for s in sections if s.number == "附件1")
    assert any(s.kind == "table" and s.parent_id == first.id for s in sections)
    # A plain-text file keeps the structure it was written with.
    plain = Document(DocumentMeta("p", "p.txt", "通知", "", "2025-04-03", "plan"), text, "x", "utf-8", "txt")
    assert not any(s.kind in ("part", "attachment", "attachments") for s in split_sections(plain))


def test_markdown_headings_and_pipe_table_become_sections_and_rows(tmp_path: Path) -> None:
    from kg.ingest.offsets import source_map

    source = "\n".join([
        "# 某县2026年卫生健康工作要点", "", "## 一、深化医药卫生体制改革", "",
        "1. 推进紧密型县域医共体建设。", "2. 完善**分级诊疗**制度，详见[工作方案](https://example.org/plan)。", "",
        "## 二、重点任务分工", "", "| 任务 | 牵头单位 | 配合单位 |", "|---|:---:|---|",
        "| 医共体建设 | 县卫生健康局 | 县财政局 |", "| 医保支付改革 | 县医保局 | 县卫生健康局 |", "",
        "某县卫生健康局", "2026年1月5日", ""])
    (tmp_path / "points.md").write_text(source, encoding="utf-8")
    document = load_corpus(tmp_path, 10_000_000).documents[0]
    assert "#" not in document.text and "|" not in document.text and "**" not in document.text
    assert document.meta.title == "某县2026年卫生健康工作要点"
    assert (document.meta.issuer, document.meta.date) == ("某县卫生健康局", "2026-01-05")
    sections = split_sections(document)
    chapters = [s.title for s in sections if s.kind == "heading" and s.level == 1]
    assert chapters == ["深化医药卫生体制改革", "重点任务分工"]
    [table] = [s for s in sections if s.kind == "table"]
    assert next(s for s in sections if s.id == table.parent_id).title == "重点任务分工"
    passages = [p for p in split_passages(document, sections) if p.section_id == table.id]
    assert [p.kind for p in passages] == ["table_header", "table_row", "table_row"]
    assert passages[1].text == "医共体建设\t县卫生健康局\t县财政局"
    assert "完善分级诊疗制度，详见工作方案。" in document.text
    # Each row still points at its line of the file.
    mapping = source_map(tmp_path / "points.md", document.text, 10_000_000)
    start, end = mapping.to_source(passages[2].start, passages[2].end)
    assert source[start:end] == "医保支付改革 | 县医保局 | 县卫生健康局"


def _duty_table_docx(path: Path) -> Path:
    """A real .docx with a duty table whose header takes two rows: 责任单位 over 牵头单位 and 配合单位."""
    import docx

    document = docx.Document()
    document.add_paragraph("漾濞县健康促进工作方案")
    document.add_paragraph("一、职责分工")
    rows = [["序号", "重点任务", "责任单位", ""], ["", "", "牵头单位", "配合单位"],
            ["1", "负责健康教育进学校，开展健康促进学校建设。", "漾濞县教育局", "漾濞县卫生健康局"],
            ["2", "负责全县健康步道建设。", "漾濞县住房和城乡建设局", "漾濞县体育局"]]
    table = document.add_table(rows=4, cols=4)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            table.cell(i, j).text = cell
    table.cell(0, 2).merge(table.cell(0, 3)).text = "责任单位"
    table.cell(0, 0).merge(table.cell(1, 0))
    table.cell(0, 1).merge(table.cell(1, 1))
    document.add_paragraph("二、保障措施")
    document.add_paragraph("各单位要加强组织领导。")
    document.save(str(path))
    return path


def test_a_table_row_is_read_with_its_two_row_header(tmp_path: Path) -> None:
    from kg.build.pipeline import passage_context
    from kg.extract.context import DocContext
    from kg.extract.entities import find_in_document
    from kg.extract.responsibilities import find_tasks
    from kg.ingest.passages import row_cells

    _duty_table_docx(tmp_path / "plan.docx")
    document = load_corpus(tmp_path, 10_000_000).documents[0]
    sections = split_sections(document)
    [table] = [s for s in sections if s.kind == "table"]
    passages = split_passages(document, sections)
    rows = [p for p in passages if p.section_id == table.id]
    # Both header rows are the header; the data rows carry every column's label, the merged one joined.
    assert [p.kind for p in rows] == ["table_header", "table_header", "table_row", "table_row"]
    assert rows[2].section_path[-1] == "序号 | 重点任务 | 责任单位·牵头单位 | 配合单位"
    assert rows[2].text == document.text[rows[2].start:rows[2].end]
    # Searchable by a column's name: what the retrievers see frames the row with the labels.
    assert "配合单位" in passage_context(rows[3]) and "牵头单位" in passage_context(rows[3])
    # Each cell read with its label, at its own offsets.
    cells = [(c.label, document.text[c.start:c.end]) for c in row_cells(document.text, table, rows[3])]
    assert cells == [("序号", "2"), ("重点任务", "负责全县健康步道建设。"),
                     ("责任单位·牵头单位", "漾濞县住房和城乡建设局"), ("配合单位", "漾濞县体育局")]
    # The duty-table extractor reads the same rows: lead and co units from their columns.
    ctx = DocContext.build(document, sections, passages)
    tasks = {t.label: [(role, ref[1]) for role, ref in t.links] for t in find_tasks(ctx, find_in_document(ctx).named)}
    assert tasks["负责全县健康步道建设"] == [("leadUnit", "漾濞彝族自治县住房和城乡建设局"),
                                            ("coUnit", "漾濞彝族自治县体育局")]


def test_a_first_data_row_of_short_cells_is_no_header() -> None:
    from kg.ingest.passages import header_rows

    # Short cells, but no label repeated from the row above and no more cells than it: data.
    assert header_rows(["部门\t重点领域\t健康因素", "卫生健康局\t健康促进\t健康素养"]) == 1
    assert header_rows(["序号\t指标\t目标值", "序号\t指标\t2025年\t2030年", "1\t人均预期寿命\t78\t79"]) == 2
