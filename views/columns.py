"""专栏与项目 page: the plan's 专栏 boxes and their items, each with related programmes and pilot zones."""

from __future__ import annotations

import streamlit as st

from views.render import TYPE_NAMES, escape_markdown
from views.common import service_or_stop


def columns_page() -> None:
    service = service_or_stop()
    st.title("专栏与项目")
    boxes = service.special_columns()
    if not boxes:
        st.info("当前构建中没有专栏。")
        return
    st.caption(f"{len(boxes)} 个专栏，{sum(len(b.items) for b in boxes)} 个项目。")
    for box in boxes:
        # The count in the closed box's title: all closed, the page showed only thirteen names.
        with st.expander(escape_markdown(box.label) + f"（{len(box.items)} 项）", expanded=False):
            for item in box.items:
                st.page_link("views/entity.py", label=f"{item.ordinal}．{escape_markdown(item.label)}", icon=":material/label:",
                             query_params={"e": item.iri})
                if item.linked:
                    st.caption(escape_markdown("　相关：" + "、".join(
                        f"{name}（{TYPE_NAMES.get(kind.lower(), kind)}）" for name, kind in item.linked)))


columns_page()
