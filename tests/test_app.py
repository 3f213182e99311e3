"""The Streamlit app, driven in-process by streamlit's AppTest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kg.config import Settings

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture()
def app_env(real_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_BUILD_DIR", real_settings.build_dir)
    monkeypatch.setenv("KG_CORPUS_DIR", real_settings.corpus_dir)


def test_search_page_shows_highlighted_results(app_env: None) -> None:
    at = open_page("views/search.py")
    assert not at.exception
    at.text_input(key="query").input("每万人口全科医生数").run()
    assert not at.exception
    html = " ".join(m.value for m in at.markdown) + " ".join(h.proto.body for h in at.get("html"))  # hits: st.html
    assert "<mark>每万人口全科医生数</mark>" in html
    assert "广西卫生健康发展“十四五”规划" in html


def test_user_text_is_escaped(app_env: None) -> None:
    at = open_page("views/search.py")
    at.text_input(key="query").input("<script>alert(1)</script> 医保").run()
    assert not at.exception
    assert all("<script>" not in m.value for m in at.markdown)
    hits = [h.proto.body for h in at.get("html") if "kg-hit" in h.proto.body]
    assert hits and all("<script>alert" not in h for h in hits)  # the page's own script is not a hit


def test_missing_build_shows_the_command_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_BUILD_DIR", str(tmp_path / "none"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("kg build" in e.value for e in at.error)
    assert any("make app" in i.value for i in at.info)


def test_document_reader_shows_the_outline(app_env: None) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("views/documents.py")
    at.query_params["doc"] = "gx-bulletin-2019-01"
    at.run()
    assert not at.exception
    outline = at.radio(key="reader_section")
    assert any("一、加强领导" in str(option) for option in outline.options)
    assert at.selectbox(key="reader_doc").value == "gx-bulletin-2019-01"


def test_downloads_page_offers_four_formats(app_env: None) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("views/downloads.py")
    at.run()
    assert not at.exception
    assert len(at.get("download_button")) == 4


def open_page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(page)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def test_entity_page_shows_mentions_with_links(app_env: None) -> None:
    at = open_page("views/entity.py", e="每万人口全科医生数")
    assert not at.exception
    assert any("每万人口全科医生数" in h.value for h in at.header)
    assert any("出处" in s.value for s in at.subheader)
    # Document text is markdown-escaped (2\.62); the reader sees 2.62.
    assert any("2.62" in m.value.replace("\\", "") for m in at.markdown)  # a quote of the 2020 value


def test_graph_page_draws_a_neighbourhood(app_env: None) -> None:
    at = open_page("views/graph.py")
    assert not at.exception
    centre = at.selectbox(key="graph_centre")
    centre.select(centre.options[0]).run()
    assert not at.exception
    assert any("个节点" in c.value for c in at.caption)


def test_indicators_page_lists_targets(app_env: None) -> None:
    at = open_page("views/indicators.py")
    assert not at.exception
    frame = at.dataframe[0].value
    assert "每万人口全科医生数" in set(frame["指标"])
    at.text_input(key="ind_filter").input("孕产妇").run()
    assert set(at.dataframe[0].value["指标"]) == {"孕产妇死亡率", "孕产妇系统管理率和3岁以下儿童系统管理率"}


def test_columns_page_lists_the_boxes_and_their_items(app_env: None) -> None:
    at = open_page("views/columns.py")
    assert not at.exception
    assert [c.value for c in at.caption][0] == "13 个专栏，61 个项目。"  # the plan's boxes (gold: 13, 61)
    labels = [e.label for e in at.expander]
    assert len(labels) == 13 and labels[0].startswith("专栏1")


def test_sparql_console_runs_examples_and_shows_errors(app_env: None) -> None:
    at = open_page("views/sparql.py")
    assert not at.exception
    at.button(key="sparql_run").click().run()
    assert not at.exception and at.dataframe
    example = at.selectbox(key="sparql_example").value
    at.text_area(key=f"sparql_text_{example}").input("DROP ALL").run()
    at.button(key="sparql_run").click().run()
    assert not at.exception
    assert any("查询失败" in e.value and "只读查询" in e.value and "not allowed" not in e.value for e in at.error)
    at.text_area(key=f"sparql_text_{example}").input("SELECT ?s WHERE { ?s ?p }").run()
    at.button(key="sparql_run").click().run()
    assert any("查询失败：语法错误（第 1 行第" in e.value for e in at.error)


def test_indicator_trace_shows_status_and_chart(app_env: None) -> None:
    at = open_page("views/indicators.py", i="孕产妇死亡率")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "2025年目标" in text and "已达成" in text
    assert any("6.93" in c.value.replace("\\", "") for c in at.caption)


def test_search_shows_an_answer_card_and_entity_chips(app_env: None) -> None:
    at = open_page("views/search.py")
    at.text_input(key="query").input("哪个文件设定了每万人口全科医生数目标").run()
    assert not at.exception
    texts = " ".join(m.value for m in at.markdown)
    assert "每万人口全科医生数" in texts
    assert any("2025年" in str(getattr(w, "value", "")) for w in at.get("markdown") + at.get("text"))


def test_upload_notes_name_the_outlet_and_a_first_sentence_label_in_chinese(tmp_path: Path) -> None:
    from kg.config import load_settings
    from kg.query.upload import stage_upload

    (tmp_path / "corpus").mkdir()
    settings = load_settings(env={}, corpus_dir=str(tmp_path / "corpus"), build_dir=str(tmp_path / "build"))
    text = ("记者从甘肃省某县卫生健康局了解到，该县今年新建村卫生室12个，覆盖全部行政村。\n"
            "下一步，该县将继续推进基层医疗卫生服务能力提升。\n来源：陇原日报\n")
    staged = stage_upload(settings, "news.txt", text.encode("utf-8"), staging_root=tmp_path)
    notes = "；".join(staged.notes)
    assert "来源媒体：陇原日报" in notes
    assert "outlet" not in notes and "lead" not in notes
    assert "（来自正文首句，原文未写标题，请改为正式标题）" in notes
    staged.discard()


def test_reader_warns_that_an_ocr_document_may_hold_misread_characters(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    font = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
    if not shutil.which("tesseract") or not font.exists():
        pytest.skip("needs tesseract-ocr, tesseract-ocr-chi-sim and fonts-wqy-zenhei")
    from PIL import Image, ImageDraw, ImageFont

    from kg.build.pipeline import build
    from kg.config import load_settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.txt").write_text("某县卫生健康工作要点\n一、推进家庭医生签约服务，到2027年签约率达到80%。\n",
                                     encoding="utf-8")
    image = Image.new("L", (1400, 260), 255)
    draw = ImageDraw.Draw(image)
    for k, line in enumerate(["关于加强基层医疗卫生服务能力建设的通知", "各乡镇卫生院要完善设备配置"]):
        draw.text((40, 40 + k * 100), line, font=ImageFont.truetype(str(font), 56), fill=0)
    image.save(corpus / "scan.png")
    settings = load_settings(env={}, corpus_dir=str(corpus), build_dir=str(tmp_path / "build"),
                             embedding_model="hashing")
    build(settings)
    monkeypatch.setenv("KG_BUILD_DIR", settings.build_dir)
    monkeypatch.setenv("KG_CORPUS_DIR", settings.corpus_dir)
    monkeypatch.setenv("KG_EMBEDDING_MODEL", "hashing")
    from kg.query.service import Service

    docs = Service.open(settings).documents
    scanned = next(d for d in docs.values() if d.file == "scan.png")
    assert scanned.extraction == "ocr" and {d.extraction for d in docs.values()} == {"ocr", "text"}
    for doc_id, warned in ((scanned.id, True), (next(d for d in docs if d != scanned.id), False)):
        at = AppTest.from_file(APP, default_timeout=60)
        at.switch_page("views/documents.py")
        at.query_params["doc"] = doc_id
        at.run()
        assert not at.exception
        assert any("OCR" in w.value for w in at.warning) is warned


def test_translation_script_is_sent_once_per_session(app_env: None) -> None:
    """The page-wide style comes with every run; the translating script only with a session's
    first (its observer in the tab goes on translating), not again on a rerun or another page."""
    at = open_page("views/search.py")
    scripts = lambda: [h for h in at.get("html") if "__kgZh" in h.proto.body]  # noqa: E731
    styles = lambda: [h for h in at.get("html") if "st-key-kg_i18n" in h.proto.body]  # noqa: E731
    assert len(scripts()) == 1 and len(styles()) == 1
    at.text_input(key="query").input("全科医生").run()
    assert not at.exception
    assert not scripts() and len(styles()) == 1
    at.switch_page("views/home.py").run()
    assert not scripts() and len(styles()) == 1


def test_search_page_says_ready_once_its_search_has_waited(app_env: None) -> None:
    """Opened while the model and indexes are still loading, the search page waits for them and
    then says 检索就绪 in the sidebar in the same run (before, it said 正在后台加载 and ran the
    whole page again a second later, just as the browser drew the first results)."""
    from views.common import reset_service

    reset_service()  # a fresh build opening: its loading starts with this page
    at = open_page("views/search.py", q="每万人口全科医生数")
    assert not at.exception
    said = [c.value for c in at.sidebar.caption] + [i.value for i in at.sidebar.info]
    assert any("检索就绪" in s for s in said), said
    assert not any("正在后台加载" in s for s in said), said
    html = " ".join(h.proto.body for h in at.get("html"))
    assert "<mark>每万人口全科医生数</mark>" in html


def test_search_without_a_matching_word_says_the_passages_are_only_near_in_meaning(app_env: None) -> None:
    at = open_page("views/search.py", q="火星殖民")
    assert not at.exception
    assert any("都不含查询中的词语" in i.value for i in at.info)
    near = [c.value for c in at.caption if "不含查询中的词语" in c.value]
    assert near and len(near) == len([h for h in at.get("html") if h.proto.body.startswith('<div class="kg-hit">')])
    at = open_page("views/search.py", q="每万人口全科医生数")
    assert not any("都不含查询中的词语" in i.value for i in at.info)
    assert not any("不含查询中的词语" in c.value for c in at.caption[:2])  # the first hits match


def _charts(at: AppTest) -> list[dict]:
    import json

    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def test_chart_axis_titles_stand_upright(app_env: None) -> None:
    """A y-axis title in Chinese (a unit such as 人, 文档数) is not turned on its side."""
    for page, params in (("views/entity.py", {"e": "每万人口全科医生数"}), ("views/home.py", {})):
        at = open_page(page, **params)
        assert not at.exception
        axes = [spec["encoding"]["y"].get("axis", {}) for chart in _charts(at)
                for spec in chart.get("layer", [chart]) if "y" in spec.get("encoding", {})
                and spec["encoding"]["y"].get("title")]
        assert axes and all(axis.get("titleAngle") == 0 for axis in axes), (page, axes)


def test_tables_put_what_a_reader_looks_for_first_and_say_what_is_hidden(app_env: None) -> None:
    """Found walking the pages at 1400 px: 指标与目标's 状态 and the document list's 日期 / 类型 were
    off the table's right edge; long names were cut; the 专栏 boxes, all closed, said nothing of
    what they hold; the entity list did not say that it scrolls; 目标追踪 opened on an empty box."""
    import json

    at = open_page("views/indicators.py")
    assert not at.exception
    table = at.dataframe[0].proto
    assert list(table.column_order)[:4] == ["指标", "状态", "目标年", "目标值"]
    assert json.loads(table.columns)["指标"]["width"] == "large"
    assert any("选择一个指标，查看它的目标、基期值" in c.value for c in at.caption)
    assert any("表格可左右滚动，右侧还有最新观测、单位、属性、领域、说明、设定文件。" in c.value for c in at.caption)

    at = open_page("views/documents.py")
    assert list(at.dataframe[0].proto.column_order)[:3] == ["标题", "日期", "类型"]

    at = open_page("views/columns.py")
    labels = [e.label for e in at.expander]
    assert labels and all(re.search(r"（\d+ 项）$", label) for label in labels), labels

    at = open_page("views/entity.py")
    assert any(re.fullmatch(r"\d+ 个实体（表格内可上下滚动）", c.value) for c in at.caption)
    assert json.loads(at.dataframe[0].proto.columns)["名称"]["width"] == "large"

    at = open_page("views/compare.py")
    # The common indicators are a static table, whose long names wrap (a data frame cut them).
    assert len(at.table) == 1 and at.table[0].value.index.name == "指标"


def test_an_upload_that_fails_unexpectedly_says_so_in_chinese_without_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader or cleaner failing on an uploaded file (seen: a data file ahead of its parser)
    is reported in Chinese; nothing is staged, no traceback is shown."""
    import kg.query.upload

    corpus = _one_document_build(tmp_path, monkeypatch)

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("kg/data/web_residue.txt:104: unknown section [credit]")

    monkeypatch.setattr(kg.query.upload, "stage_upload", broken)
    at = open_page("views/manage.py")
    at.get("file_uploader")[0].set_value(("报告.txt", "卫生健康".encode("utf-8"), "text/plain")).run()
    assert not at.exception
    said = " ".join(e.value for e in at.error)
    assert "没有添加：处理这个文件时程序出错" in said and "语料库和索引都没有改变" in said, said
    assert "ValueError" not in said and "web_residue" not in said
    assert not [p.name for p in corpus.iterdir() if p.name != "a.txt"]


def _docx(*lines: str) -> bytes:
    import io

    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_file_chosen_in_place_of_another_shows_its_own_issuer_title_and_date(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found walking the upload: with the boxes keyed by name only, a second .docx chosen in
    place of the first kept the first one's title and date, and its 发布单位 line, read by the
    metadata inference, never reached the empty 发布单位 box."""
    from tests.test_browser import hashing_build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("广西壮族自治区卫生健康委员会推进基层医疗卫生服务能力提升。\n" * 5, encoding="utf-8")
    settings = hashing_build(corpus)
    for name, value in (("KG_BUILD_DIR", settings.build_dir), ("KG_CORPUS_DIR", settings.corpus_dir),
                        ("KG_EMBEDDING_MODEL", "hashing")):
        monkeypatch.setenv(name, value)
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    at = open_page("views/manage.py")
    uploader = at.get("file_uploader")[0]
    uploader.set_value(("甲.docx", _docx("某某市智慧药房示范工程实施方案", "2026年3月5日",
                                         "某某市决定在全市推行智慧药房示范工程。"), mime)).run()
    assert not at.exception

    def box(label: str) -> str:
        return next(t.value for t in at.text_input if t.label == label)

    assert box("标题") == "某某市智慧药房示范工程实施方案" and box("发布单位") == ""
    at.get("file_uploader")[0].set_value(("乙.docx", _docx("某某县家庭医生签约服务实施方案", "某某县卫生健康局",
                                                          "2025年1月8日", "为推进家庭医生签约服务，制定本方案。"),
                                          mime)).run()
    assert not at.exception
    assert box("标题") == "某某县家庭医生签约服务实施方案"
    assert box("发布单位") == "某某县卫生健康局"  # as kg add infers it
    assert box("发布日期（年-月-日）") == "2025-01-08"
    # a policy document's kind is named 政策文件 (a 实施方案 is no 规划)
    said = " ".join(i.value for i in at.info)
    assert "类型：政策文件" in said and "类型：规划" not in said, said


def test_a_page_that_fails_says_so_in_chinese() -> None:
    """What the app's on_script_error hook (app.py) shows for an unexpected error: Chinese, no
    exception type, no traceback."""

    def failing_page() -> None:
        from views.common import show_script_error

        try:
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
        except UnicodeDecodeError as exc:
            assert show_script_error(exc) is True

    at = AppTest.from_function(failing_page, default_timeout=30).run()
    assert not at.exception
    said = " ".join(e.value for e in at.error)
    assert "这一页出错了" in said and "服务器日志" in said
    assert not re.search(r"[A-Za-z]{3,}", said), said


def test_units_and_plain_words_on_the_sparql_download_and_compare_pages(app_env: None) -> None:
    """MB as on the upload page (the SPARQL page said MiB); each download says what the format is
    for and how large it is; on 对比 what a document states goes under the name, where it wraps."""
    at = open_page("views/sparql.py")
    caption = at.caption[0].value
    assert "MiB" not in caption and "16\u00a0MB" in caption

    at = open_page("views/downloads.py")
    notes = [c.value for c in at.caption]
    assert len(notes) == 4 and all(re.search(r"文件 policy-kg\.\w+，[\d.]+ (MB|KB)。$", n) for n in notes), notes

    at = open_page("views/compare.py")
    assert not at.exception
    assert any(c.value.startswith("目标 2025年") for c in at.caption)
    assert not any("：目标" in str(link.proto.label) for link in at.get("page_link"))


def test_a_column_says_where_it_was_read_and_a_baseline_is_no_observation(app_env: None) -> None:
    """A 专栏 (named by no sentence) showed 出处（0 处） over nothing and 0 处提及; an indicator with
    only its baseline showed the baseline as 最新观测 beside 无数据."""
    at = open_page("views/entity.py", e="专栏9 医药卫生体制改革")
    assert not at.exception
    assert not any("0 处" in s.value for s in at.subheader) and any(s.value == "出处" for s in at.subheader)
    assert any("读自《广西卫生健康发展“十四五”规划》中的标题：专栏9" in m.value.replace("\\", "") for m in at.markdown)
    assert not any("0 处提及" in c.value for c in at.caption)

    at = open_page("views/entity.py", e="每万人口全科医生数")
    text = " ".join(m.value.replace("\\", "") for m in at.markdown)
    assert "**最新数值**：只有基期值 2.62人" in text and "之后没有观测值" in text
    assert any(s.value == "数值出处" for s in at.subheader)
    (chart,) = _charts(at)
    x = next(layer["encoding"]["x"] for layer in chart["layer"] if "x" in layer.get("encoding", {}))
    assert x["field"] == "年份" and "年" in x["axis"]["labelExpr"]


def test_the_warm_up_encodes_entity_names_only_after_a_first_page(real_settings: Settings) -> None:
    """The warm-up's search part runs at once; encoding every entity name for 相关实体 (seconds of
    CPU) waits until a page has drawn its status line, so it does not compete with the browser
    loading the app and the first search drawing its results."""
    from kg.query.service import Service
    from views import common

    common._FIRST_PAGE.clear()
    try:
        warmup = common.Warmup(Service.open(real_settings))
        assert warmup.wait(timeout=120) and warmup.state == "ready"
        assert not warmup.wait(everything=True, timeout=1.0)  # held back: no page drawn yet
        assert warmup.service._related_graph._vectors is None
        common._FIRST_PAGE.set()
        assert warmup.wait(everything=True, timeout=180)
        assert warmup.service._related_graph._vectors is not None
    finally:
        common._FIRST_PAGE.set()


def test_a_table_row_hit_says_it_is_a_row_of_a_table(app_env: None) -> None:
    """A table row found by search reads as a run of numbers (14 每万人口全科医生数 人 2.62 4 约束性):
    its caption says 表格中的一行; a passage of running text says nothing of the kind."""
    at = open_page("views/search.py", q="每万人口全科医生数")
    assert not at.exception
    captions = [c.value for c in at.caption if "字符" in c.value]
    assert any("表格中的一行" in c for c in captions) and not all("表格中的一行" in c for c in captions), captions


def _undated_chart() -> None:
    from views.trace_view import chart

    value = {"number": 3.0, "display": "3人"}
    chart({"indicator": {"unit": "人"},
           "observations": [{"as_of": "", "value": value, "document": {"title": "某县简报"}},
                            {"as_of": "2024-06", "value": {"number": 3.5, "display": "3.5人"},
                             "document": {"title": "某县工作总结"}}],
           "targets": [{"year": 2025, "as_of": "2025-12-31", "value": {"number": 4.0, "display": "4人"},
                        "document": {"title": "某县规划"}}]})


def test_a_value_of_an_undated_document_leaves_the_indicator_chart_drawn() -> None:
    # An uploaded document may state no date: its value has no year and is left off the chart; a
    # month alone (2024-06) stands at that month's end.
    from views.trace_view import _year_position

    assert _year_position("2020-12-31") == 2020 and _year_position("2024-06") == 2023.5
    assert _year_position("") is None and _year_position(None) is None
    at = AppTest.from_function(_undated_chart, default_timeout=60).run()
    assert not at.exception
    (chart,) = _charts(at)
    axes = [spec["encoding"]["x"]["axis"]["values"] for spec in chart["layer"] if "x" in spec.get("encoding", {})]
    assert axes and all(values == [2024, 2025] for values in axes)  # the dated values' years only


def test_the_remove_tab_stays_open_while_a_document_is_picked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Picking the document reruns the page; the tab shown must stay the remove tab, with its
    # warning and confirmation, and the add tab's uploader is not drawn behind it.
    corpus = _one_document_build(tmp_path, monkeypatch)
    at = open_page("views/manage.py")
    assert at.get("file_uploader") and not at.selectbox
    at.session_state["manage_tab"] = "删除文档"
    at.run()
    assert not at.get("file_uploader")
    at.selectbox[0].set_value("a").run()
    assert not at.exception
    assert at.session_state["manage_tab"] == "删除文档"
    assert any("删除后" in w.value for w in at.warning)
    assert [c.label for c in at.checkbox] == ["我确认删除这份文档"]
    assert not at.get("file_uploader")


def _one_document_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A corpus of one short text, built with the hashing encoder, that the app is pointed at."""
    from tests.test_browser import hashing_build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("广西壮族自治区卫生健康委员会推进基层医疗卫生服务能力提升。\n" * 5, encoding="utf-8")
    settings = hashing_build(corpus)
    monkeypatch.setenv("KG_BUILD_DIR", settings.build_dir)
    monkeypatch.setenv("KG_CORPUS_DIR", settings.corpus_dir)
    monkeypatch.setenv("KG_EMBEDDING_MODEL", "hashing")
    return corpus
