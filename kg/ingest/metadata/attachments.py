"""Attachments shipped as files of their own, linked to their notice."""

from __future__ import annotations

import re
from pathlib import Path

_ATTACHMENT_FILE = re.compile(r"^(?P<prefix>.*?)[\s\-_、.．]*附\s*件\s*(?P<number>\d{1,2}|[一二三四五六七八九十]{1,3})")


def attachment_links(documents: list[tuple[str, str, str, str]]) -> dict[str, tuple[str, str]]:
    """Which documents are attachments of which notice: {attachment id: (notice id, 附件N)}.

    ``documents`` holds (id, file name, title, text). An attachment shipped as a file of its own is
    named like ``11-附件3：…`` or opens with ``附件3``; its notice is the document whose file name
    has the same prefix (``11``) and is no attachment itself, or whose attachment list (附件：1．…)
    names the attachment's title.
    """
    links: dict[str, tuple[str, str]] = {}
    attachments = {}
    for doc_id, name, title, text in documents:
        match = _ATTACHMENT_FILE.match(Path(name).stem)
        opening = re.match(r"\s*附\s*件\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:\n|$)", text)
        if match or opening:
            number = match.group("number") if match else opening.group(1)
            attachments[doc_id] = (match.group("prefix").strip() if match else "", f"附件{number}", title)
    for doc_id, (prefix, label, title) in attachments.items():
        bare_title = re.sub(r"\s", "", title)
        for other_id, name, _, text in documents:
            if other_id == doc_id or other_id in attachments:
                continue
            same_prefix = bool(prefix) and re.match(re.escape(prefix) + r"(?![\d])", Path(name).stem) is not None
            listed = bool(bare_title) and re.search(r"附\s*件\s*[:：]", text) is not None and \
                bare_title in re.sub(r"\s", "", text[text.rfind("附件"):][:2000] if "附件" in text else "")
            if same_prefix or listed:
                links[doc_id] = (other_id, label)
                break
    return links
