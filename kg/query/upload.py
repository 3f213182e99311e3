"""Files uploaded in the app, checked on the server before anything touches the corpus.

:func:`stage_upload` takes the browser's file name and bytes, and either returns the file
written under a private staging folder with its text and inferred metadata, or raises
:class:`UploadRefused` with a Chinese sentence for the user. The corpus folder is not touched:
adding is :func:`add_staged` (``kg.ingest.corpus.add_files``, the path ``kg add`` takes, then the
incremental build). The uploaded name never reaches the file system as given: only its last
path part is kept, and of that only letters, digits, CJK characters, ``.``, ``_`` and ``-``.

This module imports the readers; :mod:`kg.query.service` does not import it.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kg.config import Settings
from kg.errors import CorpusError, KGError, MetadataError
from kg.records import DOCUMENT_KIND_NAMES, DOCUMENT_KINDS

_UNSAFE = re.compile(r"[^\w.\-]+")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
MAX_NAME_CHARS = 80
KIB = 1024
MIB = 1024 * KIB


class UploadRefused(Exception):
    """An uploaded file that is not added; ``message`` is shown to the user (Chinese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def accepted_suffixes() -> tuple[str, ...]:
    """The suffixes a file may have to be added: those the readers read and the corpus loads."""
    from kg.ingest import corpus, readers

    readable = getattr(readers, "SUPPORTED_SUFFIXES", corpus.SUPPORTED_SUFFIXES)
    loaded = set(getattr(corpus, "SUPPORTED_SUFFIXES", readable))
    return tuple(s for s in readable if s in loaded)


def sanitise_name(name: str) -> str:
    """A safe file name from an uploaded one: last path part only (either slash), NFKC, no
    control or shell characters, no leading dot, at most :data:`MAX_NAME_CHARS` characters,
    the suffix kept in lower case."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _UNSAFE.sub("_", stem).strip("._-") or "upload"
    suffix = _UNSAFE.sub("", suffix).lower()
    room = MAX_NAME_CHARS - len(suffix) - 1
    return f"{stem[:room]}.{suffix}" if suffix else stem[:MAX_NAME_CHARS]


@dataclass
class Staged:
    """An uploaded file that passed every check, waiting in a staging folder."""

    path: Path
    original_name: str
    text: str
    meta: dict[str, Any]
    inferred_by: str  # "metadata" (kg.ingest.metadata) or "first_lines"
    notes: list[str] = field(default_factory=list)

    def discard(self) -> None:
        shutil.rmtree(self.path.parent, ignore_errors=True)


def _max_bytes(settings: Settings) -> int:
    return int(settings.max_file_mb * MIB)


def file_size(n: int) -> str:
    """A file size as a person reads it: MB, or KB below a tenth of one (0.0 MB says nothing)."""
    return f"{round(n / MIB, 1):g} MB" if n >= MIB / 10 else f"{max(1, round(n / KIB))} KB"


def _free_name(corpus_dir: Path, name: str) -> str:
    """``name``, or name-2, name-3 … when the corpus already has a file of that name."""
    stem, dot, suffix = name.rpartition(".")
    candidate, n = name, 1
    while (corpus_dir / candidate).exists():
        n += 1
        candidate = f"{stem}-{n}.{suffix}" if dot else f"{name}-{n}"
    return candidate


def stage_upload(settings: Settings, name: str, data: bytes, staging_root: Path | None = None) -> Staged:
    """Check an uploaded file (type, size, content, duplicate) and stage it with inferred metadata.

    The file is read exactly as the build reads a corpus file (``kg.ingest.corpus.load_corpus``:
    reader, normalisation, chrome removal, the Chinese-text check), so a file staged here builds.
    """
    from kg.ingest.corpus import has_chinese
    from kg.ingest.files import corpus_files
    from kg.ingest.readers import read_raw

    accepted = accepted_suffixes()
    listed = "、".join(s.lstrip(".") for s in accepted)
    safe = sanitise_name(name)
    suffix = Path(safe).suffix.lower()
    if suffix not in accepted:
        raise UploadRefused(f"不支持的文件类型“{suffix or '无扩展名'}”。可上传的格式：{listed}。")
    limit = _max_bytes(settings)
    if not data:
        raise UploadRefused("文件是空的（0 字节）。")
    if len(data) > limit:
        raise UploadRefused(f"文件过大（{file_size(len(data))}），上限为 {file_size(limit)}。")
    digest = hashlib.sha256(data).hexdigest()
    corpus_dir = settings.corpus_path
    for existing in corpus_files(corpus_dir):
        if hashlib.sha256(existing.read_bytes()).hexdigest() == digest:
            raise UploadRefused(f"语料库中已有内容完全相同的文件（{existing.name}），不重复添加。")
    folder = Path(tempfile.mkdtemp(prefix="kg-upload-", dir=staging_root))
    path = folder / _free_name(corpus_dir, safe)
    path.write_bytes(data)
    try:
        raw = read_raw(path, limit)
        cleaned = _clean(raw)
        if not has_chinese(cleaned.text):
            raise UploadRefused("文件中没有找到中文文字（可能是图片扫描件或非文本文件）。")
        meta, how, notes = infer(path, raw, cleaned)
    except CorpusError:
        shutil.rmtree(folder, ignore_errors=True)
        raise UploadRefused(f"无法读取这个文件：它不是有效的{FORMAT_NAMES.get(suffix, suffix.lstrip('.'))}文件，"
                            "或已损坏、加密、不含可提取的文字。") from None
    except KGError:
        shutil.rmtree(folder, ignore_errors=True)
        raise UploadRefused("无法读取这个文件（缺少所需的转换工具或文件已损坏）。") from None
    except UploadRefused:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Staged(path, name, cleaned.text, meta, how, notes)


def _clean(raw: Any) -> Any:
    """The normalised text as the corpus loader makes it (an object with ``text`` and ``full``)."""
    from kg.ingest import normalise

    clean_document = getattr(normalise, "clean_document", None)
    if clean_document is not None:
        return clean_document(raw.text, paragraph_lines=getattr(raw, "paragraph_lines", False),
                              chrome=raw.source_format not in ("txt", "md"))
    text = normalise.normalise(raw.text)

    class _Plain:
        def __init__(self, text: str) -> None:
            self.text = self.full = text

    return _Plain(text)


#: A format as the user knows it, for messages (有效的docx文档 named no program a user opens).
FORMAT_NAMES = {".docx": " Word（.docx）", ".doc": " Word（.doc）", ".wps": " WPS 文字（.wps）", ".pdf": " PDF ",
                ".txt": "文本（.txt）", ".md": " Markdown（.md）", ".html": "网页（.html）", ".htm": "网页（.htm）",
                ".png": " PNG 图片", ".jpg": " JPEG 图片", ".jpeg": " JPEG 图片", ".tif": " TIFF 图片",
                ".tiff": " TIFF 图片", ".bmp": " BMP 图片"}

#: Where an inferred value came from (kg.ingest.metadata's source names), in Chinese.
SOURCES = {"text": "正文", "lead": "正文首句，原文未写标题，请改为正式标题", "properties": "文件属性",
           "file name": "文件名", "default": "默认值", "metadata.json": "metadata.json"}
FIELD_NAMES = {"title": "标题", "doc_number": "文号", "issuer": "发布单位", "date": "日期", "validity": "有效性",
               "genre": "文种", "kind": "类型", "region": "地区", "outlet": "来源媒体"}


def infer(path: Path, raw: Any, cleaned: Any) -> tuple[dict[str, Any], str, list[str]]:
    """Metadata for a new file as the build would infer it (``kg.ingest.metadata``), with a
    Chinese note saying where each value came from; without that module, the title and date
    from the first lines (``kg.ingest.corpus.infer_metadata``)."""
    try:
        from kg.ingest import metadata as inference
    except ImportError:
        inference = None  # type: ignore[assignment]
    if inference is not None:
        found = inference.infer(path, cleaned, getattr(raw, "properties", None))
        meta, provenance = inference.merge(path, found, None)
        guess = _as_dict(meta)
        notes = ["以下信息由系统根据文件推断，请核对、修改后再添加。"]
        where = [f"{FIELD_NAMES.get(item.name, item.name)}：{DOCUMENT_KIND_NAMES.get(item.value, item.value) if item.name == 'kind' else item.value}"
                 f"（来自{SOURCES.get(item.source, '推断')}）" for item in provenance]
        if where:
            notes.append("；".join(where))
        how = "metadata"
    else:
        from kg.ingest.corpus import infer_metadata

        guess = _as_dict(infer_metadata(path, cleaned.text))
        how, notes = "first_lines", ["标题取自文件第一行，日期取自开头出现的“某年某月某日”，类型默认为新闻；请核对后再添加。"]
    meta = {key: guess.get(key) or "" for key in ("id", "title", "issuer", "date", "kind", "as_of", "doc_number")}
    if not _ID.match(str(meta["id"])):
        meta["id"] = "doc-" + hashlib.sha256(path.name.encode("utf-8")).hexdigest()[:8]
    if meta["kind"] not in DOCUMENT_KINDS:
        meta["kind"] = "news"
    return meta, how, notes


def _as_dict(found: Any) -> dict[str, Any]:
    if isinstance(found, dict):
        return dict(found)
    if hasattr(found, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(found)
    return dict(vars(found))


def check_meta(meta: dict[str, Any], known_ids: set[str]) -> list[str]:
    """What is wrong with user-corrected metadata, in Chinese (empty: fine)."""
    problems = []
    if not _ID.match(str(meta.get("id", ""))):
        problems.append("编号只能由英文字母、数字和 . _ - 组成，且以字母或数字开头。")
    elif meta["id"] in known_ids:
        problems.append(f"编号“{meta['id']}”已被其他文档使用，请换一个。")
    if not str(meta.get("title", "")).strip():
        problems.append("请填写标题。")
    if meta.get("kind") not in DOCUMENT_KINDS:
        problems.append("请选择文档类型。")
    for key, name in (("date", "发布日期"), ("as_of", "数据截至日期")):
        value = str(meta.get(key) or "")
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                problems.append(f"{name}应写成 年-月-日，例如 2024-06-30。")
    return problems


def add_staged(settings: Settings, staged: Staged, meta: dict[str, Any], progress: Any) -> Any:
    """Add the staged file to the corpus with ``meta`` and update the build, the way ``kg add``
    does (``kg.build.pipeline.update_corpus``: all or nothing under the build lock). Where that
    is not available, ``add_files`` then the incremental build, taking the file out again when
    the build refuses it. Either way a failed add changes nothing. Returns the build report."""
    from kg.build import pipeline
    from kg.ingest.corpus import add_files, remove_documents

    entry = {k: v for k, v in meta.items() if v not in (None, "")}
    update = getattr(pipeline, "update_corpus", None)
    if update is not None:
        _, report = update(settings, add=[staged.path], meta=entry, progress=progress)
        staged.discard()
        return report
    add_files(settings.corpus_path, [staged.path], entry)
    name = staged.path.name
    try:
        report = pipeline.build(settings, progress=progress)
    except BaseException:
        _take_back(settings, entry["id"], name, remove_documents)
        raise
    if any(r.file == name for r in report.rejected):
        _take_back(settings, entry["id"], name, remove_documents)
        pipeline.build(settings, progress=progress)
        raise UploadRefused("构建时这个文件被拒绝（无法读取或编号冲突），已撤回，语料库和索引保持原样。")
    staged.discard()
    return report


def _take_back(settings: Settings, doc_id: str, name: str, remove_documents: Any) -> None:
    """Undo an add: the file out of the corpus (deleted, it was only just copied), its entry dropped."""
    try:
        remove_documents(settings.corpus_path, [doc_id], {doc_id: name})
    except MetadataError:
        pass
    moved = settings.corpus_path / ".removed" / name
    if moved.exists():
        moved.unlink()
    (settings.corpus_path / name).unlink(missing_ok=True)


def remove_document(settings: Settings, doc_id: str, known: dict[str, str], progress: Any) -> Any:
    """Remove one document from the corpus (its file moves to .removed/) and update the build,
    as ``kg remove`` does."""
    from kg.build import pipeline
    from kg.ingest.corpus import remove_documents

    update = getattr(pipeline, "update_corpus", None)
    if update is not None:
        return update(settings, remove=[doc_id], progress=progress)[1]
    remove_documents(settings.corpus_path, [doc_id], known)
    return pipeline.build(settings, progress=progress)
