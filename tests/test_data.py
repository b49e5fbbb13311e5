import pandas as pd
import pytest

from tweetsent.datasets import load_dataset, read_tweets
from tweetsent.demo import make_demo_tweets
from tweetsent.inputs import DataError
from tweetsent.params import KAGGLE_LABELS

HEADER = "UserName,ScreenName,Location,TweetAt,OriginalTweet,Sentiment\r\n"


def write(tmp_path, body: str, encoding="utf-8", name="t.csv"):
    f = tmp_path / name
    f.write_bytes((HEADER + body).encode(encoding))
    return f


def load(f, labels=KAGGLE_LABELS):
    return read_tweets(f, "OriginalTweet", "Sentiment", labels)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_encodings_read_without_mojibake(tmp_path, encoding):
    df, rep = load(write(tmp_path, '1,2,Zürich,02-03-2020,"Café prices – awful",Negative\r\n', encoding))
    assert df.loc[0, "text"] == "Café prices – awful" and df.loc[0, "Location"] == "Zürich"
    assert df.columns[0] == "UserName"  # a BOM does not stick to the first column name


def test_line_breaks_empty_and_duplicates_are_counted(tmp_path):
    body = ('1,2,,02-03-2020,"line one\r\nline two",Positive\r\n'
            '2,3,,02-03-2020,,Neutral\r\n'
            '3,4,,02-03-2020,"   ",Neutral\r\n'
            '4,5,,02-03-2020,same tweet,Neutral\r\n'
            '5,6,,02-03-2020,same tweet,Neutral\r\n')
    df, rep = load(write(tmp_path, body))
    assert list(df["text"]) == ["line one line two", "same tweet"]
    assert rep.rows_read == 5 and rep.rows_kept == 2
    assert rep.dropped == {"empty or missing tweet": 2, "duplicate tweet and label": 1}
    assert rep.repaired["line breaks inside tweet"] == 1
    assert "2 kept" in rep.summary()


def test_missing_column_is_named(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("text,label\nhello,Positive\n")
    with pytest.raises(DataError,
                       match=r"Column\(s\) \['OriginalTweet', 'Sentiment'\] not found .*columns are: text, label"):
        load(f)


def test_unknown_labels_are_listed(tmp_path):
    f = write(tmp_path, "1,2,,d,hi,Mixed\r\n2,3,,d,yo,Mixed\r\n3,4,,d,ok,Positive\r\n")
    with pytest.raises(DataError, match=r"2 labels .* 'Mixed' \(2 rows\)"):
        load(f)


def test_empty_and_missing_files(tmp_path):
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(DataError, match="is empty"):
        load(tmp_path / "e.csv")
    with pytest.raises(DataError, match="Data file not found"):
        load(tmp_path / "nope.csv")


def test_three_class_data(tmp_path):
    df, _ = load(write(tmp_path, "1,2,,d,good,positive\r\n2,3,,d,bad,negative\r\n"),
                 ["negative", "neutral", "positive"])
    assert list(df["label"]) == [2, 0]


def test_demo_set_is_deterministic_and_has_every_class():
    a, b = make_demo_tweets(300, seed=1), make_demo_tweets(300, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert set(a["Sentiment"]) == set(KAGGLE_LABELS)
    assert list(a.columns) == ["UserName", "ScreenName", "Location", "TweetAt", "OriginalTweet", "Sentiment"]


def test_demo_used_only_when_default_files_are_absent(smoke_params, tmp_path):
    data = load_dataset(smoke_params)
    assert data.source == "demo" and "demo set" in data.notice
    smoke_params.train_path, smoke_params.test_path = str(tmp_path / "mine.csv"), str(tmp_path / "mine_test.csv")
    with pytest.raises(DataError, match="Data file not found: .*mine_test.csv"):
        load_dataset(smoke_params)


def test_single_file_split(smoke_params, tmp_path):
    demo = make_demo_tweets(200, seed=3)
    demo.to_csv(tmp_path / "one.csv", index=False)
    smoke_params.train_path, smoke_params.test_path = "", str(tmp_path / "one.csv")
    data = load_dataset(smoke_params)
    assert len(data.train) + len(data.test) == data.reports[0].rows_kept
    assert not set(data.train["text"]) & set(data.test["text"])
