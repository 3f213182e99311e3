"""e5 encodes a long list in length-sorted batches and returns the vectors in the given order."""

from __future__ import annotations

import numpy as np

from kg.index import embed


def test_batches_of_like_length_give_each_text_its_own_vector() -> None:
    encoder = embed.load_encoder(embed.E5_MODEL)
    texts = [("湖南省" * (1 + i % 7)) + f"第{i}条乡村医生培训" for i in range(embed.E5_BATCH + 9)]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([texts[i]]) for i in (0, 5, embed.E5_BATCH + 8)])
    assert together.shape == (len(texts), encoder.dimension)
    assert np.allclose(together[[0, 5, embed.E5_BATCH + 8]], alone, atol=1e-5)
