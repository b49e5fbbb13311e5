import datetime as dt

import optuna
import pytest
import sqlalchemy

from tweetsent.datasets import load_dataset
from tweetsent.layout import tuned_file
from tweetsent.params import with_tuned
from tweetsent.tune import open_study, tune, write_tuned


@pytest.fixture
def tuning(smoke_params, tmp_path):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    smoke_params.tune_storage = f"sqlite:///{tmp_path / 'study.db'}"
    smoke_params.tune_max_rows = 120
    return smoke_params, load_dataset(smoke_params).train


def test_interrupted_study_resumes_without_repeating_trials(tuning):
    p, train = tuning
    first = tune(p, train, n_trials=1)                       # "interrupted" after one trial
    kept = first.trials[0].params
    study = tune(p, train, n_trials=3)                       # started again: two more, the first one kept
    assert [t.number for t in study.trials] == [0, 1, 2] and study.trials[0].params == kept
    params = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(set(params)) == 3                              # the resumed sampler does not replay trial 0
    assert tune(p, train, n_trials=3).trials == study.trials   # nothing left to do


def test_tuned_values_go_to_the_run_folder_and_feed_training(tuning):
    p, train = tuning
    study = tune(p, train, n_trials=1)
    path = write_tuned(p, study)
    assert path == tuned_file(p) and path.is_relative_to(p.out_dir) and "sqlite" not in path.read_text()
    p.use_tuned = True
    assert with_tuned(p).lr == study.best_params["lr"]


def test_a_killed_workers_trial_is_failed_and_retried(tuning):
    p, train = tuning
    study = open_study(p)
    stale = study.ask()                                       # a worker took this trial, then died
    study._storage.record_heartbeat(stale._trial_id)
    engine = sqlalchemy.create_engine(p.tune_storage)
    with engine.begin() as db:                                # ... an hour ago
        db.execute(sqlalchemy.text("UPDATE trial_heartbeats SET heartbeat = :t"),
                   {"t": dt.datetime.now() - dt.timedelta(hours=1)})
    study = tune(p, train, n_trials=2)
    states = [t.state for t in study.trials]
    assert optuna.trial.TrialState.RUNNING not in states and states[0] == optuna.trial.TrialState.FAIL
    retried = [t for t in study.trials if t.system_attrs.get("failed_trial") == stale.number]
    assert len(retried) == 1 and retried[0].state.is_finished()
