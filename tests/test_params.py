from pathlib import Path

import pytest

from tweetsent.params import ParamsError, load_params, parse_overrides

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", sorted((ROOT / "params").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_params_file_is_valid(path):
    p = load_params(path)
    assert p.run_name == path.stem and p.trainer in ("manual", "hf")


def test_default_and_original_tuned_values():
    assert load_params(ROOT / "params/minilm-manual.yaml").backbone == "minilm"
    r = load_params(ROOT / "params/roberta-base-hf.yaml")
    assert (r.lr, r.dropout, r.batch_size, r.epochs, r.max_length) == (4.69e-5, 0.253, 16, 5, 128)


def test_unknown_key_names_it_and_suggests(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("lerning_rate: 0.001\n")
    with pytest.raises(ParamsError, match=r"Unknown params key 'lerning_rate' in .*p.yaml \(did you mean 'lr'\?\)"):
        load_params(f)


@pytest.mark.parametrize("item,match", [("dropout=1.5", "'dropout'"), ("trainer=keras", "choose one of"),
                                        ("epochs=two", "'epochs'"), ("batch_size=0", r"in \(0, inf\)"),
                                        ("feature_groups=[counts, emojis]", "emojis")])
def test_bad_values_are_named(item, match):
    with pytest.raises(ParamsError, match=match):
        load_params(ROOT / "params/smoke.yaml", [item])


def test_overrides_are_parsed_as_yaml():
    assert parse_overrides(
        ["lr=1.0e-4", "labels=[a, b]", "max_rows=null"]) == {"lr": 1e-4, "labels": ["a", "b"], "max_rows": None}
    p = load_params(ROOT / "params/smoke.yaml", ["lr=3e-4", "epochs=1"])
    assert (p.lr, p.epochs) == (3e-4, 1)
    with pytest.raises(ParamsError, match="KEY=VALUE"):
        parse_overrides(["lr"])


def test_missing_params_file():
    with pytest.raises(ParamsError, match="Params file not found"):
        load_params("params/nope.yaml")


@pytest.mark.parametrize("item,match",
                         [("lr=.nan", "'lr' in --set/overrides \\(lr=nan\\): nan; it must be a finite number"),
                                        ("head_lr=.inf", "finite"),
                                        ("val_size=0", r"'val_size' in --set/overrides \(val_size=0\): 0.0; it "
                                                       r"must be in \(0, 1\)"),
                                        ("split_size=1", r"\(0, 1\)"), ("prune_amount=0", r"\(0, 1\)"),
                                        ("layer_lr_decay=0", r"\(0, 1\]"), ("distill_alpha=1.5", r"\[0, 1\]"),
                                        ("select_metric=auc", "choose one of"), ("class_bias=auto", "choose one of"),
                                        ("compress_methods=[int8, zip]", "'zip'; choose one of")])
def test_overrides_are_named_when_bad(item, match):
    with pytest.raises(ParamsError, match=match):
        load_params(ROOT / "params/smoke.yaml", [item])


def test_a_bad_value_in_the_file_names_the_file(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("val_size: 0\n")
    with pytest.raises(ParamsError, match=r"'val_size' in .*p.yaml: 0.0"):
        load_params(f)


def test_training_keys_come_from_the_fields():
    from tweetsent.params import help_table, training_keys
    keys = training_keys()
    assert {"lr", "val_path", "select_metric", "class_bias", "layer_lr_decay", "feature_groups"} <= set(keys)
    assert not {"tune_trials", "out_dir", "explain_samples", "compress_methods"} & set(keys)
    assert "| `select_metric` | `macro_f1` |" in help_table()
