"""What every page of the app shares: the cached service and the clear stop when it is unusable."""

from __future__ import annotations

import streamlit as st

from kg.config import Settings, load_settings
from kg.errors import KGError, StaleBuildError
from kg.query.service import Service

KIND_NAMES = {"plan": "规划", "news": "新闻", "bulletin": "简报"}


@st.cache_resource(show_spinner="正在加载知识图谱和索引…")
def get_service(settings: Settings) -> Service:
    """One read-only service per server process and settings."""
    return Service.open(settings)


def service_or_stop() -> Service:
    """The service, or a plain explanation (never a traceback) when the build is unusable."""
    try:
        return get_service(load_settings())
    except StaleBuildError as exc:
        st.error(f"索引不可用：{exc}")
        st.info("请在项目目录运行 `make app`（或 `kg build`）重新构建，然后刷新本页。")
        st.stop()
    except KGError as exc:
        st.error(f"加载失败：{exc}")
        st.stop()
    raise AssertionError("unreachable")
