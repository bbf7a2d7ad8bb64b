# The README's two commands: `make run` and `make test`. Both install into .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export DVC_NO_ANALYTICS := 1
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1

STAMP := $(VENV)/.installed

.PHONY: install run test lint bench sample scale clean-venv

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## make run: install, then run the whole pipeline on the bundled sample (offline)
run: install
	dvc repro
	@# the funnel in a few lines; every figure of every stage: dvc metrics show
	valact summary

## make test: install, then run the test suite (and the linter)
test: install
	ruff check .
	pytest

lint: install
	ruff check .

## regenerate the bundled synthetic sample (see raw/sample/README.md)
sample: install
	python scripts/generate_sample.py

## full-scale check: 3,000 x 5 from a synthetic corpus via dvc repro, with stage times
scale: install
	scripts/scale_build.sh

clean-venv:
	rm -rf $(VENV)
