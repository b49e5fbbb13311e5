import optuna
import pytest

from tweetsent.data import load_dataset
from tweetsent.tune import open_study, tune, tuned_params_file, write_tuned


def test_interrupted_study_resumes_in_its_storage(smoke_params, tmp_path, monkeypatch):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    smoke_params.tune_storage = f"sqlite:///{tmp_path / 'study.db'}"
    smoke_params.tune_max_rows = 120
    train = load_dataset(smoke_params).train
    first = tune(smoke_params, train, n_trials=1)            # "interrupted" after one trial
    kept = first.trials[0].params
    study = tune(smoke_params, train, n_trials=3)             # started again: two more, the first one kept
    assert [t.number for t in study.trials] == [0, 1, 2] and study.trials[0].params == kept
    assert tune(smoke_params, train, n_trials=3).trials == study.trials   # nothing left to do
    monkeypatch.setattr("tweetsent.tune.project_root", lambda: tmp_path)
    path = write_tuned(smoke_params, study)
    assert path == tuned_params_file(smoke_params) and "lr:" in path.read_text()
