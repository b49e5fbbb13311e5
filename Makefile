# tweetsent: `make run` runs the pipeline on the default params; `make test` runs unit tests, pipelines and nbval.
# Both create .venv on first use; later runs reuse it (the stamp file changes only when settings.ini or setup.py do).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PARAMS ?= params/minilm-manual.yaml
SET ?=
RUN ?=
TORCH ?= torch==2.13.0
STAMP := $(VENV)/.tweetsent-installed

.PHONY: setup services run test test-fast report export bench check clean lab semeval-model

$(STAMP): settings.ini setup.py
	@echo "make setup: installing tweetsent and what it needs into $(VENV) (once; a few minutes; log: $(VENV)/setup.log)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@{ $(PY) -m pip install --disable-pip-version-check $(TORCH) && \
	   $(PY) -m pip install --disable-pip-version-check -e ".[dev]" && \
	   $(PY) -m tweetsent lexicons --dir lexicons && \
	   $(PY) -m ipykernel install --sys-prefix --name tweetsent --display-name "tweetsent" && \
	   $(MAKE) --no-print-directory hooks; } >$(VENV)/setup.log 2>&1 || \
	  { tail -n 20 $(VENV)/setup.log; echo "make setup failed: the whole log is $(VENV)/setup.log"; exit 1; }
	@touch $(STAMP)
# TORCH: the CPU build here; TORCH="torch==X --index-url URL" for another. The ipykernel is the notebooks' kernel, in
# .venv: each clone's own (a user-wide one was repointed by every other clone's set-up).

# nbdev's hooks (clean notebooks on save in Jupyter, resolve notebook merge conflicts) and a pre-commit check
hooks:
	@if [ -d .git ]; then \
	  $(VENV)/bin/nbdev_install_hooks >/dev/null; \
	  printf '#!/bin/sh\n[ -x .venv/bin/nbdev_trust ] && .venv/bin/nbdev_trust >/dev/null 2>&1 || true\n' > .git/hooks/post-merge; \
	  printf '#!/bin/sh\n# installed by make setup: notebooks clean and exported, lint passes\nmake -s check || { echo "pre-commit: make check failed; fix, git add, commit again (git commit --no-verify skips)"; exit 1; }\n' > .git/hooks/pre-commit; \
	  chmod +x .git/hooks/post-merge .git/hooks/pre-commit; \
	fi

setup: $(STAMP)

run: setup
	@$(PY) -m tweetsent run --params $(PARAMS) $(foreach s,$(SET),--set $(s))

# What the tests need beside .venv (.ci/services): headless Chromium, and PostgreSQL at TEST_PG_URL, started with its
# role and database when the URL is on this machine. Installs with apt-get as root; otherwise says what to install.
TEST_PG_URL ?= postgresql+psycopg2://tweetsent:tweetsent@127.0.0.1:5432/tweetsent_test
services:
	@.ci/services $(TEST_PG_URL)

# two workers, one file each at a time (a notebook's cells stay in order on one kernel); TEST_WORKERS=0 runs in one process
TEST_WORKERS ?= 2
test: setup services
	TWEETSENT_TEST_PG_URL=$(TEST_PG_URL) $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=25

# the unit checks alone, while you work (a couple of minutes); `make test` before you stop
test-fast: setup
	$(PY) -m pytest -m "not slow" -q

report: setup
	@test -n "$(RUN)" || { echo "usage: make report RUN=outputs/runs/<name>"; exit 2; }
	$(PY) -m tweetsent report --run $(RUN)

export: setup
	$(VENV)/bin/nbdev_export

# Notebooks without outputs or stray metadata (papermill's `parameters` tag is kept: settings.ini allows `tags`)
NOTEBOOKS = notebooks/*.ipynb notebooks/lib/*.ipynb
clean:
	$(VENV)/bin/nbdev_clean
	$(VENV)/bin/jupyter-nbconvert --clear-output --inplace --log-level=WARN $(NOTEBOOKS)

# Fails when cleaning or exporting would change anything (a notebook with outputs, a package out of sync with the
# notebooks, a hand edit of a generated module) or when ruff or mypy finds a problem. Run by .ci/run before make test.
SOURCES = find notebooks tweetsent -name '*.ipynb' -o -name '*.py' | sort | xargs cat | sha1sum
check: setup
	@before=$$($(SOURCES)); \
	$(MAKE) --no-print-directory -s clean >/dev/null && $(VENV)/bin/nbdev_export; \
	if [ "$$before" != "$$($(SOURCES))" ]; then \
	  echo "make check: notebooks were not clean, or tweetsent/ was out of sync with them; review and commit the changes (git diff)"; exit 1; fi
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy   # the package's types (pyproject.toml [tool.mypy])
	@echo "make check: notebooks clean, package in sync, lint and types pass"

# JupyterLab on this machine only; it prints the URL (with its token) to open
lab: setup
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --no-browser --ServerApp.root_dir=$(CURDIR) --ServerApp.allow_root=True

bench: setup
	$(PY) bench/run.py

# Human judgement II: the served SemEval model from scratch, one step a target. Each step is skipped when its folder is
# there and resumes from its checkpoint when it was killed, so the recipe can run across several sittings:
#   make semeval-model DATA=<folder with train/val/test.csv> UNLABELLED=<csv of unlabelled tweets, column text> OUT=<folder>
# 1. pre-train MiniLM on the unlabelled and training tweets; 2. fine-tune the ensemble's members; 3. stack them (and an
# n-gram and a lexicon model) on val.csv; 4. distil the ensemble into one network; 5. print its test score, once.
DATA ?= data/semeval
UNLABELLED ?= data/unlabelled/tweets.csv
OUT ?= outputs/semeval-model
PRETRAIN ?= yes
BACKBONE ?= $(if $(filter no,$(PRETRAIN)),minilm,$(OUT)/backbone)
MEMBERS ?= tweets-hybrid-1 tweets-hybrid-2 tweets-text-3 minilm-hybrid-1
SEMEVAL = --set train_path=$(abspath $(DATA))/train.csv --set val_path=$(abspath $(DATA))/val.csv --set test_path=$(abspath $(DATA))/test.csv \
          --set unlabelled_path=$(if $(UNLABELLED),$(abspath $(UNLABELLED))) --set out_dir=$(abspath $(OUT))/work --set lexicon_dir=$(CURDIR)/lexicons \
          $(foreach s,$(SET),--set $(s))
member_word = $(word $(1),$(subst -, ,$(2)))
# a member's first word names its backbone: tweets (BACKBONE, pre-trained or not), minilm, or any WORD given a folder or
# hub name as BACKBONE_WORD (MEMBERS="minilm-hybrid-1 mpnet-hybrid-1" BACKBONE_mpnet=<all-mpnet-base-v2 folder>);
# SET_WORD adds settings for those members alone (SET_mpnet="epochs=1")
member_backbone = $(if $(filter tweets,$(1)),$(BACKBONE_ARG),$(if $(BACKBONE_$(1)),$(call folder_or_name,$(BACKBONE_$(1))),$(1)))

semeval-model: $(OUT)/student/model_info.json
	@$(PY) -m tweetsent evaluate --model $(OUT)/student --input $(DATA)/test.csv --text-col text --label-col label 2>/dev/null | \
	  $(PY) -c "import json, sys; m = json.load(sys.stdin); print(f'SemEval-2017 test ({m[\"n\"]:,} tweets), the served student: macro-recall {m[\"macro_recall\"]:.3f}, macro-F1 {m[\"macro_f1\"]:.3f}, accuracy {m[\"accuracy\"]:.3f}')"

$(BACKBONE)/pretrain.json: | $(STAMP)
	$(PY) -m tweetsent pretrain --params params/semeval-pretrain.yaml $(SEMEVAL) --out $(BACKBONE)

# PRETRAIN=no skips pre-training: the members and the student start from BACKBONE as it is (a name or a folder).
PRETRAINED = $(if $(filter no,$(PRETRAIN)),,$(BACKBONE)/pretrain.json)
# a folder that exists as an absolute path, anything else (a hub name) as it is
folder_or_name = $(if $(wildcard $(1)),$(abspath $(1)),$(1))
BACKBONE_ARG = $(if $(filter no,$(PRETRAIN)),$(call folder_or_name,$(BACKBONE)),$(abspath $(BACKBONE)))
$(OUT)/members/%/model_info.json: $(PRETRAINED)
	$(PY) -m tweetsent train --params params/semeval-member.yaml $(SEMEVAL) --set run_name=$* --set arch=$(call member_word,2,$*) \
	  --set seed=$(call member_word,3,$*) --set backbone=$(call member_backbone,$(call member_word,1,$*)) \
	  $(foreach s,$(SET_$(call member_word,1,$*)),--set $(s)) --out $(OUT)/members/$*

$(OUT)/ensemble/model_info.json: $(foreach m,$(MEMBERS),$(OUT)/members/$(m)/model_info.json)
	$(PY) -m tweetsent ensemble --params params/semeval-minilm.yaml $(SEMEVAL) --set run_name=ensemble \
	  --models $(addprefix $(OUT)/members/,$(MEMBERS)) --out $(OUT)/ensemble

# TEACHER=<model folder> distils another teacher (an ensemble built before, say) into OUT/student
TEACHER ?= $(OUT)/ensemble
$(OUT)/student/model_info.json: $(TEACHER)/model_info.json
	$(PY) -m tweetsent compress --model $(TEACHER) --method distill --params params/semeval-student.yaml $(SEMEVAL) \
	  --set run_name=student --set distill_backbone=$(BACKBONE_ARG) --out $(OUT)/student
