"""`tweetsent.vader.Vader` returns exactly what vaderSentiment 3.2.1 returns, on texts built to hit every rule."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from tweetsent.lexicons import VADER_VARIANTS, vader_scores
from tweetsent.vader import Vader, but_check

REFERENCE = SentimentIntensityAnalyzer()
FAST = Vader()

# words that trigger each rule: lexicon words (some in ALL CAPS), boosters and dampeners, negations, "least", "but",
# "kind of", "never so/this", "without doubt", idioms, emojis (two with '!'/'?' in their description), emoticons,
# punctuation that SentiText strips or keeps, and plain words
RULE_WORDS = ["good", "GOOD", "bad", "BAD", "love", "hate", "kind", "of", "sort", "kinda", "very", "VERY", "extremely",
              "barely", "slightly", "not", "isn't", "never", "so", "this", "without", "doubt", "least", "at", "but",
              "BUT", "the", "shit", "bomb", "yeah", "right", "kiss", "death", "bad", "ass", "just", "enough", "no",
              "nope", "cannot", "uh-uh", "😀", "😡", "🔛", "🆙", "❤️", ":)", ":(", ":-D", "<3", "lol", "LOL", "wow",
              "a", "I", "x", "covid", "lockdown", "#StaySafe", "@bob", "https://t.co/x",
              "great", "sucks", "happy", "sad"]
MARKS = ["", "", "", "!", "?", ",", ".", "!!", "!!!", "???", "?!?", "'", "\"", "-", ":", "...", "!!!!", "?!?!"]


@st.composite
def tricky_text(draw):
    words = draw(st.lists(st.sampled_from(RULE_WORDS), max_size=30))
    marks = draw(st.lists(st.tuples(st.sampled_from(MARKS), st.sampled_from(MARKS)),
                          min_size=len(words), max_size=len(words)))
    spaces = draw(st.lists(st.sampled_from([" ", " ", "  ", "\n", "\t"]), min_size=len(words), max_size=len(words)))
    return "".join(f"{before}{w}{after}{sp}" for w, (before, after), sp in zip(words, marks, spaces))


@settings(max_examples=1500, deadline=None)
@given(text=tricky_text())
def test_equal_to_vadersentiment_on_generated_tricky_texts(text):
    assert FAST.polarity_scores(text) == REFERENCE.polarity_scores(text), text


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
def test_equal_to_vadersentiment_on_any_unicode(text):
    assert FAST.polarity_scores(text) == REFERENCE.polarity_scores(text)


def test_equal_on_each_text_variant_and_on_repeated_words():
    "Repeated words are scored where they first occur (vaderSentiment's `list.index`), also across the three variants."
    rng = random.Random(0)
    texts = [" ".join(rng.choice(RULE_WORDS) + rng.choice(MARKS) for _ in range(rng.randint(1, 60)))
             for _ in range(300)]
    texts += ["good bad good but good bad", "GOOD good Good but GOOD", "not good, not GOOD, never so good but good"]
    for variant, prep in VADER_VARIANTS.items():
        got = vader_scores(texts, variant).to_dict("records")
        assert got == [REFERENCE.polarity_scores(prep(t)) for t in texts], variant


@pytest.mark.parametrize("scores, bi",
                         [([2, 1, 0, 0, 3], 3), ([1.5, 0, 3, 0, 1.5, 0.75, 0], 3), ([-1, 0, -2, -1, 0, -0.5, 4, 2], 4),
                                        ([0.5, 1, 0, 1, 2, 0.5, 0.75], 2), ([0, 0, 0], 1)])
def test_but_check_keeps_the_list_index_quirk(scores, bi):
    words = ["w"] * bi + ["but"] + ["w"] * (len(scores) - bi - 1)
    assert but_check(list(scores), bi) == REFERENCE._but_check(words, list(scores))


def test_long_texts_score_the_same():
    "A 5,000-word text (the reference is quadratic on it, the port linear): still equal."
    rng = random.Random(1)
    text = " ".join(rng.choice(RULE_WORDS) + rng.choice(MARKS) for _ in range(5000))
    assert FAST.polarity_scores(text) == REFERENCE.polarity_scores(text)


def test_token_cache_stays_bounded_and_scores_stay_equal():
    "Over many distinct tokens (URLs, mentions) the cache starts again when full; the scores do not change."
    fast = Vader()
    fast.max_cached_tokens = 50
    texts = [f"good day @user{i} https://t.co/{i} but not #{i} great!" for i in range(400)]
    assert [fast.polarity_scores(t) for t in texts] == [REFERENCE.polarity_scores(t) for t in texts]
    assert len(fast._tokens) <= 50
