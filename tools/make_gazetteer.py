"""Make kg/data/gazetteer_cn.tsv: China's provinces, prefecture-level and county-level divisions.

Source: the administrative-division table that JioNLP ships (``jionlp/dictionary/china_location.zip``,
file ``china_location.txt``; JioNLP 1.5.31, Apache License 2.0, https://github.com/dongrixinyu/JioNLP),
which follows the Ministry of Civil Affairs' published division codes (GB/T 2260). Only the first
three levels are used (province, city, county/district); townships and villages are not.

Run (the wheel is read, not installed; any JioNLP version with the same file works):

    pip download --no-deps -d /tmp/jio jionlp
    python tools/make_gazetteer.py /tmp/jio/jionlp-*.whl > kg/data/gazetteer_cn.tsv

What the script decides (general rules, no place is special-cased):

* Functional zones that are not administrative divisions (code digits 5–6 in 70–79: 经济技术开发区,
  城乡一体化示范区 …) and the placeholders 省直辖县级行政区划 / 市辖区 are dropped; the counties under a
  placeholder hang under the province (海南 琼海市, 河南 济源市).
* Municipalities (北京市 …) are provinces; their districts hang under them.
* Hong Kong, Macao and Taiwan are listed as provinces only.
* A full name used by two or more places (鼓楼区) is written as ``parent+name`` (南京市鼓楼区) for each,
  and the bare name is listed once with no parent (a place, but of unknown province).
* Short forms: the source's short form (南宁 for 南宁市, 上林 for 上林县), kept only when it has at
  least two characters, belongs to one place only (or to one city and counties: then the city),
  and is not an everyday word (jieba's dictionary
  tags it as a verb, adjective, adverb … of frequency ≥ 50, or as a common noun of frequency ≥ 300, or a county's short
  form is any word of frequency ≥ 1000: 和平, 东方, 新华, 资源, 长安 are dropped; a city's short form only when it is a
  word of frequency ≥ 1000, such as 开封, for jieba mistags city names: 合肥 n, 遵义 v). Autonomous
  counties, prefectures and banners also get their short form with the generic word (三江 → 三江县).
  Province short forms are taken from the source as they are (广西, 内蒙古), except 吉林 (also a city).
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

LOCATION_MEMBER = "jionlp/dictionary/china_location.zip"
_PLACEHOLDERS = ("直辖", "市辖区")
_SPECIAL = ("香港", "澳门", "台湾")


def read_rows(wheel: Path) -> list[tuple[int, str, str, str]]:
    """(depth, name, code, short) of the source's first three levels."""
    with zipfile.ZipFile(wheel) as outer:
        inner = zipfile.ZipFile(io.BytesIO(outer.read(LOCATION_MEMBER)))
        text = inner.read(inner.namelist()[0]).decode("utf-8")
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        if depth > 2:
            continue
        parts = line.strip().split("\t") + ["", ""]
        rows.append((depth, parts[0].strip(), parts[1].strip(), parts[2].strip()))
    return rows


def everyday_words() -> dict[str, tuple[int, str]]:
    """jieba's dictionary: word → (frequency, part-of-speech tag)."""
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 3:
            out[parts[0]] = (int(parts[1]), parts[2])
    return out


#: jieba tags of word classes that are not names (verbs, adjectives, adverbs, place words 东方 …).
#: jieba's tags of proper names (a city's name it tags so is no everyday word however frequent).
_NAME_TAGS = frozenset(("ns", "nr", "nrt", "nz", "nt"))
_EVERYDAY_TAGS = frozenset("v vn vd a ad an d s b nz m c p f t i l z q r u".split())


def _everyday(form: str, level: str, words: dict[str, tuple[int, str]]) -> bool:
    """True when a short form is also an everyday word: jieba tags it as a non-name class (frequency
    ≥ 50; 上思 is a rare "verb"), or as a common noun (n) of frequency ≥ 300, or (for a county) it is
    any word of frequency ≥ 1000. A city's short form is an everyday word only at frequency ≥ 1000."""
    if form not in words:
        return False
    frequency, tag = words[form]
    if level == "city":
        # a prefecture city's name is known across the country; jieba's tags of such names are often
        # wrong (合肥 n, 遵义 v), so only a word as frequent as 开封 (to unseal) keeps it unread
        return frequency >= 1000 and tag not in _NAME_TAGS
    return (tag in _EVERYDAY_TAGS and frequency >= 50) or (tag == "n" and frequency >= 300) or (level == "county" and frequency >= 1000)


def build(rows: list[tuple[int, str, str, str]]) -> list[tuple[str, str, str, list[str], str]]:
    places: list[dict] = []
    province = city = None
    for depth, name, code, short in rows:
        if depth == 0:
            province = {"name": name, "level": "province", "parent": "", "short": short, "code": code}
            places.append(province)
            city = None
            continue
        assert province is not None
        if province["short"] in _SPECIAL:
            continue
        functional = len(code) == 6 and code[4] == "7"
        if depth == 1:
            if functional:
                city = None
                continue
            if name == province["name"] or any(p in name for p in _PLACEHOLDERS):
                city = province  # a municipality's own entry, or 省直辖县级行政区划
                continue
            city = {"name": name, "level": "city", "parent": province["name"], "short": short, "code": code}
            places.append(city)
            continue
        if city is None or functional or any(p in name for p in _PLACEHOLDERS):
            continue
        places.append({"name": name, "level": "county", "parent": city["name"], "parent_level": city["level"],
                       "short": short, "code": code})

    counts = Counter(p["name"] for p in places)
    words = everyday_words()
    shorts: dict[str, list[dict]] = defaultdict(list)
    for p in places:
        for form in _short_forms(p):
            shorts[form].append(p)
    full_names = set(counts)
    out = []
    ambiguous_written: set[str] = set()
    for p in places:
        forms = [f for f in _short_forms(p) if _owner(shorts[f]) is p and f not in full_names
                 and (p["level"] == "province" or not _everyday(f, p["level"], words)
                      or f.endswith(("县", "州", "旗")) and len(f) >= 3)]
        if p["level"] == "province" and p["name"] == "吉林省":
            forms = []
        name, parent = p["name"], p["parent"]
        if counts[name] > 1:
            if name not in ambiguous_written:
                ambiguous_written.add(name)
                out.append((name, p["level"], "", [], ""))
            name = parent + name
        out.append((name, p["level"], _key_of(parent, places, counts), forms, p["code"]))
    return out


def _owner(claimants: list[dict]) -> dict | None:
    """The one place a short form belongs to: its only claimant, or a city whose own counties are
    the other claimants (阜新 is 阜新市, not 阜新蒙古族自治县)."""
    if len(claimants) == 1:
        return claimants[0]
    cities = [p for p in claimants if p["level"] == "city"]
    if len(cities) == 1 and all(p is cities[0] or p["level"] == "county" and p["parent_level"] == "city"
                                for p in claimants):
        # 西安 is 西安市 though 辽源市 has a 西安区: in text from anywhere a prefecture city's short form
        # names the city, and a same-named district of another city is written in full. A municipality's
        # district is as well known as a city (北京朝阳 for 朝阳区), so 朝阳 stays unread.
        return cities[0]
    return None


def _key_of(parent: str, places: list[dict], counts: Counter) -> str:
    if not parent or counts[parent] == 1:
        return parent
    grand = next(p["parent"] for p in places if p["name"] == parent)
    return grand + parent


def _short_forms(place: dict) -> list[str]:
    short, name = place["short"], place["name"]
    if not short or short == name or len(short) < 2:
        return []
    forms = [short]
    for ending, word in (("自治县", "县"), ("自治州", "州"), ("自治旗", "旗")):
        if name.endswith(ending) and not name.startswith(short + word):
            forms.append(short + word)
    return forms


HEADER = """\
# China's administrative divisions to county level: 34 provincial-level divisions, the prefecture-level
# divisions and the county-level divisions (区, 县, 自治县, 县级市, 旗). Made by tools/make_gazetteer.py from
# JioNLP's china_location table (JioNLP, Apache License 2.0; division codes as published by the Ministry
# of Civil Affairs, GB/T 2260). Do not edit by hand: change the script and run it again.
# Columns: name<TAB>level<TAB>parent<TAB>short forms (comma-separated)<TAB>division code
# A full name two places share (鼓楼区) is listed once bare with no parent and once per place as
# parent+name (南京市鼓楼区). level: province | city | county
"""


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not Path(argv[1]).is_file():
        print("usage: python tools/make_gazetteer.py JIONLP_WHEEL > kg/data/gazetteer_cn.tsv", file=sys.stderr)
        return 2
    rows = build(read_rows(Path(argv[1])))
    sys.stdout.write(HEADER)
    for name, level, parent, forms, code in rows:
        sys.stdout.write(f"{name}\t{level}\t{parent}\t{','.join(forms)}\t{code}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
