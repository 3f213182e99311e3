"""Indicators, targets and observations: the numbers the documents state, each with its span.

Three readers feed one :class:`IndicatorExtraction`:

* **The indicator table of a plan** (a ``table`` section whose header names 指标, 单位 and
  year columns) is parsed as a table, not matched against known names. The header gives the
  columns and the years (the last year column is the target year, earlier ones are
  baselines); every row passage gives one indicator: row number, name (wrapped over lines),
  unit, one or more values per year column, attribute, and its 领域, whose characters the
  flattened PDF prints one per line between rows.
* **Value sentences of a plan** (``到2025年，县域内就诊率提高到90%左右``,
  ``70%以上的乡镇卫生院…达到国家基本标准``, ``建设4个…区域医疗中心``) are targets; in the
  plan's retrospective chapter (发展基础) they are baselines, i.e. observations of the
  baseline year.
* **Value sentences of other documents** (``孕产妇死亡率降至6.93/10万``,
  ``88.48％的二级及以上综合性医院设立老年医学科``) are observations, dated by the sentence's
  own year or else by the document's metadata.

Indicators are the plan's table rows plus the plan's target phrases that name no table
indicator. Targets and observations are linked to them by :func:`link_observation`: label
similarity over character bigrams, vetoed whenever units differ in kind or the phrases name
different rates, levels, standards or predicates.

Values keep the text as written (white space removed: PDF extraction puts spaces and line
breaks inside cells, ``提高 1岁``) and the span it was read from, so
``document.text[start:end]`` is always the evidence.

The package, in the order the data flows: :mod:`.values` (a value and its span; the value
language itself is :mod:`kg.quantities`), :mod:`.table` (the indicator table), :mod:`.statements`
(value sentences), :mod:`.linking` (phrase → indicator), :mod:`.extraction` (the entry point and
its records), :mod:`.write` (RDF quads). Scoring against a gold folder is
:mod:`kg.evaluate.extraction`.
"""

from kg.extract.indicators.extraction import (
    IndicatorExtraction,
    Observation,
    Target,
    extract_indicators,
)
from kg.extract.indicators.linking import LINK_THRESHOLD, IndicatorIndex, link_observation
from kg.extract.indicators.statements import Statement, find_designations, find_statements
from kg.extract.indicators.table import IndicatorTable, TableRow, parse_header, parse_indicator_table
from kg.extract.indicators.values import ENTITY_TYPE, Phrase, Value, normalise_key
from kg.extract.indicators.write import indicator_iri, indicator_quads

__all__ = [
    "ENTITY_TYPE", "LINK_THRESHOLD", "IndicatorExtraction", "IndicatorIndex", "IndicatorTable", "Observation",
    "Phrase", "Statement", "TableRow", "Target", "Value", "extract_indicators", "find_designations",
    "find_statements", "indicator_iri", "indicator_quads", "link_observation", "normalise_key", "parse_header",
    "parse_indicator_table",
]
