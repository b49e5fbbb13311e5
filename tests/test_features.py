import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from tweetsent.features import (FeatureExtractor, MPQA_FILE, afinn_features, count_features, lexicon_tokens,
                                mpqa_features, nrc_features, read_mpqa, style_features)


def test_counts_and_style_known_answers():
    c = count_features(["Hello world. Bye!"]).iloc[0]
    assert (c.char_count, c.word_count, c.sentence_count) == (17, 3, 2)
    assert c.unique_word_ratio == 1.0 and abs(c.avg_word_len - 15 / 3) < 1e-9
    s = style_features(["NOT very good?? 2020"], [lexicon_tokens("NOT very good?? 2020")]).iloc[0]
    assert (s.question_count, s.negator_count, s.intensifier_count) == (2, 1, 1)
    assert s.caps_word_ratio == 0.25 and abs(s.digit_ratio - 4 / 20) < 1e-9


def test_lexicon_groups_known_answers():
    toks = [["good", "bad", "bad", "other"]]
    a = afinn_features(toks, {"good": 3.0, "bad": -3.0}).iloc[0]
    assert (a.afinn_sum, a.afinn_mean) == (-3.0, -0.75)
    n = nrc_features(toks, {"good": frozenset({"joy", "positive"}), "bad": frozenset({"negative"})}).iloc[0]
    assert (n.nrc_joy, n.nrc_negative, n.nrc_fear) == (0.25, 0.5, 0.0)


def test_mpqa_reads_type_and_polarity_from_separate_fields(tmp_path):
    f = tmp_path / MPQA_FILE
    f.write_text("type=strongsubj len=1 word1=awful pos1=adj stemmed1=n priorpolarity=negative\n"
                 "type=weaksubj len=1 word1=calm pos1=adj stemmed1=n priorpolarity=positive\n")
    lex = read_mpqa(f)
    m = mpqa_features([["awful", "calm", "x", "y"]], lex).iloc[0]
    # the original counted weaksubj/strongsubj among polarity values, so these were always 0
    assert (m.mpqa_strongsubj, m.mpqa_weaksubj, m.mpqa_negative, m.mpqa_positive) == (0.25, 0.25, 0.25, 0.25)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    texts = ["I love this, thank you!", "Awful panic buying, terrible.", "Store opens at 9am.", "Great help from nurses"]
    return FeatureExtractor(tfidf_max_features=10, lexicon_dir=str(tmp_path_factory.mktemp("lex"))).fit(texts), texts


def test_extractor_is_a_sklearn_transformer(fitted):
    fx, texts = fitted
    X = fx.transform(texts)
    names = fx.get_feature_names_out()
    assert X.shape == (4, len(names)) and X.dtype == np.float32 and np.isfinite(X).all()
    assert {"afinn_sum", "vader_clean_compound", "mpqa_strongsubj", "flesch_reading_ease"} <= set(names)
    assert sum(len(v) for v in fx.group_slices().values()) == len(names)
    again = pickle.loads(pickle.dumps(fx))
    np.testing.assert_allclose(again.transform(texts), X)
    pipe = make_pipeline(FeatureExtractor(groups=("counts", "vader"), lexicon_dir=fx.lexicon_dir), LogisticRegression())
    assert pipe.fit(texts, [4, 0, 2, 3]).predict(texts).shape == (4,)


def test_groups_can_be_switched_off(fitted):
    fx = FeatureExtractor(groups=("counts",), lexicon_dir=fitted[0].lexicon_dir).fit(fitted[1])
    assert list(fx.get_feature_names_out()) == ["char_count", "word_count", "avg_word_len", "unique_word_ratio", "sentence_count"]
    with pytest.raises(ValueError, match="no feature groups"):
        FeatureExtractor(groups=(), lexicon_dir=fx.lexicon_dir).fit(["a"])


def test_same_values_as_the_original_per_row_method(tmp_path):
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_features import ORIGINAL_GROUPS, original_features
    texts = ["Don't panic!! Shelves are EMPTY at @Tesco https://t.co/abc #COVID19", "Thank you NHS staff, wonderful work.",
             "Prices up 20% today? Not good... I'm worried.", "", "ok", "Hand-sanitizer sold out; the supermarket's queue is 2 hours long."]
    orig = original_features(texts, tmp_path, tfidf_max_features=20)
    ours = FeatureExtractor(groups=ORIGINAL_GROUPS, tfidf_max_features=20, lexicon_dir=str(tmp_path)).fit(texts).transform_unscaled(texts)
    correct = [c for c in orig.columns if c not in ("mpqa_strongsubj", "mpqa_weaksubj")]   # always 0 in the original
    assert list(ours.columns) == list(orig.columns)
    np.testing.assert_array_equal(ours[correct].to_numpy(float), orig[correct].to_numpy(float))
    assert ours["mpqa_strongsubj"].sum() + ours["mpqa_weaksubj"].sum() > 0 == orig["mpqa_strongsubj"].sum()
