"""Credits moved out of web chrome: where they stood is known for every character, and only a
body's or outlet's account name is a credit (invented stories)."""

from __future__ import annotations

from kg.ingest.normalise import strip_chrome

STORY = ("某某县召开健康工作会议。\n会议要求各部门抓好落实。\n"
         "来源：甲市日报 责任编辑：王某 来源：乙县融媒体中心 访问量：687\n"
         "第二段正文继续写下去。")


def test_every_character_of_a_moved_credit_is_out_of_place() -> None:
    cleaned = strip_chrome(STORY)
    assert cleaned.text.endswith("第二段正文继续写下去。\n来源：甲市日报\n来源：乙县融媒体中心")
    for credit in ("来源：甲市日报", "来源：乙县融媒体中心"):
        start = STORY.find(credit)
        for offset in range(start, start + len(credit)):
            assert cleaned.in_place(offset) is False, STORY[offset:]
            # ... yet it is still found in the text, among the closing credits.
            at = cleaned.to_text(offset, offset + 1)
            assert at is not None and cleaned.text[at[0]] == STORY[offset]
            assert at[0] > cleaned.text.find("第二段")
    body = STORY.find("会议要求")
    assert all(cleaned.in_place(k) for k in range(body, body + 12))
    assert cleaned.in_place(STORY.find("第二段"))


def test_only_a_body_or_outlet_before_the_account_word_is_a_credit() -> None:
    from kg.ingest.normalise import is_credit

    assert is_credit("某某县卫生健康委员会官方微信")
    assert is_credit("甲省卫生健康委员会官方账号")
    assert is_credit("乙市日报官方微博")
    for sentence in ("市民可扫码关注某某县卫健委官方微信", "详情请关注本报官方微信", "欢迎关注丙县人民医院官方公众号"):
        assert not is_credit(sentence), sentence


def test_a_sentence_naming_an_account_stays_in_the_body_where_it_stood() -> None:
    story = ("某某县开展健康义诊活动。\n市民可扫码关注某某县卫健委官方微信\n活动持续到月底。\n"
             "来源：甲市日报 访问量：12\n某某县卫生健康委员会官方微信")
    cleaned = strip_chrome(story)
    lines = cleaned.text.split("\n")
    assert lines.index("市民可扫码关注某某县卫健委官方微信") < lines.index("活动持续到月底。")
    assert cleaned.in_place(story.find("市民可扫码"))
    assert lines[-2:] == ["来源：甲市日报", "某某县卫生健康委员会官方微信"]
    # The account's name alone on a line between paragraphs is a credit: it moves to the end.
    moved = strip_chrome("某某县开展健康义诊活动。\n某某县卫生健康委员会官方微信\n活动持续到月底。\n")
    assert moved.text.split("\n") == ["某某县开展健康义诊活动。", "活动持续到月底。", "某某县卫生健康委员会官方微信"]
