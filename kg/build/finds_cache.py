"""Each document's own extraction finds, remembered between builds.

Finding names in a document (institutions, programmes, pilot zones, practices, 专栏 boxes,
citations) depends only on that document and on the extraction code and word lists; resolving
them across documents does not. So ``kg add``/``kg remove`` re-run the finders only on documents
they have not seen, and everything that crosses documents (resolution, indicator linking,
quads, validation) is recomputed as in a fresh build, which the result equals.

An entry is keyed by the document (text, metadata, sections, passages), and the folder by a
fingerprint of the extraction code and data files, so editing a rule or a word list starts a
new cache. Entries are pickles written by this program into the build's own cache folder.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from kg.build.vector_cache import fingerprint

if TYPE_CHECKING:
    from kg.extract.context import DocContext
    from kg.extract.entities import DocumentFinds

_PACKAGE = Path(__file__).resolve().parents[1]


def code_fingerprint() -> str:
    """Changes whenever the finders could find something else: their code and word lists, and
    jieba (the part-of-speech tagger some rules ask)."""
    # Every module outside kg/extract whose code the finders call: a change there could change a find.
    files = sorted([*(_PACKAGE / "extract").rglob("*.py"), *(_PACKAGE / "data").iterdir(), _PACKAGE / "records.py",
                    _PACKAGE / "text.py", _PACKAGE / "quantities.py", _PACKAGE / "wordlists.py",
                    _PACKAGE / "ingest" / "normalise.py", _PACKAGE / "ingest" / "passages.py"])
    return fingerprint(files, packages=["jieba"])


class FindsCache:
    """Callable as ``finds`` of :func:`kg.extract.entities.extract_entities`; :meth:`save` prunes."""

    def __init__(self, folder: Path, fingerprint: str | None = None) -> None:
        self.root = folder
        self.folder = folder / f"finds-{fingerprint or code_fingerprint()}"
        self._used: set[str] = set()
        self.hits = 0
        self.misses = 0

    def __call__(self, ctx: DocContext) -> DocumentFinds:
        from kg.extract.entities import find_in_document

        key = hashlib.blake2b(pickle.dumps((ctx.document, ctx.sections, ctx.passages), protocol=5),
                              digest_size=16).hexdigest()
        self._used.add(key)
        path = self.folder / f"{key}.pkl"
        try:
            blob = path.read_bytes()
            finds = pickle.loads(blob)
            self.hits += 1
            return finds  # type: ignore[no-any-return]
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError, TypeError):
            pass  # missing or unreadable: find again
        blob = pickle.dumps(find_in_document(ctx), protocol=5)
        self.misses += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".tmp-{os.getpid()}")
        temporary.write_bytes(blob)
        os.replace(temporary, path)
        # What a hit would return: fresh objects, so both paths behave the same downstream.
        return pickle.loads(blob)  # type: ignore[no-any-return]

    def save(self) -> None:
        """Keep only this build's entries, and only the current fingerprint's folder."""
        if self.folder.is_dir():
            for entry in self.folder.iterdir():
                if entry.stem not in self._used:
                    entry.unlink(missing_ok=True)
        for stale in self.root.glob("finds-*"):
            if stale != self.folder:
                shutil.rmtree(stale, ignore_errors=True)
