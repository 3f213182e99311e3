"""``kg trace``, ``kg related`` and ``kg timeline``: an indicator's targets and values across
documents, an entity's related programmes/zones/institutions, and where an entity appears.

Errors are raised as KGError (QueryError: exit code 7); the group turns them into messages.
"""

from __future__ import annotations

from typing import Any

import click

from kg.cli.common import echo_json, main, open_service


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _print_value(prefix: str, value: dict[str, Any]) -> None:
    quote = value["quote"]
    doc = value["document"]
    click.echo(f"{prefix}{value['value']['display']}  截至 {value['as_of']}  《{doc['title']}》"
               f"（{doc['kind']}{'，基期' if value.get('is_baseline') else ''}）")
    click.echo(f"      “{_one_line(quote['text'])}” [{doc['id']} {quote['start']}:{quote['end']}]")


@main.command("trace")
@click.argument("indicator")
@click.option("--json", "as_json", is_flag=True, help="Print the trace as JSON.")
@click.pass_context
def trace_command(ctx: click.Context, indicator: str, as_json: bool) -> None:
    """Trace an indicator: who set which target, its baseline, every observation by date, and
    whether each target is met (已达成 / 未达成 / 进行中 / 无数据 / 无法比较).

    INDICATOR may be written any way a person would: 每万人口全科医生数, 全科医生, 老年医学科比例.
    """
    data = open_service(ctx).trace(indicator).to_json()
    if as_json:
        echo_json(data)
        return
    info = data["indicator"]
    facts = "；".join(x for x in (f"单位 {info['unit']}" if info["unit"] else "",
                                  f"领域 {info['domain']}" if info["domain"] else "", info["attribute"]) if x)
    click.echo(f"{info['label']}（{facts}）" if facts else info["label"])
    if data["match"]["how"] not in ("label", "alias", "iri"):
        others = "、".join(a["label"] for a in data["alternatives"])
        click.echo(f"  按“{data['query']}”匹配（{data['match']['how']} {data['match']['score']:.2f}）"
                   + (f"；其他可能：{others}" if others else ""))
    for number, target in enumerate(data["targets"], 1):
        doc = target["document"]
        where = (f"表格第{target['table_row']}行" if target["table_row"] else "") + \
            (" ＞ ".join(target["section_path"][-2:]) if not target["table_row"] else "")
        attribute = f"（{target['attribute']}）" if target["attribute"] else ""
        click.echo(f"目标 {number}: {target['year']}年 {target['value']['display']}{attribute} — 《{doc['title']}》 "
                   f"{doc['issuer']} {doc['date']} {doc['kind']}")
        click.echo(f"  位置: {where}")
        quote = target["quote"]
        click.echo(f"  原文: “{_one_line(quote['text'])}” [{doc['id']} {quote['start']}:{quote['end']}，"
                   f"数值 {quote['value_start']}:{quote['value_end']}]")
        if target["baseline"]:
            base = target["baseline"]
            click.echo(f"  基期: {base['year']}年 {base['value']['display']}")
        click.echo(f"  状态: {target['status']} — {target['reason']}")
    if not data["targets"]:
        click.echo("没有文件为这一指标设定目标")
    click.echo(f"观测值（{len(data['observations'])}，按截至日期）:")
    for observation in data["observations"]:
        _print_value("  ", observation)
    if data["current"]:
        current = data["current"]
        click.echo(f"当前值: {current['value']['display']}（截至 {current['as_of']}，《{current['document']['title']}》）")


@main.command("related")
@click.argument("entity")
@click.option("--k", "-k", default=10, show_default=True, help="Number of related entities.")
@click.option("--no-embeddings", is_flag=True, help="Do not use label similarity (no model load).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def related_command(ctx: click.Context, entity: str, k: int, no_embeddings: bool, as_json: bool) -> None:
    """Programmes, pilot zones, institutions, practices and indicators related to ENTITY, with reasons."""
    data = open_service(ctx).related(entity, k=k, embeddings=not no_embeddings)
    if as_json:
        echo_json(data.to_json())
        return
    seed = data.entity
    click.echo(f"{seed.label}（{seed.type}）  <{seed.iri}>")
    if data.embedding.startswith("unavailable"):
        click.echo(f"  (label similarity {data.embedding})", err=True)
    if not data.related:
        click.echo("  no related entities")
    for rank, item in enumerate(data.related, 1):
        click.echo(f"{rank:>2}. [{item.score:.2f}] {item.label}（{item.type}）")
        for reason in item.reasons:
            click.echo(f"      - {reason.text}")


@main.command("timeline")
@click.argument("entity")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def timeline_command(ctx: click.Context, entity: str, as_json: bool) -> None:
    """Where ENTITY appears across documents, by date: document, kind, mentions, first quote."""
    data = open_service(ctx).timeline(entity)
    if as_json:
        echo_json(data.to_json())
        return
    click.echo(f"{data.entity.label}（{data.entity.type}）")
    for row in data.documents:
        click.echo(f"  {row.date}  {row.kind:<8} {row.mentions:>3}×  《{row.title}》")
        if row.first_quote:
            quote = row.first_quote
            click.echo(f"      “{_one_line(quote.quote)}” [{row.doc_id} {quote.start}:{quote.end}]")

