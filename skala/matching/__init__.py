"""Skala's matching engine as a plain library: no Django models, nothing fetched at run time.

- ``languages``: which of nb, nn, sv, da, en a text is written in ("mul" when unsure);
- ``analysis``: tokenising and Snowball stemming per language;
- ``cpv``: how close two CPV codes are (same division, group, class, category);
- ``embeddings``: optional dense sentence embeddings from a model on local disk or in a package;
- ``index``: BM25 (bm25s) fused with CPV and embedding similarity, with an explanation per match;
- ``suggest``: CPV codes for a text, from the CPV labels in five languages and from the
  nearest already-classified documents.
"""

MAX_TEXT_CHARACTERS = 20_000


def clip(text: str) -> tuple[str, bool]:
    """Texts are matched on their first 20,000 characters; the flag says whether any were cut."""
    return text[:MAX_TEXT_CHARACTERS], len(text) > MAX_TEXT_CHARACTERS
