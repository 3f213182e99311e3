"""Normalisation: wrapped lines joined, tables kept, characters unified, idempotent."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.ingest.normalise import normalise, unify_characters
from tests.helpers import CORPUS

PLAN = CORPUS / "gx-health-14th-five-year-plan-2022.txt"


def wrapped(paragraph: str, width: int) -> str:
    """``paragraph`` hard-wrapped at ``width`` characters with blank lines between lines, as PDF export does."""
    return "\n\n".join(paragraph[i:i + width] for i in range(0, len(paragraph), width))


def test_joins_lines_broken_mid_word_and_mid_number() -> None:
    body = "到2025年，居民健康素养水平达到25%，每千人口执业（助理）医师数达到3人，基本公共卫生服务均等化水平明显提高。"
    text = "\n".join([wrapped(body * 3, 17)] * 3)
    out = normalise(text)
    assert "居民健康素养" in out and "2025年" in out
    assert out.count("\n") == 2  # three paragraphs, each joined back into one line


def test_real_plan_lines_are_rejoined() -> None:
    out = normalise(PLAN.read_text(encoding="utf-8"))
    assert "居民健康素养水平" in out
    assert "到2025年" in out
    assert "\n\n" not in out


def test_unifies_full_width_digits_and_letters_but_keeps_chinese_punctuation() -> None:
    assert unify_characters("２０２５年ＤＲＧ付费（试点）：１００％") == "2025年DRG付费（试点）：100％"


def test_removes_spaces_between_chinese_and_numbers() -> None:
    assert normalise("人均预期寿命提高到 78.06 岁。") == "人均预期寿命提高到78.06岁。"


def test_drops_page_numbers_at_page_breaks() -> None:
    page = "卫生健康事业发展取得显著成效，人民群众健康水平持续提升。"
    out = normalise(f"{page}\n- 3 -\n\f\n{page}\n4")
    assert "3" not in out and "4" not in out
    assert out.count(page) == 2


def test_keeps_table_cells_one_per_line() -> None:
    text = PLAN.read_text(encoding="utf-8")
    out = normalise(text)
    assert "\n健\n康\n水\n平\n" in out
    assert "\n14 每万人口全科医生数 人 2.62 4 约束性\n" in out


def test_idempotent_on_every_corpus_document() -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        once = normalise(path.read_text(encoding="utf-8"))
        assert normalise(once) == once, path.name


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("健康广西规划目标２０25年，。；：\n\f 　（）一、1．专栏%")), max_size=300))
def test_normalise_never_fails_and_has_no_blank_lines(text: str) -> None:
    out = normalise(text)
    assert "\n\n" not in out
    assert "\f" not in out
    assert not out.startswith("\n")


def test_letter_spaced_chinese_is_closed_up_but_word_spacing_is_kept() -> None:
    from kg.ingest.normalise import close_letter_spacing

    assert close_letter_spacing("（ 一 ） 健 全 健 康 优 先 发 展 机 制 。") == "（一）健全健康优先发展机制。"
    assert close_letter_spacing("新时代 新征程 新伟业") == "新时代 新征程 新伟业"
    assert normalise("保 留 部 分 版 权 。本 作 品 可 根 据 CC BY 获 得 。") == "保留部分版权。本作品可根据CC BY获得。"


def test_table_rows_keep_their_tab_separated_cells_and_are_never_joined() -> None:
    text = "各部门职责如下：\n部门\t职责\n卫生健康局\t牵头 推进 2025 年工作\n\t配合\n二、保障措施"
    out = normalise(text, paragraph_lines=True)
    assert out.split("\n") == ["各部门职责如下：", "部门\t职责", "卫生健康局\t牵头 推进2025年工作", "\t配合",
                               "二、保障措施"]
    assert normalise(out, paragraph_lines=True) == out


def test_paragraph_lines_are_kept_but_a_title_broken_inside_quotes_is_rejoined() -> None:
    text = "关于《阜新蒙古族自治县“将健康融入所有政策”\n工作指导方案》的通知\n各乡镇人民政府：\n现将方案印发给你们"
    assert normalise(text, paragraph_lines=True).split("\n") == [
        "关于《阜新蒙古族自治县“将健康融入所有政策”工作指导方案》的通知", "各乡镇人民政府：", "现将方案印发给你们"]


def test_web_chrome_and_residue_are_dropped_from_extracted_text() -> None:
    from kg.ingest.normalise import clean_document

    page = "\n".join([
        "关怀版 繁EN 用户空间 政务邮箱", "请输入您要搜索的关键字", "首页 > 政府信息公开目录 > 通知公告",
        "关于加强基层医疗卫生服务能力建设的通知",
        "日期：2025-04-03 浏览量：1283 来源：省卫生健康委 文字大小： 大 中 小",
        "各市卫生健康委：为加强基层医疗卫生服务能力，现通知如下。",
        "一、加强县域医共体建设。南海网记者 李昊 摄",
        "访问量：687", "原标题：关于加强基层医疗卫生服务能力建设的通知", "来源：南海网", "责任编辑：张三",
        "免责声明：本内容来自平台创作者，不代表本站观点。", "返回搜狐，查看更多",
    ])
    cleaned = clean_document(page, paragraph_lines=True, chrome=True)
    # The credits (来源：…) are kept out of the chrome, at the end; the rest of their lines is dropped.
    assert cleaned.text.split("\n") == [
        "关于加强基层医疗卫生服务能力建设的通知",
        "各市卫生健康委：为加强基层医疗卫生服务能力，现通知如下。",
        "一、加强县域医共体建设。",
        "来源：省卫生健康委",
        "来源：南海网",
    ]
    assert "责任编辑：张三" in cleaned.dropped and "日期：2025-04-03浏览量：1283文字大小：大中小" in cleaned.dropped
    # Spans of the text before chrome removal map onto the cleaned text, dropped lines onto nothing.
    title = cleaned.full.index("关于加强")
    assert cleaned.to_text(title, title + 4) == (0, 4)
    editor = cleaned.full.index("责任编辑：张三")
    assert cleaned.to_text(editor, editor + 4) is None
    source = cleaned.full.index("来源：南海网")
    assert cleaned.text[slice(*cleaned.to_text(source, source + 6))] == "来源：南海网"
    again = clean_document(cleaned.text, paragraph_lines=True, chrome=True)
    assert again.text == cleaned.text


def test_plain_text_files_keep_their_lines() -> None:
    from kg.ingest.normalise import clean_document

    text = "全区逾九成基层医疗机构服务能力达国标\n责任编辑：张玉军"
    assert clean_document(text).text == text
    glued = "试点覆盖全县16万居民。（龚晓红）来源：新华社返回搜狐，查看更多责任编辑："
    assert clean_document(glued).text == "试点覆盖全县16万居民。（龚晓红）来源：新华社"


def _readable(text: str) -> str:
    """Text as a reader compares it: blanks and line breaks gone, character forms unified."""
    return "".join(unify_characters(text).split())


def test_passage_offsets_map_back_to_the_plain_text_file(tmp_path: Path) -> None:
    from kg.ingest.corpus import load_corpus
    from kg.ingest.offsets import source_map
    from kg.ingest.passages import split_passages
    from kg.ingest.sections import split_sections

    paragraph = ("到２０２５年，全市居民健康素养水平达到３０％，每千人口执业（助理）医师数达到３．２人，"
                 "基本公共卫生服务均等化水平明显提高，群众看病就医更加方便。")
    source = ("某市“十四五”卫生健康规划\n\n"
              "（ 一 ） 健 全 健 康 优 先 发 展 机 制\n\n"
              + wrapped(paragraph * 3, 19) + "\n\n- 12 -\n\f"
              + "12个县区全部建成紧密型县域医共体，县域内就诊率达到90%。返回搜狐，查看更多\n")
    (tmp_path / "plan.txt").write_text(source, encoding="utf-8")
    document = load_corpus(tmp_path, 10_000_000).documents[0]
    assert "（一）健全健康优先发展机制" in document.text and "返回搜狐" not in document.text
    mapping = source_map(tmp_path / "plan.txt", document.text, 10_000_000)
    passages = split_passages(document, split_sections(document))
    assert len(passages) >= 2 and "素养水平达到30％" in document.text  # the wrapped lines are joined
    for passage in passages:
        start, end = mapping.to_source(passage.start, passage.end)
        # The span read in the file is the passage, with the page number it spans (- 12 -) in it.
        assert _readable(source[start:end]).replace("-12-", "") == _readable(passage.text)
    # The 12 that opens the last paragraph is the one in the file, not the page number above it.
    county = document.text.index("12个县区")
    start, end = mapping.to_source(county, county + 5)
    assert source[start:end] == "12个县区"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["健康", "优先", "２０２５", "年", "，", "。", " ", "\n", "\n\n", "- 3 -", "\f",
                                 "12", "（ 一 ）", "养 老 服 务 体 系", "\u200b", "ab", "\t"]), max_size=60))
def test_every_normalised_character_maps_to_the_same_character_in_the_source(pieces: list[str]) -> None:
    from kg.ingest.normalise import clean_document
    from kg.ingest.offsets import align

    source = "".join(pieces)
    text = clean_document(source).text
    mapping = align(source, text)
    previous = 0
    for k, ch in enumerate(text):
        start, end = mapping.to_source(k, k + 1)
        assert start >= previous
        previous = start
        if not ch.isspace():
            assert unify_characters(source[start:end]) == ch


def test_source_offsets_are_refused_for_a_file_with_no_text_of_its_own(tmp_path: Path) -> None:
    import pytest

    from kg.errors import CorpusError
    from kg.ingest.offsets import source_map

    with pytest.raises(CorpusError, match=r"source offsets exist only for plain-text files \(.txt, .md\), not .pdf"):
        source_map(tmp_path / "plan.pdf", "某市卫生健康规划", 10_000_000)


def test_site_menu_footer_links_and_print_buttons_are_dropped() -> None:
    from kg.ingest.normalise import clean_document

    page = "\n".join([
        "首页 政务公开 政务服务 互动交流 走进某县",
        "关于某县医疗保障待遇调整方案的政策解读",
        "一、门诊报销比例由50%提高到60%。",
        "【打印本页】【关闭窗口】",
        "联系电话：0791-1234567 | 网站地图 | 联系我们",
    ])
    cleaned = clean_document(page, paragraph_lines=True, chrome=True)
    assert cleaned.text.split("\n") == ["关于某县医疗保障待遇调整方案的政策解读", "一、门诊报销比例由50%提高到60%。"]
    # A body sentence that merely mentions a menu word is kept.
    body = "请联系我们的政务服务窗口办理。"
    assert clean_document(body, paragraph_lines=True, chrome=True).text == body


def test_typed_member_list_of_a_gbk_text_keeps_its_lines(tmp_path: Path) -> None:
    from kg.ingest import metadata as inference
    from kg.ingest.normalise import clean_document
    from kg.ingest.readers import read_raw

    lines = ["某县人民政府办公室关于成立县医改工作领导小组的通知", "某政办字〔2026〕8号", "各乡镇人民政府，县政府各部门：",
             "经县政府研究，决定成立县医改工作领导小组，组成人员如下：", "组  长：张建国 县政府县长",
             "副组长：杨 阳 县政府副县长", "成  员：陈 浩 县财政局局长", "        刘志强 县卫生健康局局长",
             "        白 蕊 县医保局局长", "领导小组办公室设在县卫生健康局。", "某县人民政府办公室", "2026年2月10日"]
    path = tmp_path / "group.txt"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    raw = read_raw(path, 10_000_000)
    assert raw.encoding == "gb18030"
    cleaned = clean_document(raw.text, paragraph_lines=raw.paragraph_lines, chrome=False)
    out = cleaned.text.split("\n")
    # Not hard-wrapped: the title, the 文号, the addressee, the lead-in and each member row stay lines.
    assert out[:4] == lines[:4]
    assert out[4:9] == ["组 长：张建国 县政府县长", "副组长：杨 阳 县政府副县长", "成 员：陈 浩 县财政局局长",
                        "刘志强 县卫生健康局局长", "白 蕊 县医保局局长"]
    assert normalise(cleaned.text) == cleaned.text
    found = inference.infer(path, cleaned, raw.properties)
    assert found.value("title") == lines[0] and found.value("doc_number") == "某政办字〔2026〕8号"
    assert found.value("genre") == "通知"


def test_a_credit_line_is_not_glued_onto_the_last_heading() -> None:
    # A page printed in narrow columns: the heading is as short as a wrapped line, and the credit
    # ([credit] in kg/data/web_residue.txt) is itself wrapped.
    column = "2024年，某省卫生健\n康委坚持以高质量党\n建引领高质量发展，\n全省卫生健康事业取\n得新成效，群众获得\n感明显增强。\n\n"
    out = normalise(column + "推动深化医改见成效\n\n本版文图由某省卫生\n健康委提供\n").split("\n")
    assert out[-2:] == ["推动深化医改见成效", "本版文图由某省卫生健康委提供"]
    assert normalise("\n".join(out)) == "\n".join(out)


def test_padded_names_are_closed_only_in_a_byline_or_credit(tmp_path: Path) -> None:
    from kg.ingest.corpus import load_corpus

    lines = ["某县召开卫生健康工作会议", "会议部署了下半年的重点工作，要求各地压实责任。", "（记者 李华 通讯员 王 敏）",
             "编辑 张 喆", "( 收稿日期2024-03-15; 编辑 宋 芳)", "副组长：杨 阳 县政府副县长", "新时代 新征程 新伟业"]
    (tmp_path / "news.txt").write_text("\n".join(lines), encoding="utf-8")
    text = load_corpus(tmp_path, 10_000_000).documents[0].text.split("\n")
    # Two one-character names in a row after a role word ([byline] in kg/data/web_residue.txt) are one name.
    assert text[2:5] == ["（记者 李华 通讯员 王敏）", "编辑 张喆", "( 收稿日期2024-03-15; 编辑 宋芳)"]
    # Outside a byline, spaced text is left as written: a member list, a title's word spacing.
    assert text[5:] == lines[5:]
    assert normalise("\n".join(text)) == "\n".join(text)


def test_credit_lines_are_kept_as_a_closing_part_and_reach_the_extractor(tmp_path: Path) -> None:
    import docx

    from kg.extract.context import DocContext
    from kg.extract.institution_sources import find_institutions
    from kg.ingest.corpus import load_corpus
    from kg.ingest.passages import split_passages
    from kg.ingest.sections import split_sections

    page = docx.Document()
    for line in ["漾濞县推进健康县区建设", "2025-03-02 09:30发布于云南漾濞县卫生健康局官方账号", "+关注",
                 "近日，漾濞县召开健康县区建设推进会，部署下一阶段健康促进重点工作。",
                 "供 稿 | 苍山日报记者 李华", "编 辑 | 王强 排 版 | 赵敏签 发 | 刘洋主 办 | 漾濞县融媒体中心",
                 "访问量：687", "责任编辑：张三", "返回搜狐，查看更多"]:
        page.add_paragraph(line)
    page.save(str(tmp_path / "news.docx"))
    document = load_corpus(tmp_path, 10_000_000).documents[0]
    # The credits close the text, each a line; the platform's time and the poster's province, the
    # editors, the view count and the links are dropped.
    assert document.text.split("\n")[-3:] == ["漾濞县卫生健康局官方账号", "供 稿 | 苍山日报记者 李华",
                                              "主 办 | 漾濞县融媒体中心"]
    assert not any(word in document.text for word in ("王强", "责任编辑", "访问量", "返回搜狐", "发布于", "云南"))
    # They are a part of their own, never glued onto the body's last passage.
    sections = split_sections(document)
    [credits] = [s for s in sections if s.kind == "part"]
    assert credits.title == "来源" and document.text[credits.start:].startswith("漾濞县卫生健康局官方账号")
    passages = split_passages(document, sections)
    assert all(p.end <= credits.start or p.section_id == credits.id for p in passages)
    # The outlets they name reach the institution extractor.
    found = {c.label for c in find_institutions(DocContext.build(document, sections, passages))}
    assert {"苍山日报", "漾濞县融媒体中心", "漾濞县卫生健康局"} <= found
    from kg.ingest.normalise import clean_document

    assert clean_document(document.text, paragraph_lines=True, chrome=True).text == document.text


def test_a_credit_line_of_a_pdf_page_is_neither_glued_to_the_body_nor_takes_it_along() -> None:
    from kg.ingest.normalise import clean_document

    # Text read from a PDF (lines joined unless a paragraph ends): the body line after a credit is not
    # run onto it (the joined line would have gone with the credit), nor is a line run onto a credit
    # glued after a sentence taken for the credit.
    page = "\n".join(["某县召开健康促进工作推进会", "来源：某某日报", "会议要求各乡镇压实责任，推进健康细胞建设，",
                      "确保年底前完成各项任务。来源：某某网", "下一步，县卫生健康局将开展督导检查。"])
    lines = clean_document(page, chrome=True).text.split("\n")
    assert lines[0] == "某县召开健康促进工作推进会" and lines[-1] == "来源：某某日报" and len(lines) == 3
    assert lines[1].startswith("会议要求") and lines[1].endswith("下一步，县卫生健康局将开展督导检查。")


def test_a_photo_or_data_credit_is_no_credit_of_the_page() -> None:
    from kg.ingest.normalise import clean_document

    # 来源 ending a longer field role (图片来源) names who made a picture, not who published the page:
    # the chrome line goes and no 来源 credit is made of it; a page credit on the same line stays.
    page = "\n".join(["某县召开健康促进工作推进会", "会议要求各乡镇压实责任，推进健康细胞建设。",
                      "图片来源：某某图库", "图片来源：某某视觉 | 来源：某某日报"])
    text = clean_document(page, chrome=True).text
    assert "某某图库" not in text and "某某视觉" not in text
    assert text.split("\n")[-1] == "来源：某某日报"
