"""Word lists the metadata rules read: genres, issuer endings, labels (kg/data/doc_genres.txt) and places."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_DATA = "data/doc_genres.txt"
_GAZETTEER = "data/gazetteer_cn.tsv"


@dataclass(frozen=True)
class _Words:
    genres: tuple[tuple[str, str, str], ...]  # (ending, fine kind, graph kind), longest ending first
    issuer_endings: tuple[str, ...]
    labels: dict[str, str]
    markings: frozenset[str]
    issuer_full: tuple[tuple[str, str], ...]  # (short ending, full ending), longest first
    masthead: re.Pattern[str]  # a newspaper masthead line (主管, 邮发代号, 今日8版 …)


@lru_cache(maxsize=1)
def words() -> _Words:
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for number, raw in enumerate(resources.files("kg").joinpath(_DATA).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            current = sections.setdefault(header.group(1), [])
            continue
        if current is None:
            raise ValueError(f"kg/{_DATA}:{number}: a line before the first [section]")
        current.append([c.strip() for c in line.split("\t")])
    genres = tuple(sorted(((r[0], r[1], r[2]) for r in sections.get("genre", [])), key=lambda g: -len(g[0])))
    endings = tuple(sorted((r[0] for r in sections.get("issuer", [])), key=len, reverse=True))
    labels = {r[0]: r[1] for r in sections.get("label", [])}
    markings = frozenset(r[0] for r in sections.get("marking", []))
    full = tuple(sorted(((r[0], r[1]) for r in sections.get("issuer_full", [])), key=lambda r: -len(r[0])))
    masthead = re.compile("|".join(r[0] for r in sections.get("masthead", [])) or r"(?!)")
    return _Words(genres, endings, labels, markings, full, masthead)


@lru_cache(maxsize=2)
def places(level: str = "") -> tuple[tuple[str, str], ...]:
    """(written form, full name) of every gazetteer place (of ``level`` only: province, city,
    county), longest form first; () without the file."""
    try:
        text = resources.files("kg").joinpath(_GAZETTEER).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return ()
    forms: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) < 2 or level and columns[1].strip() != level:
            continue
        name = columns[0].strip()
        forms.setdefault(name, name)
        for short in (columns[3].split(",") if len(columns) > 3 else []):
            if len(short.strip()) >= 2:
                forms.setdefault(short.strip(), name)
    return tuple(sorted(forms.items(), key=lambda kv: -len(kv[0])))


_MARKS = "→←↑↓⇒➜➤▶►▸▼▲◆◇●○■□★☆>»"
#: Marks a page sets after a headline for show (…推动→, …▶): no part of the title.
TRAILING_MARKS = re.compile(rf"\s*[{_MARKS}]+\s*$")


def genre_of(title: str) -> tuple[str, str] | None:
    """(fine kind, graph kind) from a title's ending (``…的实施方案`` → 方案, plan); None if none."""
    bare = re.sub(rf"[\s”\"'{_MARKS}]+$", "", title)
    for ending, fine, kind in words().genres:
        if bare.endswith(ending):
            return fine, kind
    return None


def full_issuer(name: str) -> str:
    """An issuer's name with its short official ending written out (…卫生健康委 → …卫生健康委员会)."""
    for short, full in words().issuer_full:
        if name.endswith(short) and len(name) > len(short):
            return name[: -len(short)] + full
    return name


def genre_label(text: str) -> tuple[str, str] | None:
    """(fine kind, graph kind) when ``text`` is nothing but a genre word (信息手册, 实施方案)."""
    bare = text.strip()
    for ending, fine, kind in words().genres:
        if bare == ending:
            return fine, kind
    return None
