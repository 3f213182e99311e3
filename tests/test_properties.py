"""Property-based tests: arbitrary Unicode never breaks normalisation, structure, passages or extractors."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.ingest.normalise import normalise
from kg.ingest.passages import split_passages
from kg.records import Document, DocumentMeta
from kg.ingest.sections import parse_heading, split_sections

# Characters that exercise the rules: headings, boxes, tables, punctuation, digits, spaces, page breaks.
POLICY_ALPHABET = list("一二三四五六七八九十、（）()．.1234567890专栏第章健康卫生院医疗机构工程行动试点试验区"
                       "，。；：“”《》%‰≤≥＜＞—\n\f 　\t")
policy_text = st.text(alphabet=st.sampled_from(POLICY_ALPHABET), max_size=400)
any_text = st.text(max_size=300)
PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def document(text: str) -> Document:
    return Document(DocumentMeta("p", "p.txt", "题目", "", "2024-01-01", "news"), text, "h", "utf-8", "txt")


@PROFILE
@given(st.one_of(policy_text, any_text))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@PROFILE
@given(st.one_of(policy_text, any_text))
def test_heading_parser_never_fails(line: str) -> None:
    heading = parse_heading(line.split("\n")[0])
    if heading is not None:
        assert heading.title and 0 < heading.title_end <= len(line.split("\n")[0])


@PROFILE
@given(st.one_of(policy_text, any_text))
def test_sections_nest_and_passages_are_exact_slices(raw: str) -> None:
    doc = document(normalise(raw))
    sections = split_sections(doc)
    by_id = {s.id: s for s in sections}
    for section in sections:
        assert 0 <= section.start <= section.body_start <= section.end <= len(doc.text)
        if section.parent_id:
            parent = by_id[section.parent_id]
            assert parent.start <= section.start and section.end <= parent.end
    for passage in split_passages(doc, sections, target=60, maximum=120):
        assert doc.text[passage.start:passage.end] == passage.text
        assert passage.text.strip()


@PROFILE
@given(policy_text)
def test_indicator_extraction_spans_are_valid(raw: str) -> None:
    from kg.extract.indicators import extract_indicators

    doc = document(normalise(raw))
    doc = Document(DocumentMeta("p", "p.txt", "规划", "", "2022-01-01", "plan"), doc.text, "h", "utf-8", "txt")
    sections = split_sections(doc)
    extraction = extract_indicators([(doc, sections, split_passages(doc, sections))])
    for mention in extraction.mentions:
        assert doc.text[mention.start:mention.end] == mention.surface
