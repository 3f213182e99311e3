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
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kg.ingest.files import METADATA_FILE, corpus_files
from kg.errors import CorpusError, MetadataError
from kg.ingest import metadata as inference
from kg.ingest.normalise import clean_document
from kg.ingest.readers import OCR, SUPPORTED_SUFFIXES, read_raw
from kg.records import DOCUMENT_KINDS, Document, DocumentMeta

# Only the file is required: every other field missing from an entry is inferred from the text.
_REQUIRED = ("file",)
_TEXT_FIELDS = ("id", "title", "issuer", "date", "kind", "as_of", "note", "doc_number", "genre", "validity", "region")
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
    except RecursionError:
        raise MetadataError(f"{path}: nested too deep to read — each entry is a flat object; see README "
                            "'Corpus metadata'") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MetadataError(f"{path}: not valid UTF-8 JSON ({exc}) — fix the syntax; see README 'Corpus metadata'") from None
    entries = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise MetadataError(f'{path}: expected an object {{"documents": [...]}} — see README \'Corpus metadata\'')
    out: dict[str, DocumentMeta] = {}
    ids: set[str] = set()
    for number, entry in enumerate(entries, 1):
        meta = _parse_entry(path, number, entry)
        if meta.id and meta.id in ids:
            raise MetadataError(f"{path}: entry {number} repeats id {meta.id!r} — give each document its own id")
        if meta.id:
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
    for key in _TEXT_FIELDS:
        if entry.get(key) is not None and not isinstance(entry.get(key), str):
            raise MetadataError(f"{where}: {key} {entry[key]!r} must be a string")
    if entry.get("id") and not _ID.fullmatch(str(entry["id"])):  # match() with $ lets a final newline in
        raise MetadataError(f"{where}: id {entry['id']!r} must be letters, digits, '.', '_' or '-' (no spaces)")
    if entry.get("kind") and entry["kind"] not in DOCUMENT_KINDS:
        raise MetadataError(f"{where}: kind {entry['kind']!r} is not one of {', '.join(DOCUMENT_KINDS)}")
    for key in ("date", "as_of"):
        value = str(entry.get(key, "") or "")
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise MetadataError(f"{where}: {key} {value!r} is not an ISO date YYYY-MM-DD") from None
    report_year = entry.get("report_year")
    if report_year is not None and (not isinstance(report_year, int) or isinstance(report_year, bool)):
        raise MetadataError(f"{where}: report_year {report_year!r} must be a whole number such as 2024")
    def text(key: str) -> str:
        return str(entry.get(key, "") or "").strip()

    return DocumentMeta(
        id=text("id"), file=str(entry["file"]), title=text("title"), issuer=text("issuer"), date=text("date"),
        kind=text("kind"), as_of=text("as_of"), report_year=report_year, note=text("note"),
        doc_number=text("doc_number"), genre=text("genre"), validity=text("validity"), region=text("region"),
    )


def infer_metadata(path: Path, text: str) -> DocumentMeta:
    """Metadata inferred from a file's normalised text (see :func:`kg.ingest.metadata.infer_metadata`)."""
    return inference.infer_metadata(path, text)


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
            cleaned = clean_document(raw.text, paragraph_lines=raw.paragraph_lines,
                                     chrome=raw.source_format not in ("txt", "md"))
            text = cleaned.text
            if not has_chinese(text):
                raise CorpusError(path, "no Chinese text found", "policy-kg indexes Chinese documents; "
                                  "check the file is the right one and not a scan without a text layer")
        except CorpusError as exc:
            result.rejected.append(Rejected(path.name, f"{exc.problem} — {exc.fix}"))
            continue
        seen_hashes[data_hash] = path.name
        given = metadata.get(path.name)
        meta, provenance = inference.merge(path, inference.infer(path, cleaned, raw.properties), given)
        if given is None:
            # A title the text does not state (its first sentence, or the file name) is said to be one.
            title_from = next((f.source for f in provenance if f.name == "title"), "")
            label = {"lead": " (its first sentence: the text states no title)",
                     "file name": " (the file name: the text states no title)"}.get(title_from, "")
            result.warnings.append(f"{path.name} is not described in {METADATA_FILE}; inferred id {meta.id!r}, "
                                   f"title {meta.title!r}{label}, kind {meta.kind!r} ({meta.genre or '?'}) — add an "
                                   "entry to correct any field")
        result.warnings.extend(raw.warnings)
        if raw.extraction == OCR:
            result.warnings.append(f"{path.name}: the text was recognised by OCR ({raw.method}) and may hold "
                                   "misread characters — check it, or add a text version")
        if meta.id in seen_ids:
            result.rejected.append(Rejected(path.name, f"document id {meta.id!r} is already used by {seen_ids[meta.id]} "
                                            f"— give it another id in {METADATA_FILE}"))
            continue
        seen_ids[meta.id] = path.name
        result.documents.append(Document(meta=meta, text=text, sha256=data_hash,
                                         encoding=raw.encoding, source_format=raw.source_format,
                                         extraction=raw.extraction, reader=raw.method, provenance=provenance))
    _link_attachments(result)
    return result


def _link_attachments(result: CorpusLoad) -> None:
    """Mark attachments shipped as files of their own (11-附件3：…) with the notice they belong to."""
    import dataclasses

    links = inference.attachment_links([(d.id, d.meta.file, d.meta.title, d.text) for d in result.documents])
    for k, document in enumerate(result.documents):
        if document.id in links:
            notice, label = links[document.id]
            result.documents[k] = dataclasses.replace(document, attachment_of=notice)
            result.warnings.append(f"{document.meta.file} is {label} of {notice}")


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


def stage_corpus(corpus_dir: Path, stage: Path) -> None:
    """A snapshot of the corpus folder in ``stage``: hard links of its documents and metadata file.

    Cheap whatever the corpus size; the corpus's own files are never written through it
    (metadata.json and added files are new files in the stage). Falls back to copies where
    hard links are not possible.
    """
    import shutil

    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    names = [p.name for p in corpus_files(corpus_dir)]
    if (corpus_dir / METADATA_FILE).exists():
        names.append(METADATA_FILE)
    for name in names:
        try:
            os.link(corpus_dir / name, stage / name)
        except OSError:
            shutil.copy2(corpus_dir / name, stage / name)


def _refuse_unusable(source: Path, max_bytes: int | None) -> None:
    """CorpusError naming ``source`` if it can never become a document of the corpus."""
    if source.is_symlink():
        raise CorpusError(source, f"is a symbolic link (to {os.readlink(source)})",
                          "add the file it points to, not the link")
    if not source.is_file():
        raise CorpusError(source, "no such file", "check the path")
    if source.name.startswith("."):
        raise CorpusError(source, "is a hidden file (its name starts with '.'), which the corpus ignores",
                          "rename it without the leading '.'")
    if source.name.lower() in (METADATA_FILE, "readme.md") or source.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise CorpusError(source, f"is not a document the corpus reads (type {source.suffix or '(none)'})",
                          f"convert it to one of {', '.join(SUPPORTED_SUFFIXES)}")
    size = source.stat().st_size
    if size == 0:
        raise CorpusError(source, "is empty", "add the file with its text")
    if max_bytes is not None and size > max_bytes:
        raise CorpusError(source, f"is {size / 1024 / 1024:.1f} MiB, over the limit of {max_bytes / 1024 / 1024:g} MiB",
                          "split the document, or raise the setting max_file_mb (KG_MAX_FILE_MB)")


def _document_ids(corpus_dir: Path, metadata: dict[str, DocumentMeta]) -> dict[str, str]:
    """Document id → file name of every corpus file (described, or as it would be inferred)."""
    ids = {meta.id: name for name, meta in metadata.items()}
    for path in corpus_files(corpus_dir):
        if path.name not in metadata:
            ids.setdefault(inference.default_id(path), path.name)
    return ids


def add_files(corpus_dir: Path, files: list[Path], meta: dict[str, object] | None = None,
              max_bytes: int | None = None) -> list[str]:
    """Copy files into the corpus (refusing name clashes); describe them in metadata.json when
    ``meta`` is given (one file only). Returns the file names added.

    Refused before anything is copied, each with the file named: symbolic links, hidden,
    empty or unsupported files (.json, .exe …), files over ``max_bytes``, copies of a corpus
    document, and files whose document id (given or inferred from the name) is taken.
    Not locked: :func:`kg.build.pipeline.update_corpus` calls it on a staged corpus under the
    build lock, and commits the corpus only when the build accepted the files.
    """
    import shutil

    entries = _metadata_entries(corpus_dir)
    if meta and len(files) != 1:
        raise MetadataError("metadata options describe one file; add files one at a time to give each its own")
    for source in files:
        _refuse_unusable(source, max_bytes)
    # A copy of a document already in the corpus would replace it in the build (of two copies
    # one is kept), so it is refused here, before anything is copied.
    present = {hashlib.sha256(p.read_bytes()).hexdigest(): p.name for p in corpus_files(corpus_dir)}
    ids = _document_ids(corpus_dir, load_metadata(corpus_dir))
    for source in files:
        if (corpus_dir / source.name).exists():
            raise CorpusError(source, f"{corpus_dir / source.name} already exists",
                              "rename the file, or remove the old document first with `kg remove`")
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        same = present.get(digest)
        if same is not None:
            raise CorpusError(source, f"same content as {same}, already in the corpus",
                              "nothing to add; to change its metadata, edit metadata.json and run `kg build`")
        present[digest] = source.name
        doc_id = str(meta["id"]) if meta and meta.get("id") else inference.default_id(corpus_dir / source.name)
        if doc_id in ids:
            raise CorpusError(source, f"its document id {doc_id!r} is already used by {ids[doc_id]}",
                              "give it another id (kg add FILE --id ID --title TITLE --kind KIND), or rename the file")
        ids[doc_id] = source.name
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
