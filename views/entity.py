"""实体 page: without a choice, an overview of what the graph holds (counts by type, a filterable
list); with one, the entity's facts at once (an indicator's targets and chart, an institution's
place, group, lead and members, a pilot zone's level, place and approval, a 专栏's items with their
targets, a programme's 专栏 and item), each with its citation, then related entities and mentions."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from kg.errors import KGError
from kg.query.service import Service
from kg.query.recognise import EntityRef
from kg.query.citations import section_heading, table_context
from kg.query.facts import CLASS_OF, column_items, entity_facts
from views.common import cached_target_rows, chinese_error, service_or_stop, warmup_state
from views.render import TYPE_NAMES, escape_markdown, row_quote
from views.trace_view import reader_link, show_trace

ORDER = ("indicator", "institution", "programme", "pilotzone", "place", "practice", "specialcolumn", "task",
         "citeddocument")


def entity_page() -> None:
    service = service_or_stop()
    st.title("实体")
    everything = service.entities()
    by_iri = {e.iri: e for e in everything}
    asked = wanted = st.query_params.get("e", "")
    options = [e.iri for e in everything]
    if wanted and wanted not in by_iri:
        try:  # a name in the URL (?e=全科医生) resolves like `kg show`
            wanted = service.entity(wanted).iri
        except KGError:
            st.warning(escape_markdown(f"未找到实体：{wanted}"))
            wanted = ""
    if asked != st.session_state.get("entity_url"):
        # Arrived by a link (from this page too: a fact, a related entity): the URL's entity wins
        # over what the select box last held.
        if wanted in options:
            st.session_state["entity_pick"] = wanted
        else:
            st.session_state.pop("entity_pick", None)
    iri = st.selectbox("选择实体", options,
                       index=None if "entity_pick" in st.session_state or wanted not in options
                       else options.index(wanted),
                       format_func=lambda i: f"{by_iri[i].label}（{TYPE_NAMES.get(by_iri[i].type, by_iri[i].type)}）",
                       key="entity_pick", placeholder="输入名称搜索…")
    st.session_state["entity_url"] = iri or ""
    if not iri:
        _overview(everything)
        return
    st.query_params["e"] = iri
    st.query_params.pop("type", None)
    data = service.entity(iri)
    summary = by_iri[iri]
    st.header(escape_markdown(data.label))
    # A 专栏 is read from its box, never named in running text: "0 处提及" said nothing useful.
    mentioned = f" · {summary.mentions} 处提及" if summary.mentions else ""
    st.caption(f"类型：{TYPE_NAMES.get(summary.type, summary.type)} · 见于 {len(summary.documents)} 份文档{mentioned}")
    if summary.aliases:
        st.markdown(escape_markdown("别名：" + "、".join(summary.aliases)))
    st.page_link("views/graph.py", label="在图谱中查看", icon=":material/hub:", query_params={"e": iri})
    _facts(service, iri, summary.type, data.label)
    with st.expander("全部属性", expanded=False):
        st.dataframe([{"属性": p, "值": " | ".join(data.named(v) for v in vs)}
                      for p, vs in sorted(data.properties.items())],
                     hide_index=True, width="stretch")
    if summary.type == "indicator":
        st.page_link("views/indicators.py", label="目标追踪", icon=":material/timeline:",
                      query_params={"i": data.label})
    _related_when_ready(service, iri)
    if not data.mentions:
        _heading_source(service, iri)
        return
    st.subheader(f"出处（{len(data.mentions)} 处）")
    for mention in data.mentions:
        params = {"doc": mention.doc_id, "start": mention.start, "end": mention.end}
        table, header = service.sources.table_of(mention.passage.rsplit("/", 1)[-1])
        with st.container(border=True):
            st.markdown(row_quote(mention.quote, table_context(table, header)))
            st.page_link("views/documents.py", label=escape_markdown(f"{mention.title} · 字符 {mention.start}–{mention.end}"),
                         icon=":material/article:", query_params=params)


def _heading_source(service: Service, iri: str) -> None:
    """出处 of an entity no sentence names (a 专栏, a box item): the heading it was read from.
    Without one the heading is left out (出处（0 处）over nothing was an empty section)."""
    heading = section_heading(service.sources, iri)
    if heading is None:
        return
    st.subheader("出处")
    with st.container(border=True):
        st.markdown(escape_markdown(f"读自《{heading.doc_title}》中的标题：{heading.quote}"))
        reader_link("在文档中查看", heading.doc_id, heading.start, heading.end)


def _entity_link(label: str, iri: str) -> None:
    st.page_link("views/entity.py", label=escape_markdown(label), query_params={"e": iri}, icon=":material/label:")


def _related_when_ready(service: Service, iri: str) -> None:
    """相关实体 once the warm-up has made the entity-name vectors; until then a note that looks
    again every second (the rest of the page does not wait)."""
    warmup = warmup_state()
    if warmup.wait(everything=True, timeout=0):
        _related(service, iri)
        return

    @st.fragment(run_every=1.0)
    def later() -> None:
        if warmup.wait(everything=True, timeout=0):
            st.rerun(scope="app")
        st.subheader("相关实体")
        st.caption("相关实体正在后台准备，稍后自动显示…")

    later()


def _related(service: Service, iri: str, shown: int = 15) -> None:
    """相关实体: each related entity by name and type, linked to its page, with its reasons in words."""
    try:
        related = service.related(iri, k=shown)
    except KGError as exc:
        st.info(f"相关实体暂不可用：{chinese_error(exc)}")
        return
    st.subheader("相关实体")
    if not related.related:
        st.caption("图谱中没有与它相关的实体。")
        return
    if related.embedding.startswith("unavailable"):
        st.caption("暂时无法比较名称的意思，以下只按图谱中的关联排序。")
    titles = _document_titles(service)
    for item in related.related:
        kind = TYPE_NAMES.get(item.type.lower(), item.type)
        reasons = titles("；".join(reason.text for reason in item.reasons))
        _entity_link(item.label, item.iri)
        st.caption(escape_markdown(f"{kind} · {reasons}"))


def _document_titles(service: Service) -> Any:
    """A function that puts each document's title (《…》) where a text names it by its id."""
    docs = service.documents
    if not docs:
        return lambda text: text
    pattern = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(d) for d in sorted(docs, key=len, reverse=True))
                         + r")(?![\w.-])")
    return lambda text: pattern.sub(lambda m: f"《{docs[m.group(1)].title}》", text)


def _overview(everything: list) -> None:
    """What the graph holds: counts by type and a filterable list; a row opens its entity."""
    counts = {t: sum(1 for e in everything if e.type == t) for t in ORDER}
    kinds = [t for t in ORDER if counts[t]]
    st.caption(f"共 {len(everything)} 个实体。选择一个类型或输入名称筛选，点击一行打开实体页。")
    wanted = st.query_params.get("type", "")
    kind = st.pills("类型", kinds, default=wanted if wanted in kinds else None,
                    format_func=lambda t: f"{TYPE_NAMES.get(t, t)} {counts[t]}", key="entity_type")
    if kind:
        st.query_params["type"] = kind
    else:
        st.query_params.pop("type", None)
    text = st.text_input("按名称筛选", key="entity_filter", placeholder="输入名称中的字词")
    rows = [e for e in everything if (not kind or e.type == kind)
            and (not text or text in e.label or any(text in a for a in e.aliases))]
    rows.sort(key=lambda e: (-e.mentions, e.label))
    # About 15 rows fit the table's height: say that the rest is reached by scrolling inside it.
    st.caption(f"{len(rows)} 个实体" + ("（表格内可上下滚动）" if len(rows) > 15 else ""))
    picked = st.dataframe(
        [{"名称": e.label, "类型": TYPE_NAMES.get(e.type, e.type), "别名": "、".join(e.aliases), "文档数": len(e.documents),
          "提及次数": e.mentions} for e in rows],
        hide_index=True, width="stretch", height=560, on_select="rerun", selection_mode="single-row",
        key="entity_table",
        # Names are long (2024年度自治区财政支持公立医院…): most of the width goes to them.
        column_config={"名称": st.column_config.TextColumn(width="large"),
                       "类型": st.column_config.TextColumn(width="small"),
                       "文档数": st.column_config.NumberColumn(width="small"),
                       "提及次数": st.column_config.NumberColumn(width="small")})
    chosen = picked.selection.rows if picked and picked.selection else []
    if chosen:
        st.query_params["e"] = rows[chosen[0]].iri
        st.session_state.pop("entity_pick", None)
        st.rerun()


def _facts(service: Service, iri: str, kind: str, label: str) -> None:
    """The facts of the entity's type, each with its citation."""
    sources = service.sources
    entity = EntityRef(iri, label, CLASS_OF.get(kind, kind))
    if kind == "indicator":
        show_trace(service, iri)
        return
    if kind == "specialcolumn":
        st.subheader("专栏条目与目标")
        for item in column_items(sources, entity, cached_target_rows(service)):
            with st.container(border=True):
                number = f"{item.ordinal}．" if item.ordinal else ""
                st.page_link("views/entity.py", label=escape_markdown(f"{number}{item.label}"), icon=":material/label:",
                             query_params={"e": item.iri})
                if item.targets:
                    for target in item.targets:
                        st.markdown(escape_markdown(f"目标：{target['indicator']} {target['year']}年 {target['target']}"))
                        c = target["citation"]
                        if c.context():
                            st.caption(row_quote(c.quote, c.context()))
                        reader_link(f"原文：{c.quote[:60]}", c.doc_id, c.start, c.end)
                else:
                    st.caption("图谱中没有记录这个条目的量化目标。")
                if item.heading is not None:
                    h = item.heading
                    reader_link(f"条目原文：{h.quote[:60]}", h.doc_id, h.start, h.end)
        return
    facts = entity_facts(sources, entity)
    if not facts:
        return
    st.subheader("要点")
    for fact in facts:
        with st.container(border=True):
            # One row that wraps: each named entity a link that opens in this tab (a markdown
            # link would open a new tab), the words without an entity as text.
            with st.container(horizontal=True, gap="small", vertical_alignment="center"):
                st.markdown(f"**{escape_markdown(fact.name)}**：", width="content")
                for text, target in fact.values:
                    if target:
                        _entity_link(text, target)
                    else:
                        st.markdown(escape_markdown(text), width="content")
            if fact.note:
                st.caption(escape_markdown(fact.note))
            if fact.citation is not None:
                c = fact.citation
                st.caption("原文：" + row_quote(c.quote, c.context()))
                reader_link(f"《{c.doc_title}》 字符 {c.start}–{c.end}", c.doc_id, c.start, c.end)


entity_page()
