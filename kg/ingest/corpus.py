"""Corpus folder → normalised documents, with their metadata and the files that were rejected.

The folder holds source files (.txt, .md, .pdf, .docx) and ``metadata.json``, which
describes each file (id, title, issuer, date, kind plan|news|bulletin). A file that
the metadata does not describe is still read, with metadata inferred from its text
and a warning, so a user can drop a file in and rebuild. A file that cannot be
read is rejected with the reason and the fix; the good files still build.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kg.ingest.files import METADATA_FILE, corpus_files
from kg.errors import CorpusError, MetadataError
from kg.ingest.normalise import normalise
from kg.ingest.readers import read_raw
from kg.records import DOCUMENT_KINDS, Document, DocumentMeta

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")
_REQUIRED = ("id", "file", "title", "kind")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


@dataclass(frozen=True)
class Rejected:
    """A corpus file that was not built, and why."""

    file: str
    reason: str


@dataclass
class CorpusLoad:
    """What loading the corpus produced: documents in file order, rejections, warnings."""

    documents: list[Document] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_metadata(corpus_dir: Path) -> dict[str, DocumentMeta]:
    """Read ``metadata.json`` into {file name: metadata}; an absent file gives {}.

    Raises MetadataError naming the file, the entry and the fix when the JSON is
    malformed or an entry lacks a field or has a bad value.
    """
    path = corpus_dir / METADATA_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MetadataError(f"{path}: not valid UTF-8 JSON ({exc}) — fix the syntax; see README 'Corpus metadata'") from None
    entries = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise MetadataError(f'{path}: expected an object {{"documents": [...]}} — see README \'Corpus metadata\'')
    out: dict[str, DocumentMeta] = {}
    ids: set[str] = set()
    for number, entry in enumerate(entries, 1):
        meta = _parse_entry(path, number, entry)
        if meta.id in ids:
            raise MetadataError(f"{path}: entry {number} repeats id {meta.id!r} — give each document its own id")
        ids.add(meta.id)
        out[meta.file] = meta
    return out


def _parse_entry(path: Path, number: int, entry: object) -> DocumentMeta:
    where = f"{path}: entry {number}"
    if not isinstance(entry, dict):
        raise MetadataError(f"{where} is not an object — each document is {{\"id\": …, \"file\": …, …}}")
    missing = [k for k in _REQUIRED if not str(entry.get(k, "")).strip()]
    if missing:
        raise MetadataError(f"{where} ({entry.get('file', '?')}) lacks {', '.join(missing)} — add the field(s)")
    if not _ID.match(str(entry["id"])):
        raise MetadataError(f"{where}: id {entry['id']!r} must be letters, digits, '.', '_' or '-' (no spaces)")
    if entry["kind"] not in DOCUMENT_KINDS:
        raise MetadataError(f"{where}: kind {entry['kind']!r} is not one of {', '.join(DOCUMENT_KINDS)}")
    for key in ("date", "as_of"):
        value = str(entry.get(key, "") or "")
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise MetadataError(f"{where}: {key} {value!r} is not an ISO date YYYY-MM-DD") from None
    report_year = entry.get("report_year")
    if report_year is not None and not isinstance(report_year, int):
        raise MetadataError(f"{where}: report_year {report_year!r} must be a whole number such as 2024")
    return DocumentMeta(
        id=str(entry["id"]), file=str(entry["file"]), title=str(entry["title"]).strip(),
        issuer=str(entry.get("issuer", "") or ""), date=str(entry.get("date", "") or ""),
        kind=str(entry["kind"]), as_of=str(entry.get("as_of", "") or ""),
        report_year=report_year, note=str(entry.get("note", "") or ""),
    )


def infer_metadata(path: Path, text: str) -> DocumentMeta:
    """Metadata for a file that ``metadata.json`` does not describe: title from its first line."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), path.stem)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip("-") or "doc"
    digest = hashlib.sha256(path.name.encode("utf-8")).hexdigest()[:6]
    found = re.search(r"(20\d\d|19\d\d)年(\d{1,2})月(\d{1,2})日", text[:2000])
    issued = f"{found.group(1)}-{int(found.group(2)):02d}-{int(found.group(3)):02d}" if found else ""
    return DocumentMeta(id=f"{slug}-{digest}" if slug != path.stem else slug, file=path.name,
                        title=first[:80], issuer="", date=issued, kind="news",
                        note="metadata inferred: the file is not listed in metadata.json")


def has_chinese(text: str) -> bool:
    """True when ``text`` holds at least a few Chinese characters."""
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") >= 5


def load_corpus(corpus_dir: Path, max_bytes: int) -> CorpusLoad:
    """Read, check and normalise every corpus file; never stops at one bad file."""
    result = CorpusLoad()
    metadata = load_metadata(corpus_dir)
    files = corpus_files(corpus_dir)
    names = {p.name for p in files}
    for listed in sorted(set(metadata) - names):
        result.warnings.append(f"{corpus_dir / METADATA_FILE} lists {listed}, which is not in {corpus_dir}")
    seen_hashes: dict[str, str] = {}
    seen_ids: dict[str, str] = {}
    # Files the metadata describes go first, so of two copies the described one is kept.
    for path in sorted(files, key=lambda p: (p.name not in metadata, p.name)):
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            result.rejected.append(Rejected(path.name, f"unsupported file type {path.suffix or '(none)'} — "
                                            f"convert it to one of {', '.join(SUPPORTED_SUFFIXES)}"))
            continue
        try:
            data_hash = hashlib.sha256(path.read_bytes()).hexdigest()
            if data_hash in seen_hashes:
                result.rejected.append(Rejected(path.name, f"same content as {seen_hashes[data_hash]} — skipped; "
                                                "delete one of the two copies"))
                continue
            raw = read_raw(path, max_bytes)
            text = normalise(raw.text)
            if not has_chinese(text):
                raise CorpusError(path, "no Chinese text found", "policy-kg indexes Chinese documents; "
                                  "check the file is the right one and not a scan without a text layer")
        except CorpusError as exc:
            result.rejected.append(Rejected(path.name, f"{exc.problem} — {exc.fix}"))
            continue
        seen_hashes[data_hash] = path.name
        meta = metadata.get(path.name)
        if meta is None:
            meta = infer_metadata(path, text)
            result.warnings.append(f"{path.name} is not described in {METADATA_FILE}; using id {meta.id!r}, "
                                   f"title {meta.title!r}, kind 'news' — add an entry to set them")
        if meta.id in seen_ids:
            result.rejected.append(Rejected(path.name, f"document id {meta.id!r} is already used by {seen_ids[meta.id]} "
                                            f"— give it another id in {METADATA_FILE}"))
            continue
        seen_ids[meta.id] = path.name
        result.documents.append(Document(meta=meta, text=text, sha256=data_hash,
                                         encoding=raw.encoding, source_format=raw.source_format))
    return result


REMOVED_DIR = ".removed"


def _write_metadata(corpus_dir: Path, entries: list[dict[str, object]]) -> None:
    path = corpus_dir / METADATA_FILE
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps({"documents": entries}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)


def _metadata_entries(corpus_dir: Path) -> list[dict[str, object]]:
    load_metadata(corpus_dir)  # validates, with clear errors
    path = corpus_dir / METADATA_FILE
    return json.loads(path.read_text(encoding="utf-8"))["documents"] if path.exists() else []


def add_files(corpus_dir: Path, files: list[Path], meta: dict[str, object] | None = None) -> list[str]:
    """Copy files into the corpus (refusing name clashes); describe them in metadata.json when
    ``meta`` is given (one file only). Returns the file names added."""
    import shutil

    entries = _metadata_entries(corpus_dir)
    # A copy of a document already in the corpus would replace it in the build (of two copies
    # one is kept), so it is refused here, before anything is copied.
    present = {hashlib.sha256(p.read_bytes()).hexdigest(): p.name for p in corpus_files(corpus_dir)}
    for source in files:
        if not source.is_file():
            raise CorpusError(source, "no such file", "check the path")
        if (corpus_dir / source.name).exists():
            raise CorpusError(source, f"{corpus_dir / source.name} already exists",
                              "rename the file, or remove the old document first with `kg remove`")
        same = present.get(hashlib.sha256(source.read_bytes()).hexdigest())
        if same is not None:
            raise CorpusError(source, f"same content as {same}, already in the corpus",
                              "nothing to add; to change its metadata, edit metadata.json and run `kg build`")
    if meta and len(files) != 1:
        raise MetadataError("metadata options describe one file; add files one at a time to give each its own")
    added = []
    for source in files:
        shutil.copy2(source, corpus_dir / source.name)
        added.append(source.name)
    if meta:
        entry = {"file": files[0].name, **{k: v for k, v in meta.items() if v not in (None, "")}}
        entries.append(entry)
        _write_metadata(corpus_dir, entries)
        try:
            load_metadata(corpus_dir)
        except MetadataError:
            _write_metadata(corpus_dir, entries[:-1])
            (corpus_dir / files[0].name).unlink()
            raise
    return added


def remove_documents(corpus_dir: Path, doc_ids: list[str], known: dict[str, str]) -> list[str]:
    """Move the files of ``doc_ids`` (id → file name in ``known``) to corpus/.removed/ and drop
    their metadata entries. Nothing is deleted: a removed file can be put back by hand."""
    unknown = [d for d in doc_ids if d not in known]
    if unknown:
        raise MetadataError(f"no document with id {', '.join(unknown)}; known ids: {', '.join(sorted(known))}")
    entries = _metadata_entries(corpus_dir)
    trash = corpus_dir / REMOVED_DIR
    trash.mkdir(exist_ok=True)
    moved = []
    for doc_id in doc_ids:
        name = known[doc_id]
        if (corpus_dir / name).exists():
            (corpus_dir / name).replace(trash / name)
        moved.append(name)
    _write_metadata(corpus_dir, [e for e in entries if e.get("file") not in moved])
    return moved
