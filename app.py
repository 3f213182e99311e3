"""policy-kg in the browser: a thin Streamlit shell over kg.query.service (no business logic here).

Run with `make app` (binds 127.0.0.1). Each page is a file in views/; all document and
user text shown as HTML is escaped in views.render.

`streamlit run app.py` finds ``app`` below and serves it; importing this file for that opens the
build and starts loading the encoder and indexes in the background, so a first search shortly
after start does not wait for the model. Each browser session then runs this file as the page
script.
"""

from __future__ import annotations

import streamlit as st

if __name__ == "__main__":  # a session's script run
    st.set_page_config(page_title="policy-kg 广西卫生健康政策知识图谱", page_icon=":material/account_tree:",
                       layout="wide")
    PAGES = [
        # Material icons ship with Streamlit; emoji would need a colour-emoji font on the server.
        st.Page("views/home.py", title="首页", icon=":material/home:", default=True),
        st.Page("views/search.py", title="检索", icon=":material/search:", url_path="search"),
        st.Page("views/entity.py", title="实体", icon=":material/label:", url_path="entity"),
        st.Page("views/graph.py", title="图谱", icon=":material/hub:", url_path="graph"),
        st.Page("views/indicators.py", title="指标与目标", icon=":material/monitoring:", url_path="indicators"),
        st.Page("views/columns.py", title="专栏与项目", icon=":material/view_list:", url_path="columns"),
        st.Page("views/documents.py", title="文档", icon=":material/description:", url_path="documents"),
        st.Page("views/manage.py", title="文档管理", icon=":material/upload_file:", url_path="manage"),
        st.Page("views/compare.py", title="对比", icon=":material/compare:", url_path="compare"),
        st.Page("views/sparql.py", title="SPARQL", icon=":material/terminal:", url_path="sparql"),
        st.Page("views/downloads.py", title="下载", icon=":material/download:", url_path="downloads"),
    ]
    st.navigation(PAGES).run()
else:  # imported by the server at start
    import threading

    def _skip_component_scan() -> None:
        """Streamlit scans the metadata of every installed package for (version 2) custom
        components when it builds its runtime, 0.5–1.2 s of CPU here before the server answers
        and while the encoder loads. This app uses none (streamlit-agraph is a version 1
        component, which needs no scan; the scan finds nothing in this environment), so it is
        skipped. Should Streamlit move the method, the scan simply runs as before."""
        try:
            from streamlit.components.v2.component_manager import BidiComponentManager
        except ImportError:
            return
        if hasattr(BidiComponentManager, "discover_and_register_components"):
            BidiComponentManager.discover_and_register_components = lambda self, **_: None  # type: ignore[method-assign]

    def _skip_first_element_checks() -> None:
        """Two costs of the first page drawn after start, skipped: the first element a session
        sends makes Streamlit check once whether it runs in a Python prompt (``inspect.stack()``,
        which reads the source of every frame and looks up every loaded module: 0.15–0.2 s of
        CPU, traced on the loaded machine, just before the first search's page is drawn) — this
        file is served by ``streamlit run``, so it never does; and every page script is rewritten
        for "magic" (bare expressions shown) on its first run — no page uses it."""
        from streamlit import config

        try:
            import streamlit.delta_generator as delta_generator
        except ImportError:
            delta_generator = None
        if delta_generator is not None and hasattr(delta_generator, "_use_warning_has_been_displayed"):
            delta_generator._use_warning_has_been_displayed = True  # type: ignore[attr-defined]
        config.set_option("runner.magicEnabled", False)

    def _start_loading() -> None:
        """The project's modules (the query service, numpy, FAISS, BM25: 0.4 s and more to import)
        are imported in a background thread that then opens the build and starts its warm-up
        (views.common.start_loading), so the server answers — and the browser starts fetching
        the app's scripts — that much earlier. A page imports views.common itself (waiting, if
        need be, for the import under way)."""
        def run() -> None:
            from views.common import start_loading

            start_loading()

        threading.Thread(target=run, name="kg-import", daemon=True).start()

    def _script_error(exc: Exception) -> bool:
        from views.common import show_script_error

        return show_script_error(exc)

    _skip_component_scan()
    _skip_first_element_checks()
    # The build opens and the encoder and indexes load from here on, in background threads,
    # while Streamlit builds its runtime and starts the server (the lifespan runs only after).
    _start_loading()
    # A page that fails unexpectedly says so in Chinese (the traceback goes to the server's log);
    # client.showErrorDetails = "none" in .streamlit/config.toml covers what this cannot reach.
    app = st.App(__file__, on_script_error=_script_error)
