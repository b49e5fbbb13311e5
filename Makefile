# tweetsent: `make run` runs the pipeline on the default params; `make test` runs unit tests and nbval.
# Both create .venv on first use; later runs reuse it (the stamp file changes only when settings.ini or setup.py do).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PARAMS ?= params/minilm-manual.yaml
SET ?=
RUN ?=
TORCH ?= torch==2.13.0
STAMP := $(VENV)/.tweetsent-installed

.PHONY: setup run test report export bench

$(STAMP): settings.ini setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check $(TORCH)   # CPU build here; TORCH="torch==X --index-url URL" for another
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	$(PY) -m tweetsent lexicons --dir lexicons
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) -m tweetsent run --params $(PARAMS) $(foreach s,$(SET),--set $(s))

test: setup
	$(PY) -m pytest

report: setup
	@test -n "$(RUN)" || { echo "usage: make report RUN=outputs/runs/<name>"; exit 2; }
	$(PY) -m tweetsent report --run $(RUN)

export: setup
	$(VENV)/bin/nbdev_export

bench: setup
	$(PY) bench/run.py
