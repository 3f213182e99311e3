"""Metadata inference from the document itself: real small files made here, read end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.ingest import metadata as inference
from kg.ingest.corpus import load_corpus
from kg.ingest.normalise import clean_document
from kg.ingest.readers import read_raw

LIMIT = 10_000_000

NOTICE = [
    "江西省人民政府办公厅关于印发江西省健全健康优先发展机制实施方案的通知",
    "赣府厅发〔2025〕6号",
    "各市、县（区）人民政府，省政府各部门：",
    "现将《江西省健全健康优先发展机制实施方案》印发给你们，请认真贯彻执行。按照《某省卫生健康规划》"
    "（赣府发〔2021〕12号）要求，结合实际制定本方案。",
    "江西省人民政府办公厅",
    "二〇二五年四月三日",
    "江西省健全健康优先发展机制实施方案",
    "一、总体要求",
    "（一）健全健康优先发展规划机制。将健康优先发展理念融入经济社会发展规划。",
]


def _docx(path: Path, lines: list[str], title_property: str = "") -> Path:
    import docx

    document = docx.Document()
    if title_property:
        document.core_properties.title = title_property
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def _infer(path: Path) -> tuple[inference.Inference, str]:
    raw = read_raw(path, LIMIT)
    cleaned = clean_document(raw.text, paragraph_lines=raw.paragraph_lines,
                             chrome=raw.source_format not in ("txt", "md"))
    return inference.infer(path, cleaned, raw.properties), cleaned.text


def test_notice_title_number_signature_and_chinese_numeral_date(tmp_path: Path) -> None:
    found, text = _infer(_docx(tmp_path / "notice.docx", NOTICE))
    assert found.value("title") == NOTICE[0]
    # The document's own 文号 is the line under the title, not the one it cites.
    assert found.value("doc_number") == "赣府厅发〔2025〕6号"
    assert found.value("issuer") == "江西省人民政府办公厅"
    assert found.value("date") == "2025-04-03"
    assert (found.value("genre"), found.value("kind")) == ("通知", "plan")
    assert found.value("region") == "江西省"
    # Every value read from the text carries its span.
    for name in ("title", "doc_number", "issuer", "date"):
        field = found.fields[name]
        assert field.source == "text" and field.start is not None
        assert text[field.start:field.end].replace(" ", "") in (field.value, "二〇二五年四月三日")


def test_information_block_of_a_government_web_page(tmp_path: Path) -> None:
    page = ("<html><head><meta charset='utf-8'><title>关于健全健康优先发展机制的意见</title></head><body>"
            "<div>首页 &gt; 政府信息公开目录 &gt; 通知公告</div>"
            "<table><tr><td>索引号：</td><td>014500858/2025-00123</td><td>发文机关：</td><td>江西省人民政府办公厅</td></tr>"
            "<tr><td>文号：</td><td>赣府厅发〔2025〕6号</td><td>成文日期：</td><td>2025-04-03</td></tr>"
            "<tr><td>有效性：</td><td>有效</td><td>发布日期：</td><td>2025-04-08</td></tr></table>"
            "<article><h1>关于健全健康优先发展机制的意见</h1><p>各市、县（区）人民政府，省政府各部门：</p>"
            "<p>为深入贯彻落实健康中国战略，把保障人民健康放在优先发展的战略位置，经省政府同意，现提出如下意见。</p>"
            "<p>一、健全健康优先发展规划机制，将健康优先发展理念融入经济社会发展规划。</p></article>"
            "<footer>访问量：687 主办：江西省人民政府办公厅</footer></body></html>")
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    found, text = _infer(path)
    assert found.value("issuer") == "江西省人民政府办公厅"
    assert found.value("doc_number") == "赣府厅发〔2025〕6号"
    assert found.value("date") == "2025-04-03"  # 成文日期 wins over 发布日期
    assert found.value("validity") == "有效"
    assert found.value("title") == "关于健全健康优先发展机制的意见"
    assert "访问量" not in text and "首页 >" not in text


def test_news_headline_outlet_and_dateline(tmp_path: Path) -> None:
    lines = ["重庆云阳：把健康融入所有政策", "2024-12-06 17:27:07 来源：中新网重庆",
             "中新网重庆新闻12月6日电 健康细胞建设覆盖率100%，居民对健康中国重庆行动参与度明显提升。",
             "据悉，云阳县积极打造健康示范基地。(完)", "责任编辑：张三"]
    found, text = _infer(_docx(tmp_path / "news.docx", lines))
    assert found.value("title") == "重庆云阳：把健康融入所有政策"
    assert found.value("issuer") == "中新网重庆"
    assert found.value("date") == "2024-12-06"
    assert found.value("genre") == "新闻" and found.value("kind") == "news"
    assert found.value("doc_number") == ""
    # The dateline's time is web residue, dropped from the text, so the date has no span; its credit
    # (来源：…) closes the text, where the issuer's span points.
    assert text.endswith("(完)\n来源：中新网重庆") and found.fields["date"].start is None
    issuer = found.fields["issuer"]
    assert text[issuer.start:issuer.end] == "中新网重庆"


def test_run_in_headline_of_plain_text_news(tmp_path: Path) -> None:
    path = tmp_path / "wire.txt"
    path.write_text("原标题：湖北秭归将为16万居民免费进行乙肝筛查“唐爷爷，我给您采血，这次体检新增了乙肝筛查的项目。”近日，秭归县启动乙肝筛查项目，"
                    "覆盖全县16万居民，筛查结果将纳入健康档案管理。（龚晓红）来源：新华社返回搜狐，查看更多", encoding="utf-8")
    found, _ = _infer(path)
    assert found.value("title") == "湖北秭归将为16万居民免费进行乙肝筛查"
    assert found.value("issuer") == "新华社"
    assert found.value("date") == ""  # no full date in the text: nothing is made up


def test_body_dates_and_cited_numbers_are_not_the_documents(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text("近年来，各地认真落实国家卫健委等4部门联合发布的《关于做好2023年基本公共卫生服务工作的通知》"
                    "（国卫基层发〔2023〕20号），2023年7月10日起全面推进，服务水平不断提高，群众获得感明显增强。",
                    encoding="utf-8")
    found, _ = _infer(path)
    assert found.value("doc_number") == "" and found.value("date") == ""
    # No title is stated: the first sentence only labels it (source "lead"), its time opener dropped.
    title = found.fields["title"]
    assert title.source == "lead" and title.value.startswith("各地认真落实") and title.value.endswith("…")


def test_file_properties_are_only_a_fallback(tmp_path: Path) -> None:
    lines = ["近年来，我省持续推进健康促进工作，群众健康素养水平稳步提升，健康环境不断改善，取得了明显成效。"]
    found, _ = _infer(_docx(tmp_path / "untitled.docx", lines, title_property="健康促进工作情况报告"))
    assert found.fields["title"].value == "健康促进工作情况报告" and found.fields["title"].source == "properties"
    found, _ = _infer(_docx(tmp_path / "titled.docx", NOTICE, title_property="Word 模板标题文字"))
    assert found.fields["title"].source == "text"


def test_metadata_json_overrides_per_field_and_the_graph_records_provenance(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _docx(corpus / "notice.docx", NOTICE)
    (corpus / "metadata.json").write_text(json.dumps({"documents": [
        {"file": "notice.docx", "id": "jx-notice", "date": "2025-04-08"}]}, ensure_ascii=False), encoding="utf-8")
    load = load_corpus(corpus, LIMIT)
    [document] = load.documents
    meta = document.meta
    assert (meta.id, meta.date) == ("jx-notice", "2025-04-08")  # given
    assert meta.title == NOTICE[0] and meta.issuer == "江西省人民政府办公厅"  # inferred
    sources = {field.name: field.source for field in document.provenance}
    assert sources["date"] == "metadata.json" and sources["title"] == "text"

    from kg.rdf.vocab import POL
    from kg.rdf.write import document_quads

    quads = document_quads(document, [], [])
    predicates = {str(q.predicate.value) for q in quads}
    assert str(POL.extractionMethod) in predicates and str(POL.metadataEvidence) in predicates
    values = {(str(q.predicate.value), q.object.value) for q in quads}
    assert (str(POL.documentNumber), "赣府厅发〔2025〕6号") in values
    assert (str(POL.extractionMethod), "text") in values


def test_kg_add_prints_what_was_inferred(tmp_path: Path) -> None:
    from kg.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "base.txt").write_text("广西壮族自治区卫生健康委员会关于加强基层医疗卫生服务能力建设的通知\n"
                                     "各市卫生健康委：为加强基层医疗卫生服务能力，现通知如下。", encoding="utf-8")
    new = _docx(tmp_path / "notice.docx", NOTICE)
    env = {"KG_CORPUS_DIR": str(corpus), "KG_BUILD_DIR": str(tmp_path / "build"), "KG_EMBEDDING_MODEL": "hashing",
           "KG_CACHE_DIR": str(tmp_path / "cache")}
    result = CliRunner().invoke(main, ["add", "-q", str(new)], env=env)
    assert result.exit_code == 0, result.output
    assert "doc_number: 赣府厅发〔2025〕6号  (text @" in result.output
    assert "issuer: 江西省人民政府办公厅" in result.output and "date: 2025-04-03" in result.output
    assert "metadata.json" in result.output


@pytest.mark.parametrize(("text", "iso"), [
    ("2025年4月3日", "2025-04-03"), ("二〇二五年四月三日", "2025-04-03"), ("二〇二四年十二月三十一日", "2024-12-31"),
    ("2024-12-06 17:27", "2024-12-06"), ("2024年13月1日", ""), ("7月28日", ""),
])
def test_dates(text: str, iso: str) -> None:
    assert inference.parse_date(text) == iso


def test_attachments_shipped_as_files_are_linked_to_their_notice(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _docx(corpus / "11-关于印发健康促进行动方案的通知.docx", NOTICE + ["附件：1.儿童健康促进专项行动计划"])
    _docx(corpus / "11-附件3：儿童健康促进行动计划.docx",
          ["附件3", "儿童健康促进专项行动计划", "一、主要目标", "儿童健康水平显著提高，儿童健康生活方式更加普及。"])
    _docx(corpus / "12-附件1：无关的计划.docx", ["附件1", "无关的计划", "一、主要目标", "另一份文件的附件，正文内容与上面的通知无关。"])
    load = load_corpus(corpus, LIMIT)
    by_file = {d.meta.file: d for d in load.documents}
    notice = by_file["11-关于印发健康促进行动方案的通知.docx"]
    assert by_file["11-附件3：儿童健康促进行动计划.docx"].attachment_of == notice.id
    assert by_file["12-附件1：无关的计划.docx"].attachment_of == ""
    assert any("附件3 of" in w for w in load.warnings)


def test_journal_article_title_and_journal_even_with_the_first_author_run_on(tmp_path: Path) -> None:
    path = tmp_path / "paper.txt"
    path.write_text("\n".join([
        "第37卷 第10期", "2024年10月", "医学与社会", "Medicine and Society", "·卫生事业管理·",
        "“将健康融入所有政策”的实践经验及启示方一安1", "，马启涵2", "1", "北京大学公共卫生学院，北京，100191",
        "摘 要 “将健康融入所有政策”是健康中国建设的重要内容。", "关键词 卫生政策; 跨部门合作",
        "2019年12月28日，我国健康领域的基本法正式颁布。"]), encoding="utf-8")
    found, _ = _infer(path)
    assert found.value("title") == "“将健康融入所有政策”的实践经验及启示"
    assert found.value("issuer") == "医学与社会"
    assert found.value("genre") == "论文" and found.value("date") == ""


def test_default_ids_differ_by_format_and_stay_valid() -> None:
    import re

    ids = [inference.default_id(Path(name)) for name in
           ("good.pdf", "good.docx", "good.txt", "11-附件3：海南省儿童健康促进行动计划.docx", "“将健康融入”.pdf")]
    assert ids[:3] == ["good-pdf", "good-docx", "good"]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}", i) for i in ids)


def test_outlet_named_only_by_its_footer_app_or_disclaimer(tmp_path: Path) -> None:
    body = ("记者 王小明8月2日，某市卫生健康委举行新闻发布会，介绍家庭医生签约服务进展。全市已组建家庭医生团队1200个，"
            "重点人群签约率达到75%。")
    app = tmp_path / "app.txt"
    app.write_text(body + "新闻线索报料通道：应用市场下载“云岭快讯”APP，或搜索微信小程序“云岭快讯”，记者在线等你来报料！",
                   encoding="utf-8")
    assert _infer(app)[0].value("issuer") == "云岭快讯"
    portal = tmp_path / "portal.txt"
    portal.write_text(body + "声明：本网站所提供的信息仅供参考之用。您若对该稿件内容有任何疑问，请尽快与江城在线联系，"
                      "本网将迅速给您回应并做相关处理。", encoding="utf-8")
    found, text = _infer(portal)
    assert found.value("issuer") == "江城在线"
    issuer = found.fields["issuer"]
    assert text[issuer.start:issuer.end] == "江城在线"


def test_signed_opinion_piece_is_no_news_report(tmp_path: Path) -> None:
    opinion = tmp_path / "opinion.txt"
    opinion.write_text("看病排队难是一个老问题。患者希望少跑腿，医院希望少拥堵，两者并不矛盾。推广分时段预约，"
                       "需要医院与社区多一些配合，也需要患者多一点耐心。 （林 舟）", encoding="utf-8")
    assert _infer(opinion)[0].value("genre") == "其他"
    # The same signature under a report of what happened when: news.
    report = tmp_path / "report.txt"
    report.write_text("8月8日，某区召开慢性病监测调查工作培训会，部署全区调查任务。会议要求各医疗机构高度重视，"
                      "统筹推进，共同完成好本次调查工作。（林舟）", encoding="utf-8")
    assert _infer(report)[0].value("genre") == "新闻"
    # Brackets that name an outlet are no author's signature.
    wire = tmp_path / "wire.txt"
    wire.write_text(opinion.read_text(encoding="utf-8").replace("（林 舟）", "（新华社）"), encoding="utf-8")
    assert _infer(wire)[0].value("genre") == "新闻"


def test_headline_cut_short_by_an_ellipsis(tmp_path: Path) -> None:
    path = tmp_path / "teams.txt"
    path.write_text("12支“紧急医学救援类”，3支“重大疫情医疗应急类”……某省卫健委发布《关于做好省级医疗应急队伍建设工作的通知》，"
                    "组建两类15支省级医疗应急队伍，提升全省紧急医学救援能力。队伍的区域布局从省会拓展到6个市，"
                    "并引入中医队伍参与救援。", encoding="utf-8")
    found, _ = _infer(path)
    assert found.value("title") == "12支“紧急医学救援类”，3支“重大疫情医疗应急类”……"


def _infer_text(path: Path, text: str) -> tuple[inference.Inference, str]:
    path.write_text(text, encoding="utf-8")
    return _infer(path)


def test_a_document_number_misread_by_ocr_is_not_part_of_the_title(tmp_path: Path) -> None:
    found, _ = _infer_text(
        tmp_path / "scan.txt",
        "ETA (2025) 3号\n关于开展健康促进行动的通知\n各县 (区) 卫生健康局 :\n"
        "为推进健康中国建设，现就开展健康促进行动通知如下。\n某市卫生健康委员会\n2025年3月6日\n")
    assert found.value("title") == "关于开展健康促进行动的通知"
    assert found.value("doc_number") == ""  # its issuer code is garbled: no number is made up
    assert (found.value("issuer"), found.value("date")) == ("某市卫生健康委员会", "2025-03-06")


def test_saved_web_page_title_from_breadcrumb_and_date_from_its_source_address(tmp_path: Path) -> None:
    found, text = _infer_text(
        tmp_path / "page.txt",
        "资讯网首页 > 最新热搜 > 某市 > 全市家庭医生签约服务覆盖率超过八成\n猜你喜欢猜你喜欢\n"
        "全市家庭医生签约服务覆盖率超过八成\n日前,记者从市卫生健康委获悉,全市已组建家庭医生团队1200个\n"
        "重点人群签约率达到85%。\n文章来源:http://news.example.cn/n2/2026/0116/c1794-4147.html\n")
    assert found.value("title") == "全市家庭医生签约服务覆盖率超过八成"
    assert found.value("date") == "2026-01-16"
    date = found.fields["date"]
    assert text[date.start:date.end] == "2026/0116"
    assert found.value("issuer") == ""  # a link names no outlet (it was 'http')


def test_newspaper_masthead_gives_the_paper_and_its_date(tmp_path: Path) -> None:
    found, _ = _infer_text(
        tmp_path / "front-page.txt",
        "卫生时报\n\nHEALTH TIMES\n\n某省卫生健康委员会主管\n\n2026年1月21日 星期三\n\n第1268期 今日8版\n\n"
        "某县：医改试点强基提质\n\n□本报记者 王小明\n\n某县地处山区，常住人口不到20万人，近年来持续推进紧密型县域医共体建设。\n")
    # The supervising body (…主管) and the English name are not the paper.
    assert (found.value("issuer"), found.value("date")) == ("卫生时报", "2026-01-21")
    # A printed page is named by the paper, the day, the issue and its lead story (the headline above
    # the first byline); the masthead lines are never its title.
    assert found.value("title") == "卫生时报 2026年1月21日（第1268期）：某县：医改试点强基提质"
    # An article's title over its weekday date, with no masthead lines about, stays the title.
    found, _ = _infer_text(tmp_path / "post.txt", "某县推进医共体建设见成效\n2026年1月21日 星期三\n"
                           "某县地处山区，常住人口不到20万人，近年来持续推进紧密型县域医共体建设。\n")
    assert found.value("title") == "某县推进医共体建设见成效"


def test_numbered_issue_is_named_with_its_column_and_its_one_headline(tmp_path: Path) -> None:
    body = ("今年以来，全市推进紧密型县域医共体建设，组建医共体12个，县域内就诊率达到90%，基层诊疗量占比持续提高，"
            "群众看病就医更加便捷。")
    head = "内部资料\n\n某市卫生健康工作\n\n(第 3 期)\n\n医改工作专刊 (第 3 期)\n\n某市卫生健康委员会\n\n2024 年 5 月 10 日\n\n"
    found, text = _infer_text(tmp_path / "bulletin.txt", head + "推进紧密型县域医共体建设\n\n" + body
                              + "\n\n一、加强组织领导\n\n" + body + "\n")
    # The marking above the masthead (内部资料) is no part of the title, the column's repeated number neither.
    assert found.value("title") == "某市卫生健康工作(第3期)医改工作专刊：推进紧密型县域医共体建设"
    assert (found.value("genre"), found.value("kind")) == ("简报", "bulletin")
    assert (found.value("issuer"), found.value("date")) == ("某市卫生健康委员会", "2024-05-10")
    # Two articles in one issue: the issue keeps its masthead title and column.
    found, _ = _infer_text(tmp_path / "two.txt", head + "推进紧密型县域医共体建设\n\n" + body
                           + "\n\n开展家庭医生签约服务\n\n" + body + "\n")
    assert found.value("title") == "某市卫生健康工作(第3期)医改工作专刊"


def test_cover_notice_cut_at_its_head_gives_the_issued_plan_as_title(tmp_path: Path) -> None:
    lines = ["某省卫生健康发展规划的通知", "各市、县人民政府，省人民政府各部门：",
             "现将《某省卫生健康发展规划》印发给你们，请认真组织实施。", "某省人民政府", "2022年6月13日",
             "某省卫生健康发展规划", "一、发展基础", "“十三五”时期，全省卫生健康各项工作取得显著成效。"]
    found, text = _infer_text(tmp_path / "plan.txt", "\n".join(lines))
    title = found.fields["title"]
    assert title.value == "某省卫生健康发展规划" and text[title.start:title.end] == "某省卫生健康发展规划"
    assert title.start > text.index("印发给你们")  # the plan's own heading, not the notice's line
    assert (found.value("genre"), found.value("kind")) == ("规划", "plan")
    assert (found.value("issuer"), found.value("date")) == ("某省人民政府", "2022-06-13")


def test_credit_line_names_the_issuer_and_every_outlet_is_kept(tmp_path: Path) -> None:
    # A newspaper special page a body supplied: its credit, glued to the last heading, names the body
    # (in its short form, written out in full).
    found, text = _infer_text(
        tmp_path / "special.txt",
        "2024年，某省卫生健\n康委坚持以高质量党\n建引领高质量发展，\n全省卫生健康事业取\n得新成效。\n\n"
        "推动深化医改见成效\n\n本版文图由某省卫生\n健康委提供\n")  # a page printed in narrow columns
    assert found.value("issuer") == "某省卫生健康委员会"
    outlet = found.fields["outlet"]
    assert outlet.value == "某省卫生健康委员会" and text[outlet.start:outlet.end] == "某省卫生健康委"
    # A 来源 line of a Word file is a credit, kept as the text's last line: its outlet is a metadata
    # field with its span and reaches the graph; the issuer here is the signing body.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _docx(corpus / "notice.docx", NOTICE + ["来源：某省人民政府网"])
    load = load_corpus(corpus, LIMIT)
    [document] = load.documents
    assert document.text.endswith("\n来源：某省人民政府网") and document.meta.issuer == "江西省人民政府办公厅"
    [outlet] = [f for f in document.provenance if f.name == "outlet"]
    assert (outlet.value, outlet.source) == ("某省人民政府网", "text")
    assert document.text[outlet.start:outlet.end] == "某省人民政府网"
    from kg.rdf.vocab import POL
    from kg.rdf.write import document_quads

    values = {(str(q.predicate.value), q.object.value) for q in document_quads(document, [], [])}
    assert (str(POL.metadataField), "outlet") in values and (str(POL.metadataValue), "某省人民政府网") in values


@pytest.mark.parametrize("text, label", [
    ("8月18日上午，某省第三人民医院正式挂牌落户某市。省卫健委有关负责人出席。", "某省第三人民医院正式挂牌落户某市"),
    ("新华社北京7月22日电（记者王小明）记者日前从国家中医药管理局获悉，截至2022年底，全国已建成中医馆4万余家。",
     "截至2022年底，全国已建成中医馆4万余家"),
    ("某报记者 李华 通讯员 张强 某市报道近日，某市召开卫生健康工作会议。会议部署了下半年工作。", "某市召开卫生健康工作会议"),
    ("记者 李华 王强 通讯员 张芳为扩大集采药品覆盖面，某市开展医保惠民行动。", "为扩大集采药品覆盖面，某市开展医保惠民行动"),
])
def test_a_text_with_no_title_is_labelled_by_its_first_sentence_without_its_byline(
        tmp_path: Path, text: str, label: str) -> None:
    found, cleaned = _infer_text(tmp_path / "news.txt", text)
    title = found.fields["title"]
    assert (title.value, title.source) == (label, "lead")
    assert cleaned[title.start:title.end] == label
    load = load_corpus(tmp_path, LIMIT)
    [document] = load.documents
    assert document.meta.title == label  # not the file name "news"
    assert any(f"title {label!r} (its first sentence: the text states no title)" in w for w in load.warnings)
    assert inference.describe(document.provenance)[0].startswith(
        f"title: {label}  (first sentence — the text states no title @{title.start}–{title.end})")


def test_run_in_headline_ends_where_its_sub_head_names_the_subject_again(tmp_path: Path) -> None:
    found, _ = _infer_text(
        tmp_path / "run-in.txt",
        "国家医保局：定点药店纳入门诊统筹 群众购药报销更便利国家医疗保障局部署推进门诊共济保障"
        "记者从国家医疗保障局了解到，各地将符合条件的定点零售药店纳入门诊统筹管理，群众购药更加方便。"
        "截至6月底，全国已有10万家定点零售药店开通门诊统筹服务。")  # one line of text, as pages are copied
    assert found.value("title") == "国家医保局：定点药店纳入门诊统筹 群众购药报销更便利"
    assert found.fields["title"].source == "text"


def test_red_header_masthead_is_not_the_title(tmp_path: Path) -> None:
    # A 红头文件 prints its issuer + 文件 above the 文号; the title is the 关于…的通知 line below.
    lines = ["某县卫生健康局文件", "某卫健发〔2026〕12号",
             "某县卫生健康局关于印发《某县基层卫生服务能力提升实施方案》的通知",
             "各乡镇卫生院：", "现将《某县基层卫生服务能力提升实施方案》印发给你们，请认真贯彻落实。",
             "某县卫生健康局", "2026年3月18日"]
    found, _ = _infer(_docx(tmp_path / "notice.docx", lines))
    assert found.value("title") == lines[2]
    assert found.value("doc_number") == "某卫健发〔2026〕12号"
    assert found.value("date") == "2026-03-18"


def test_the_edition_or_labelled_date_of_the_closing_lines_dates_the_page(tmp_path: Path) -> None:
    body = ("国家医保局积极推进医养结合发展，及时将符合条件的养老机构内设医疗机构纳入医保定点范围。"
            "截至2022年12月31日，长护险制度试点覆盖49个城市。")
    # A paper's credit glued to the last paragraph: its edition's date, not the body's date.
    printed = tmp_path / "printed.txt"
    printed.write_text("光明日报北京7月23日电 记者李明 " + body + " 《光明日报》（2023年07月24日 10版） [ 责编：王五 ]",
                       encoding="utf-8")
    found, text = _infer(printed)
    assert found.value("date") == "2023-07-24"
    date = found.fields["date"]
    assert text[date.start:date.end] == "2023年07月24日"
    # A labelled date at the page's foot (发布时间 is a [label] word of kg/data/doc_genres.txt).
    labelled = tmp_path / "labelled.txt"
    labelled.write_text("医养结合再推进\n" + body + "\n发布时间：2023-08-02 10:15\n", encoding="utf-8")
    assert _infer(labelled)[0].value("date") == "2023-08-02"
    # A date in the body alone, even near the end, is an event's: no date is made up.
    bare = tmp_path / "bare.txt"
    bare.write_text("医养结合再推进\n" + body + "\n", encoding="utf-8")
    assert _infer(bare)[0].value("date") == ""


def test_a_block_label_glued_to_the_number_before_it_is_still_read(tmp_path: Path) -> None:
    # Normalising closes the blank between a number and Chinese (…00021 发布机构 → …00021发布机构).
    found, text = _infer_text(tmp_path / "interpretation.txt",
                              "《某县医疗保障待遇调整方案》政策解读\n"
                              "索引号：11360000-2026-00021 发布机构：某县医疗保障局 发布日期：2026-05-06\n"
                              "一、出台背景\n为落实上级医保政策要求，县医疗保障局制定了待遇调整方案。\n")
    assert "00021发布机构" in text
    assert found.value("issuer") == "某县医疗保障局" and found.value("date") == "2026-05-06"
    assert found.value("genre") == "解读"
    issuer = found.fields["issuer"]
    assert text[issuer.start:issuer.end] == "某县医疗保障局"


def test_unsigned_plan_takes_its_region_from_its_title_and_a_headline_loses_its_arrow(tmp_path: Path) -> None:
    # An attachment issued without a signature: the place its title opens on is the jurisdiction.
    found, _ = _infer(_docx(tmp_path / "annex.docx", [
        "附件2", "甘肃省儿童健康促进专项行动计划", "一、总体要求",
        "坚持儿童优先发展，到2030年儿童健康水平明显提高。（省卫生健康委牵头，省教育厅按职责分工负责）"]))
    assert (found.value("title"), found.value("kind"), found.value("region")) == (
        "甘肃省儿童健康促进专项行动计划", "plan", "甘肃省")
    # A news headline's place is where the story happened, not who issued it: no region.
    news, text = _infer(_docx(tmp_path / "news.docx", [
        "兰州市：家门口的健康小屋开张了→", "近日，兰州市首批社区健康小屋投入使用，居民可免费测量血压血糖。",
        "来源：某某日报"]))
    assert news.value("kind") == "news" and news.value("region") == ""
    # The arrow a page sets after a headline for show is no part of the title, nor of its span.
    title = news.fields["title"]
    assert title.value == "兰州市：家门口的健康小屋开张了" and text[title.start:title.end] == title.value


def test_a_run_in_headline_stops_where_the_body_s_purpose_clause_or_reporter_credit_starts(tmp_path: Path) -> None:
    """One-line news: 原标题：<headline><body>. The body opens with its purpose (为进一步…，, 为弘扬…，)
    or with the outlet's reporter credit (某某新闻记者 张三); neither belongs to the headline."""
    found, _ = _infer_text(tmp_path / "a.txt",
                           "原标题：绵竹市人民医院开展送医下乡活动为进一步推动优质医疗资源下沉，满足群众就医需求，"
                           "6月3日上午，绵竹市人民医院组织专家到土门镇开展义诊。活动现场，专家们为群众测量血压、血糖，"
                           "讲解慢性病防治知识，共服务群众200余人次，发放宣传资料500余份。")
    assert found.value("title") == "绵竹市人民医院开展送医下乡活动"
    found, _ = _infer_text(tmp_path / "b.txt",
                           "原标题：庆祝护士节，德阳市第二人民医院举办技能竞赛川观新闻记者 李明 通讯员 王芳5月12日，"
                           "德阳市第二人民医院举办护理技能竞赛。来自全院各科室的60名护士参加比赛，比赛设理论考试和操作考核两个环节，"
                           "旨在提升护理人员的业务水平。")
    assert found.value("title") == "庆祝护士节，德阳市第二人民医院举办技能竞赛"
    # 为 inside a word (成为, 作为) is no purpose clause: the headline keeps it.
    found, _ = _infer_text(tmp_path / "c.txt",
                           "原标题：广汉市成为全省健康促进示范县 近日，省卫生健康委公布了第三批健康促进示范县名单。广汉市坚持把健康融入所有政策，"
                           "建成健康促进医院12家、健康促进学校36所，居民健康素养水平达到31.2%。")
    assert found.value("title") == "广汉市成为全省健康促进示范县"


def test_a_run_in_headline_goes_on_after_a_short_cry_and_a_purpose_clause_may_quote(tmp_path: Path) -> None:
    """好消息！…: a cry of a few words leads a headline and is not all of it; a purpose clause that
    quotes a slogan (为进一步落实“两个允许”，) still opens the body."""
    body = ("某某镇卫生院的医生为群众提供健康咨询，共服务群众300余人次，发放健康宣传资料500余份。"
            "活动现场，专家们为群众测量血压、血糖，讲解慢性病防治知识，并为行动不便的老人上门服务。"
            "下一步，该市将把义诊活动常态化，让群众在家门口享受优质医疗服务。")
    found, _ = _infer_text(tmp_path / "a.txt", "原标题：好消息！遂宁这项医保业务实现全程网上办理近日，" + body)
    assert found.value("title") == "好消息！遂宁这项医保业务实现全程网上办理"
    found, _ = _infer_text(tmp_path / "b.txt",
                           "原标题：射洪市：专家义诊进乡村 守护群众健康为进一步落实“健康射洪”行动，更好地服务群众，6月5日，" + body)
    assert found.value("title") == "射洪市：专家义诊进乡村 守护群众健康"
    # with nothing after the cry but the body's first clauses, the end is not known: no headline is
    # taken (the text is labelled by its first words, as a text without a title is)
    found, _ = _infer_text(tmp_path / "c.txt", "原标题：重磅！射洪专家团队下乡义诊第六个医师节到来之际，" + body)
    title = found.fields.get("title")
    assert title is None or title.source == "lead"


def test_a_dateline_outlet_with_its_other_name_in_brackets_is_the_issuer(tmp_path: Path) -> None:
    found, _ = _infer_text(tmp_path / "d.txt",
                           "川观网（四川日报网）讯（通讯员 张三、李四）近日，绵阳市中心医院开展义诊活动，服务群众300余人。"
                           "活动中，专家为群众提供健康咨询、血压测量等服务，并发放健康宣传资料。")
    assert found.value("issuer") == "川观网"


def test_the_outlet_a_run_in_headline_s_body_opens_with_is_the_issuer(tmp_path: Path) -> None:
    body = ("（王五）17日，四川省人民医院专家团队来到凉山州开展义诊，为当地群众提供心血管、内分泌等专科诊疗服务。"
            "活动共接诊群众400余人次，开展健康讲座3场。")
    found, _ = _infer_text(tmp_path / "wire.txt", "原标题：省医院专家团队赴凉山开展义诊中新网四川新闻8月18日电" + body)
    assert (found.value("title"), found.value("issuer")) == ("省医院专家团队赴凉山开展义诊", "中新网")
    found, _ = _infer_text(tmp_path / "credit.txt", "原标题：省医院专家团队赴凉山开展义诊川观新闻记者 李明" + body)
    assert (found.value("title"), found.value("issuer")) == ("省医院专家团队赴凉山开展义诊", "川观新闻")


def test_a_labelled_reporter_credit_at_the_end_names_the_issuer(tmp_path: Path) -> None:
    found, _ = _infer_text(tmp_path / "tail.txt",
                           "成都高新区：家门口的健康驿站开张了\n6月5日上午，成都高新区芳草街道健康驿站正式启用，居民可以在这里免费测量血压、"
                           "血糖，还能预约家庭医生。\n驿站负责人介绍，今后每周二将有社区卫生服务中心的医生坐诊。"
                           "采写：锦城新闻记者 赵六 通讯员：钱七\n")
    assert found.value("issuer") == "锦城新闻"


def test_a_reprinted_news_headline_ending_in_a_genre_word_is_news(tmp_path: Path) -> None:
    found, _ = _infer_text(tmp_path / "reprint.txt",
                           "原标题：守护儿童视力，兰州市第一人民医院开展青少年近视防控暑期专项行动为深入落实儿童青少年近视防控工作，"
                           "7月10日，兰州市第一人民医院组织眼科专家走进社区，为200余名儿童免费筛查视力，并建立视力健康档案。")
    assert found.value("title") == "守护儿童视力，兰州市第一人民医院开展青少年近视防控暑期专项行动"
    assert (found.value("genre"), found.value("kind")) == ("新闻", "news")
