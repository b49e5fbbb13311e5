import json

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tweetsent.datasets import load_dataset
from tweetsent.models import ModelError, masked_mean
from tweetsent.train import train_and_save
from tweetsent.trainer import train_model
from tweetsent.variants import load_model


def test_masked_mean_ignores_padding():
    h = torch.tensor([[[1.0], [3.0], [100.0]]])
    assert masked_mean(h, torch.tensor([[1, 1, 0]])).item() == 2.0


def test_missing_model_folder_errors(tmp_path):
    with pytest.raises(ModelError, match="Model folder not found"):
        load_model(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="not a tweetsent model folder"):
        load_model(tmp_path / "empty")


@pytest.mark.parametrize("trainer", ["manual", "hf"])
def test_both_trainers_write_loadable_folders(smoke_params, trainer):
    smoke_params.trainer = trainer
    folder = train_and_save(smoke_params)
    info = json.loads((folder / "model_info.json").read_text())
    assert info["trainer"] == trainer and info["labels"] == smoke_params.labels and info["history"]
    assert {
        "model.safetensors", "features.json", "tokenizer.json", "backbone_config"} <= {p.name for p in folder.iterdir()}
    clf = load_model(folder)
    texts = ["Thank you nurses, wonderful!", "Awful empty shelves"]
    p1 = clf.predict_proba(texts)
    assert p1.shape == (2, 5) and np.allclose(p1.sum(1), 1, atol=1e-5)
    # one tweet alone or padded in a batch gives the same probabilities
    assert np.allclose(clf.predict_proba(texts[1:]), p1[1:], atol=1e-5)
    assert info["metrics"]["test"]["accuracy"] > 0.4   # the demo labels are learnable


def test_held_out_rows_never_reach_fit(smoke_params, monkeypatch):
    from tweetsent import features
    seen = []
    original = features.FeatureExtractor._fit   # fit and fit_transform both go through _fit
    monkeypatch.setattr(features.FeatureExtractor, "_fit", lambda self, X: seen.extend(X) or original(self, X))
    data = load_dataset(smoke_params)
    smoke_params.epochs = 1
    train_model(smoke_params, data.train)
    assert seen and not set(seen) & set(data.test["text"])


def test_the_first_run_equals_a_later_identical_one(smoke_params):
    "Building the tiny backbone on first use must not change what the run's seed gives."
    smoke_params.epochs = 1
    data = load_dataset(smoke_params)
    first = train_model(smoke_params, data.train)             # builds the tiny backbone in a fresh cache
    second = train_model(smoke_params, data.train)
    assert first.info.history[0]["train_loss"] == second.info.history[0]["train_loss"]
    assert all(torch.equal(a, b) for a, b in zip(first.model.state_dict().values(), second.model.state_dict().values()))


@pytest.fixture(scope="module")
def tiny_tokenizer(tmp_path_factory):
    from tweetsent.models import TINY_RANDOM, load_backbone
    return load_backbone(TINY_RANDOM, tmp_path_factory.mktemp("backbone"))[0]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.lists(st.integers(0, 999), max_size=40), min_size=1, max_size=20),
       side=st.sampled_from(["right", "left"]))
def test_collator_pads_as_the_tokenizer_does(tiny_tokenizer, ids, side):
    from tweetsent.models import Collator
    tiny_tokenizer.padding_side = side
    try:
        expected = tiny_tokenizer.pad([{"input_ids": x} for x in ids], return_tensors="np")
        got = Collator(tiny_tokenizer)([{"input_ids": x, "meta": np.zeros(2, np.float32)} for x in ids])
    finally: tiny_tokenizer.padding_side = "right"
    assert (got["input_ids"].numpy() == expected["input_ids"]).all()
    assert (got["attention_mask"].numpy() == expected["attention_mask"]).all()
    assert got["input_ids"].dtype == got["attention_mask"].dtype == torch.int64 and got["meta"].shape == (len(ids), 2)
