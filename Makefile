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

.PHONY: setup run test report export bench check clean lab

$(STAMP): settings.ini setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check $(TORCH)   # CPU build here; TORCH="torch==X --index-url URL" for another
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	$(PY) -m tweetsent lexicons --dir lexicons
	$(PY) -m ipykernel install --user --name tweetsent --display-name "tweetsent" >/dev/null   # the notebooks' kernel
	$(MAKE) --no-print-directory hooks
	touch $(STAMP)

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
	$(PY) -m tweetsent run --params $(PARAMS) $(foreach s,$(SET),--set $(s))

test: setup
	$(PY) -m pytest

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
# notebooks, a hand edit of a generated module) or when ruff finds a problem. Run by .ci/run before the tests.
SOURCES = find notebooks tweetsent -name '*.ipynb' -o -name '*.py' | sort | xargs cat | sha1sum
check:
	@test -x $(VENV)/bin/nbdev_export || { echo "make check: run make setup first"; exit 2; }
	@before=$$($(SOURCES)); \
	$(MAKE) --no-print-directory -s clean >/dev/null && $(VENV)/bin/nbdev_export; \
	if [ "$$before" != "$$($(SOURCES))" ]; then \
	  echo "make check: notebooks were not clean, or tweetsent/ was out of sync with them; review and commit the changes (git diff)"; exit 1; fi
	$(VENV)/bin/ruff check .
	@echo "make check: notebooks clean, package in sync, lint passes"

# JupyterLab on this machine only; it prints the URL (with its token) to open
lab: setup
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --no-browser --ServerApp.root_dir=$(CURDIR) --ServerApp.allow_root=True

bench: setup
	$(PY) bench/run.py
