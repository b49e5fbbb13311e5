"""Input that cannot be parsed cleanly is refused with one line, or repaired and counted; never silently changed."""
import csv
import io
import sys

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from tweetsent.cli import main
from tweetsent.datasets import read_tweets
from tweetsent.inputs import LoadReport, decode_csv_bytes, parse_csv

LABELS = ["LABEL_NEG", "LABEL_POS"]
# a bare "\r" inside an unquoted field makes any CSV ambiguous (csv.writer does not quote it when the terminator is
# "\n"),
# so generated tweets carry "\r" only as part of "\r\n"
tweet = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60).map(
    lambda t: t.replace("\r\n", "\n").replace("\r", "\r\n"))


def csv_bytes(rows, header, encoding, terminator, quoting):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=terminator, quoting=quoting)
    writer.writerow(header); writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(tweet, st.sampled_from(LABELS)), min_size=1, max_size=25),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]), terminator=st.sampled_from(["\n", "\r\n"]),
       quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
def test_every_row_comes_back_exactly(rows, encoding, terminator, quoting):
    raw = csv_bytes(rows, ["text", "label"], encoding, terminator, quoting)
    report = LoadReport("gen.csv")
    df = parse_csv(decode_csv_bytes(raw, "gen.csv", report), "gen.csv", "label", LABELS)
    assert df.values.tolist() == [list(r) for r in rows] and not report.repaired


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(tweet, st.sampled_from(LABELS)), min_size=1, max_size=25))
def test_read_tweets_accounts_for_every_row(rows, tmp_path_factory):
    from tweetsent.inputs import DataError
    from tweetsent.texts import clean_tweets
    f = tmp_path_factory.mktemp("gen") / "t.csv"
    f.write_bytes(csv_bytes(rows, ["text", "label"], "utf-8", "\r\n", csv.QUOTE_MINIMAL))
    cleaned = [(clean_tweets(pd.Series([t]))[0], y) for t, y in rows]
    kept = list(dict.fromkeys((t, y) for t, y in cleaned if t))      # first of each (tweet, label), empty tweets out
    if not kept:
        with pytest.raises(DataError, match="No usable rows"): read_tweets(f, "text", "label", LABELS)
        return
    df, report = read_tweets(f, "text", "label", LABELS)
    assert list(zip(df["text"], df["label_name"])) == kept
    assert report.rows_read == len(rows) and report.rows_kept == len(kept)
    assert report.dropped == {"empty or missing tweet": sum(not t for t, _ in cleaned),
                              "duplicate tweet and label": sum(1 for t, _ in cleaned if t) - len(kept)}
    assert report.repaired["line breaks inside tweet"] == sum(c != t.strip() for (c, _), (t, _) in zip(cleaned, rows))


def run(argv, capsys, stdin: bytes | None = None, monkeypatch=None):
    "The command line in this process: (exit status, stdout, stderr)."
    if stdin is not None: monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def model(smoke_model):
    "The session's smoke model (conftest), trained once for every module that reads one."
    return smoke_model


GOOD = "OriginalTweet,Sentiment\nThank you nurses,Positive\nEmpty shelves again,Negative\n"
BAD_INPUTS = [  # (name, file bytes or None, extra args, expected in the one-line error)
    ("empty file", b"", [], "is empty"),
    ("only blanks", b"  \n\n", [], "is empty"),
    ("binary", b"\x00\x01\x02\x03" * 10, [], "looks like a binary file"),
    ("xlsx", b"PK\x03\x04" + b"\x00" * 40, [], "Excel workbook or zip archive"),
    ("gzip", b"\x1f\x8b\x08\x00" + b"\x00" * 20, [], "gzip-compressed"),
    ("tsv", b"OriginalTweet\tSentiment\nhi\tPositive\n", [], "looks tab-separated"),
    ("too many fields", b"OriginalTweet,Sentiment\nhi,Positive\nhello, world,Negative\n", [],
     "row 2 (line 3) has 3 fields"),
    ("unclosed quote", b'OriginalTweet,Sentiment\n"never closed,Positive\nhi,Negative\n', [], "cannot be parsed"),
    ("swallowed rows", b'id,OriginalTweet,Sentiment\n1,"oops,Positive\n2,next tweet,Negative\n3,x",Positive\n', [],
     "field 'OriginalTweet' holds what looks like whole CSV rows"),
    ("missing column", b"text,label\nhi,Positive\n", [], "Column(s) ['OriginalTweet'] not found"),
    ("output columns taken", b"OriginalTweet,predicted\nhi,x\n", [], "already has column(s) ['predicted']"),
    ("duplicate header", b"OriginalTweet,OriginalTweet\nhi,ho\n", [], "header repeats column names"),
]


@pytest.mark.parametrize("name,data,extra,expected", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_predict_input_is_one_line(model, tmp_path, capsys, name, data, extra, expected):
    f = tmp_path / "in.csv"
    f.write_bytes(data)
    code, out, err = run(["predict", "--model", model, "--input", f, *extra], capsys)
    assert code == 2 and err.strip().count("\n") == 0 and expected in err, err
    assert out == ""


@pytest.mark.parametrize("argv,expected", [
    (["predict", "--model", "{model}", "--input", "{tmp}"], "is a folder, not a CSV file"),
    (["predict", "--model", "{model}", "--input", "{good}", "--output", "{tmp}"], "is a folder; name a file"),
    (["predict", "--model", "{model}", "--input", "{good}", "--output", "{tmp}/no/such/dir/out.csv"],
     "cannot be written"),
    (["train", "--params", "{tmp}", "--out", "{tmp}/m"], "is a folder; --params needs a YAML file"),
    (["train", "--params", "{yaml}", "--out", "{tmp}/m"], "is not valid YAML at line 3, column 1: expected"),
    (["train", "--params", "params/smoke.yaml", "--set", "lr=.nan", "--out", "{tmp}/m"],
     "'lr' in --set/overrides (lr=nan): nan; it must be a finite number"),
    (["train", "--params", "params/smoke.yaml", "--set", "val_size=0", "--out", "{tmp}/m"], "it must be in (0, 1)"),
    (["train", "--params", "params/smoke.yaml", "--set", "max_length=1000", "--set",
      "out_dir={tmp}/o", "--out", "{tmp}/m"],
     "backbone 'tiny-random' reads at most 256 tokens"),
    (["train", "--params", "params/smoke.yaml", "--set", "train_path={emoji}", "--set", "test_path={emoji}",
      "--set", "out_dir={tmp}/o",
      "--out", "{tmp}/m"], "TF-IDF found no words in the training texts"),
    (["compress", "--model", "{model}", "--method", "distill", "--set", "distill_hidden=128", "--out", "{tmp}/d"],
     "wider than the teacher (32)"),
    (["evaluate", "--model", "{tmp}/nope", "--input", "{good}"], "Model folder not found"),
])
def test_bad_commands_are_one_line(model, tmp_path, capsys, monkeypatch, argv, expected):
    monkeypatch.chdir(ROOT)
    (tmp_path / "good.csv").write_text(GOOD)
    (tmp_path / "p.yaml").write_text("lr: 1e-4\nepochs: [1, 2\n")
    emoji = "OriginalTweet,Sentiment\n" + "".join(f"{'😀' * (i % 3 + 1)}{'🎉' * (i % 2)},{lab}\n" for i, lab in
                                                   enumerate(["Positive", "Negative", "Neutral", "Extremely Positive",
                                                              "Extremely Negative"] * 8))
    (tmp_path / "emoji.csv").write_text(emoji)
    fill = {"model": model, "tmp": tmp_path, "good": tmp_path / "good.csv", "yaml": tmp_path / "p.yaml",
            "emoji": tmp_path / "emoji.csv"}
    code, out, err = run([a.format(**fill) for a in argv], capsys)
    assert code == 2 and err.strip().count("\n") == 0 and expected in err, err


def test_batch_size_must_be_positive(model, capsys):
    with pytest.raises(SystemExit) as e:
        main(["predict", "--model", str(model), "--input", "-", "--batch-size", "-5"])
    assert e.value.code == 2 and "-5 is not > 0" in capsys.readouterr().err


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_a_stray_byte_is_repaired_in_its_line_only(model, tmp_path, capsys, monkeypatch, source):
    data = ("OriginalTweet,Sentiment\nStay safe 😀,Positive\n".encode() + b"Caf\xe9 closed,Negative\n"
            + "Thank you 🙏,Positive\n".encode())
    f = tmp_path / "in.csv"; f.write_bytes(data)
    argv = ["predict", "--model", model, "--input", "-" if source == "stdin" else f]
    code, out, err = run(argv, capsys, stdin=data if source == "stdin" else None, monkeypatch=monkeypatch)
    assert code == 0, err
    got = pd.read_csv(io.StringIO(out))
    # emoji intact, one line repaired
    assert got["OriginalTweet"].tolist() == ["Stay safe 😀", "Café closed", "Thank you 🙏"]
    assert "1 lines with bytes that are not UTF-8 (read as cp1252)" in err
    assert "first stray byte at offset 51, line 3" in err


def test_utf16_and_cp1252_files_are_read(model, tmp_path, capsys):
    for enc in ("utf-16", "cp1252"):
        f = tmp_path / f"{enc}.csv"; f.write_bytes("OriginalTweet,Sentiment\nCafé – great,Positive\n".encode(enc))
        code, out, err = run(["predict", "--model", model, "--input", f], capsys)
        assert code == 0 and f"({enc})" in err and "Café – great" in out, err


def test_empty_stdin_and_output_written_atomically(model, tmp_path, capsys, monkeypatch):
    code, _, err = run(["predict", "--model", model, "--input", "-"], capsys, stdin=b"", monkeypatch=monkeypatch)
    assert code == 2 and err.strip() == "error: stdin is empty"
    (tmp_path / "good.csv").write_text(GOOD)
    code, _, err = run(["predict", "--model", model, "--input", tmp_path / "good.csv", "--output",
                        tmp_path / "out.csv"], capsys)
    assert code == 0 and len(pd.read_csv(tmp_path / "out.csv")) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.csv", "out.csv"]


def test_pathological_length_costs_what_the_cap_allows(model):
    from tweetsent.variants import load_model
    clf = load_model(model)
    long = "so good! " * 25_000                                 # 225,000 characters
    assert (clf.predict_proba([long]) == clf.predict_proba([long[: clf.info.max_text_chars]])).all()
