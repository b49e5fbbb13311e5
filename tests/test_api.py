"""The Python API meets transformers' and scikit-learn's habits."""
import numpy as np
import pytest

import tweetsent
from conftest import ROOT

TEXTS = ["Thank you, wonderful nurses!", "Empty shelves again, awful.", "The store opens at 9"]


@pytest.fixture(scope="module")
def text_model(tmp_path_factory):
    from tweetsent.params import load_params
    from tweetsent.train import train_and_save
    out = tmp_path_factory.mktemp("text")
    p = load_params(ROOT / "params" / "smoke.yaml",
                    {"out_dir": str(out), "run_name": "text", "arch": "text", "epochs": 1,
                                                       "ngram_weight": 0.0, "class_bias": "none"})
    return train_and_save(p)


def test_a_text_only_model_folder_loads_in_transformers_pipeline(text_model):
    from transformers import pipeline
    hf = pipeline("text-classification", model=str(text_model), device="cpu")
    theirs = [r["label"] for r in hf(TEXTS)]
    # the same decisions (no offsets, no n-gram model)
    assert theirs == tweetsent.predict(TEXTS, text_model)
    probs = tweetsent.predict(TEXTS, text_model, probabilities=True)
    assert np.allclose([r["score"] for r in hf(TEXTS)], probs.max(axis=1), atol=1e-4)


def test_predict_takes_a_string_or_a_list_and_skips_empty_texts(text_model):
    labels = set(tweetsent.load_model(text_model).labels)
    # one text, one label (not one per character)
    assert tweetsent.predict(TEXTS[0], text_model) in labels
    got = tweetsent.predict([TEXTS[0], "   ", "", None, float("nan")], text_model)
    # no label, as the command line leaves the row unpredicted
    assert got[0] in labels and got[1:] == [None] * 4
    assert np.isnan(tweetsent.predict(["", TEXTS[0]], text_model, probabilities=True).iloc[0]).all()


def test_pipeline_answers_like_transformers(text_model):
    classify = tweetsent.pipeline(text_model)
    one = classify(TEXTS[0])
    assert len(one) == 1 and set(one[0]) == {"label", "score"} and 0 < one[0]["score"] <= 1
    ranked = classify(TEXTS, top_k=None)
    assert len(ranked) == 3 and all(len(r) == 5 and r[0]["score"] >= r[-1]["score"] for r in ranked)


def test_every_model_folder_has_a_model_card(text_model):
    import yaml
    card = (text_model / "README.md").read_text()
    meta = yaml.safe_load(card.split("---")[1])                       # Hugging Face front matter
    assert meta["pipeline_tag"] == "text-classification" and meta["license"] == "apache-2.0"
    assert meta["model-index"][0]["results"]
    assert "# tweetsent model: text (fp32)" in card and "## Where the labels come from" in card and "VADER" in card
    assert "## Usage" in card
