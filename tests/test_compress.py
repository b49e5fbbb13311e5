"""Every compression method makes a loadable model folder that delivers what it claims."""
import json

import numpy as np
import pytest

from tweetsent.compress import compress
from tweetsent.metrics import folder_bytes
from tweetsent.params import COMPRESS_METHODS
from tweetsent.variants import load_model


@pytest.mark.parametrize("method", COMPRESS_METHODS)
def test_variant_loads_and_predicts(smoke_variants, method):
    p, teacher, folders, test = smoke_variants
    folder = folders[method]
    clf = load_model(folder)
    proba = clf.predict_proba(test["text"])
    assert proba.shape == (len(test), len(p.labels)) and np.allclose(proba.sum(1), 1, atol=1e-4)
    info = json.loads((folder / "model_info.json").read_text())
    fp32 = load_model(teacher)
    if method in ("int8", "onnx-int8"):   # rounding to 8 bits barely moves a prediction; the folder shrinks
        same = (proba.argmax(1) == fp32.predict_proba(test["text"]).argmax(1)).mean()
        assert same >= 0.97 and np.abs(proba - fp32.predict_proba(test["text"])).max() < 0.1
        assert folder_bytes(folder) < 0.6 * folder_bytes(teacher)
    if method == "onnx":                  # fp32 in ONNX Runtime: the same numbers as PyTorch
        assert np.abs(proba - fp32.predict_proba(test["text"])).max() < 1e-4 and info["variant"] == "onnx"
    if method == "prune":
        assert info["sparsity"] >= p.prune_amount - 0.01 and folder_bytes(folder) < folder_bytes(teacher)
    if method == "prune-structured":
        assert info["n_parameters"] < fp32.info.n_parameters and "fine_tune" in info
    if method == "distill":
        assert info["hidden_size"] == p.distill_hidden and info["n_layers"] == p.distill_layers
        assert folder_bytes(folder) < folder_bytes(teacher)


def test_text_only_student(smoke_variants, tmp_path):
    import dataclasses
    p, teacher, _, test = smoke_variants
    folder = compress(teacher, "distill", dataclasses.replace(p, distill_meta=False), tmp_path / "text-student")
    clf = load_model(folder)
    assert clf.info.arch == "text" and not clf.info.uses_meta
    assert clf.predict_proba(test["text"][:5]).shape == (5, len(p.labels))


def test_onnx_session_takes_torch_threads(smoke_variants):
    "A predict worker sets torch's thread count to its share of the cores; its ONNX Runtime session must keep to it."
    import torch
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        options = load_model(smoke_variants[2]["onnx-int8"]).runner.session.get_session_options()
    finally: torch.set_num_threads(before)
    assert (options.intra_op_num_threads, options.inter_op_num_threads) == (1, 1)
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
