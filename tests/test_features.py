import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st
from joblib.externals.loky import get_reusable_executor
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from tweetsent.features import (
    FeatureExtractor,
    NgramHasher,
    TokenBag,
    afinn_features,
    mpqa_features,
    negation_features,
    nrc_features,
    surface_features,
)
from tweetsent.lexicons import MPQA_FILE, lexicon_tokens, read_mpqa
from tweetsent.readability import Hyphenator, read_hyphenation_patterns, readability_features


def test_counts_and_style_known_answers():
    texts = ["Hello world. Bye!", "NOT very good?? 2020", "", "A ² ① x"]
    f = pd.concat([surface_features(texts), negation_features(TokenBag([lexicon_tokens(t) for t in texts]))], axis=1)
    c, s, empty, unicode_digits = f.iloc[0], f.iloc[1], f.iloc[2], f.iloc[3]
    assert (c.char_count, c.word_count, c.sentence_count) == (17, 3, 2)
    assert c.unique_word_ratio == 1.0 and abs(c.avg_word_len - 15 / 3) < 1e-9
    assert (s.question_count, s.negator_count, s.intensifier_count) == (2, 1, 1)
    assert s.caps_word_ratio == 0.25 and abs(s.digit_ratio - 4 / 20) < 1e-9
    assert (empty.word_count, empty.avg_word_len, empty.sentence_count, empty.digit_ratio) == (0, 0.0, 1, 0.0)
    assert unicode_digits.digit_ratio == 2 / 7 and unicode_digits.caps_word_ratio == 0.0   # str.isdigit counts ² and ①


def test_lexicon_groups_known_answers():
    bag = TokenBag([["good", "bad", "bad", "other"], []])
    a = afinn_features(bag, {"good": 3.0, "bad": -3.0})
    assert (a.afinn_sum[0], a.afinn_mean[0], a.afinn_sum[1], a.afinn_mean[1]) == (-3.0, -0.75, 0.0, 0.0)
    n = nrc_features(bag, {"good": frozenset({"joy", "positive"}), "bad": frozenset({"negative"})}).iloc[0]
    assert (n.nrc_joy, n.nrc_negative, n.nrc_fear) == (0.25, 0.5, 0.0)


def test_mpqa_reads_type_and_polarity_from_separate_fields(tmp_path):
    f = tmp_path / MPQA_FILE
    f.write_text("type=strongsubj len=1 word1=awful pos1=adj stemmed1=n priorpolarity=negative\n"
                 "type=weaksubj len=1 word1=calm pos1=adj stemmed1=n priorpolarity=positive\n")
    lex = read_mpqa(f)
    m = mpqa_features(TokenBag([["awful", "calm", "x", "y"]]), lex).iloc[0]
    # the original counted weaksubj/strongsubj among polarity values, so these were always 0
    assert (m.mpqa_strongsubj, m.mpqa_weaksubj, m.mpqa_negative, m.mpqa_positive) == (0.25, 0.25, 0.25, 0.25)


def test_hyphenator_counts_what_pyphen_counts():
    import random
    import string

    import pyphen
    patterns = read_hyphenation_patterns(pyphen.LANGUAGES["en_US"])
    reference = pyphen.Pyphen(lang="en_US")
    assert patterns == {k: (o, tuple(map(int, v))) for k, (o, v) in reference.hd.patterns.items()}
    rnd = random.Random(0)
    words = ["".join(rnd.choice(string.ascii_lowercase + "'é’0_ß") for _ in range(rnd.randint(0, 40)))
             for _ in range(3000)]
    # some hit the long patterns
    words += ["accountability", "hyphenation", "coronavirus", "lockdown", "a", "ab", "abc"]
    assert Hyphenator.from_patterns(
        patterns).count_points(words).tolist() == [len(reference.positions(w)) for w in words]


def test_readability_equals_textstat(tmp_path):
    import random

    import textstat
    texts = ["The quick brown fox jumps over the lazy dog. It was not amused!", "", " ", "A", "I am OK",
             "x . ! ?", "ÀB ² ¹1", "'' ' don't 'tis . Hi. Yes!!! ok",
             "Supercalifragilistic covid19 lockdownextension...",
             "Wow ...Hello ,!abc Dr. Smith's e-mail: https://t.co/xyz #StayHome"]
    rnd = random.Random(2)   # random texts over the characters that decide words and sentences
    texts += ["".join(rnd.choice("ab Z1_ .!?,'’-\n²é") for _ in range(rnd.randint(0, 40))) for _ in range(300)]
    ours = readability_features(texts, tmp_path)
    for t, row in zip(texts, ours.itertuples()):
        assert (row.flesch_reading_ease, row.smog_index, row.dale_chall) == (
            textstat.flesch_reading_ease(t), textstat.smog_index(t), textstat.dale_chall_readability_score(t)), t


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    texts = ["I love this, thank you!", "Awful panic buying, terrible.", "Store opens at 9am.",
             "Great help from nurses"]
    return FeatureExtractor(tfidf_max_features=10, lexicon_dir=str(tmp_path_factory.mktemp("lex"))).fit(texts), texts


def test_extractor_is_a_sklearn_transformer(fitted):
    fx, texts = fitted
    X = fx.transform(texts)
    names = fx.get_feature_names_out()
    assert X.shape == (4, len(names)) and X.dtype == np.float32 and np.isfinite(X).all()
    assert {"afinn_sum", "vader_clean_compound", "mpqa_strongsubj", "flesch_reading_ease"} <= set(names)
    assert sum(len(v) for v in fx.group_slices().values()) == len(names)
    again = FeatureExtractor.from_state(json.loads(json.dumps(fx.to_state())))   # what a model folder stores
    np.testing.assert_allclose(again.transform(texts), X)
    pipe = make_pipeline(FeatureExtractor(groups=("counts", "vader"), lexicon_dir=fx.lexicon_dir), LogisticRegression())
    assert pipe.fit(texts, [4, 0, 2, 3]).predict(texts).shape == (4,)


def test_groups_can_be_switched_off(fitted):
    fx = FeatureExtractor(groups=("counts",), lexicon_dir=fitted[0].lexicon_dir).fit(fitted[1])
    assert list(fx.get_feature_names_out()) == ["char_count", "word_count", "avg_word_len",
                                                "unique_word_ratio", "sentence_count"]
    with pytest.raises(ValueError, match="no feature groups"):
        FeatureExtractor(groups=(), lexicon_dir=fx.lexicon_dir).fit(["a"])


def test_same_values_as_the_original_per_row_method(tmp_path):
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_features import ORIGINAL_GROUPS, original_features
    texts = ["Don't panic!! Shelves are EMPTY at @Tesco https://t.co/abc #COVID19",
             "Thank you NHS staff, wonderful work.",
             "Prices up 20% today? Not good... I'm worried.", "", "ok",
             "Hand-sanitizer sold out; the supermarket's queue is 2 hours long.",
             "Wow ...Hello ,!abc Dr. Smith’s e-mail: WHY?? ² ① 3rd #StayHome #covid19 httpstcoXYZ123 "
             "supercalifragilistic",
             "'' ' don't 'tis . Hi. Yes!!! ok NOT SO GOOD: very, very bad — café naïve"]
    orig = original_features(texts, tmp_path, tfidf_max_features=20)
    ours = FeatureExtractor(groups=ORIGINAL_GROUPS, tfidf_max_features=20,
                            lexicon_dir=str(tmp_path)).fit(texts).transform_unscaled(texts)
    correct = [c for c in orig.columns if c not in ("mpqa_strongsubj", "mpqa_weaksubj")]   # always 0 in the original
    assert list(ours.columns) == list(orig.columns)
    np.testing.assert_array_equal(ours[correct].to_numpy(float), orig[correct].to_numpy(float))
    assert ours["mpqa_strongsubj"].sum() + ours["mpqa_weaksubj"].sum() > 0 == orig["mpqa_strongsubj"].sum()


# NgramHasher against sklearn's two HashingVectorizers, on words that share n-grams, casing, whitespace of every kind
# and arbitrary unicode; a small cache so that it starts again within a call
_pieces = st.sampled_from(["love", "LOVE", "Love", "a", "I", "ok", "#covid19", "@who", "don't",
                           "café", "ÉCOLE", "ß", "İ",
                           "🙂", "😡😡", "http://t.co/x", "x_y", "2020", " ", "  ", "\t", "\n", "\u00a0",
                           "\u2028", "\x1c", ".", ",!?"])
# sklearn refuses an empty list
_texts = st.lists(st.one_of(st.lists(_pieces, max_size=30).map("".join), st.text(max_size=60)), min_size=1, max_size=12)


@settings(max_examples=400, deadline=None)
@given(texts=_texts, n_features=st.sampled_from([2**4, 2**10, 2**18]), max_cached=st.sampled_from([1, 5, 200_000]))
def test_ngram_hasher_equals_sklearn(texts, n_features, max_cached):
    sk = [HashingVectorizer(ngram_range=(1, 2), n_features=n_features, alternate_sign=False, norm=None),
          HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=n_features,
                            alternate_sign=False, norm=None)]
    expected = scipy.sparse.hstack([h.transform(texts) for h in sk]).tocsr()
    hasher = NgramHasher(n_features, max_cached=max_cached)
    for _ in range(2):                                     # cold caches, then warm (or restarted) ones
        got = hasher.transform(texts)
        assert got.shape == expected.shape and (got != expected).nnz == 0
        assert got.has_sorted_indices and got.has_canonical_format


def test_parallel_transform_equals_serial(fitted):
    "n_jobs featurises consecutive slices in processes: the same values in the same order, for any split of the rows."
    fx, texts = fitted[0], list(fitted[1]) * 3
    serial = fx.transform_unscaled(texts)
    pd.testing.assert_frame_equal(fx.transform_unscaled(t for t in texts), serial)   # any iterable, as before n_jobs
    try:
        for n_jobs in (2, 3):
            fx.n_jobs = n_jobs
            pd.testing.assert_frame_equal(fx.transform_unscaled(texts), serial)
        # more jobs than rows: one row each (on the three processes already started)
        pd.testing.assert_frame_equal(fx.transform_unscaled(texts[:2]), serial.iloc[:2])
    finally:
        fx.n_jobs = None
        get_reusable_executor().shutdown(wait=True)     # joblib's worker processes end with the test
