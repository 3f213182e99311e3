"""A card that cites a table row names the table and its column labels (the row alone does not say
what its numbers are). Invented texts of another province, built for real (hashing encoder)."""

from __future__ import annotations

import pytest

import json

from kg.build.pipeline import build
from kg.query.citations import table_context, table_header
from kg.query.service import Service
from tests.helpers import settings_for

PLAN = """四川省卫生健康事业发展规划（2023—2027年）
一、发展基础
全省卫生健康事业取得长足进步，人均预期寿命提高到78.2岁。
二、发展目标
到2027年，县域就诊率达到90%以上。
四川省卫生健康事业发展主要指标
类
别
序
号
指标名称
单
位
2022
年
2027
年
属
性
健
康
水
平
1 人均预期寿命 岁 78.2 79.5 左右 预期性
2
每万人口全科医
生数
人
3.1 4.2 约束性
健 3
城乡居民医保住院费用
报销比例
%
75%
≥80%
约束性
康
保
障
三、保障措施
加强组织领导，完善考核机制，确保各项目标落实到位。
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "sc-plan.txt").write_text(PLAN, encoding="utf-8")
    (corpus / "metadata.json").write_text(json.dumps({"documents": [{
        "id": "sc-plan", "file": "sc-plan.txt", "title": "四川省卫生健康事业发展规划（2023—2027年）",
        "issuer": "四川省人民政府", "date": "2023-03-01", "kind": "plan"}]}, ensure_ascii=False), encoding="utf-8")
    settings = settings_for(tmp_path_factory.mktemp("build"), model="hashing", corpus=corpus)
    build(settings)
    return Service.open(settings)


def test_the_indicator_card_names_the_table_and_its_columns(service: Service) -> None:
    card = service.answer("每万人口全科医生数")
    assert card is not None and "2027年 4.2人" in card.text
    row = next(c for c in card.citations if "4.2" in c.quote)
    assert service.document_text(row.doc_id)[row.start:row.end] == row.quote  # still an exact span
    assert row.table == "四川省卫生健康事业发展主要指标"
    assert row.header == ("类别", "序号", "指标名称", "单位", "2022年", "2027年", "属性")
    said = row.context()
    assert said.startswith("表格：四川省卫生健康事业发展主要指标") and "2022年 | 2027年" in said


def test_a_sentence_citation_names_no_table(service: Service) -> None:
    card = service.answer("县域就诊率")
    assert card is not None
    assert all(c.table == "" and c.header == () and c.context() == "" for c in card.citations)


def test_a_tab_separated_tables_header_rows_are_its_labels() -> None:
    text = "责任分工表\n部门\t责任单位\t责任单位\n部门\t牵头单位\t配合单位\n1. 推进某项工作\t某某局\t某某委\n"
    assert table_header(text, "责任分工表", 0, len(text)) == ("部门", "责任单位·牵头单位", "责任单位·配合单位")
    assert table_context("", ()) == ""
