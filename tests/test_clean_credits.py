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
