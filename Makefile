# edgedigits: one-command set-up for the common jobs. `make help` lists them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Offline machines keep MNIST beside the project; elsewhere the loader downloads it.
MNIST_DIR ?= $(abspath $(wildcard ../shared/data/mnist))
ifneq ($(MNIST_DIR),)
export EDGEDIGITS_MNIST_DIR ?= $(MNIST_DIR)
endif

.PHONY: help demo test lint models export benchmark clean wheel check-wheel check-aarch64

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[runtime]'
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.runtime

demo: $(VENV)/.runtime  ## scan the bundled sample worksheet with the shipped model
	$(BIN)/python -m runtime.scan samples/worksheet.png --annotate out/demo

test: $(VENV)/.dev  ## run the whole test suite
	$(BIN)/python -m pytest -q -n 2

lint: $(VENV)/.dev  ## ruff over the code
	$(BIN)/ruff check runtime train export benchmarks tests

models: $(VENV)/.dev  ## retrain and re-export the shipped models (about 40 minutes on 2 cores)
	$(BIN)/python -m train --arch edge --out models/
	# then the "not a digit" output, fine-tuned from that model (README: Train and export)
	$(BIN)/python -m train --arch edge --init-from models/edge.keras --epochs 8 --learning-rate 3e-4 \
		--warmup-epochs 1 --chalk-probability 0 --negative-fraction 0.06 --out models/
	$(BIN)/python -m train --arch seed --out models/
	$(MAKE) export

export: $(VENV)/.dev  ## re-export the shipped models (and the packaged default) and check parity
	$(BIN)/python -m export models/edge.keras --out models/edge/ --package runtime/default_model/
	$(BIN)/python -m export models/seed.keras --out models/seed/

benchmark: $(VENV)/.dev  ## latency, accuracy and pipeline benchmarks into benchmarks/results/
	$(BIN)/python -m benchmarks.latency --manifest models/edge/ --reference models/seed/ --out benchmarks/results/
	$(BIN)/python -m benchmarks.pipeline
	$(BIN)/python -m benchmarks.accuracy --real
	$(BIN)/python -m benchmarks.usps

clean:  ## remove the virtual environments and outputs
	rm -rf $(VENV) .venv-runtime out .pytest_cache dist build

# ---- the installable toolkit (issue 14): the wheel, checked from outside the checkout, and on aarch64
# The wheel's venv lies outside the checkout, as a user's would.
WHEEL_VENV ?= $(or $(TMPDIR),/tmp)/edgedigits-check-wheel

wheel:  ## build dist/edgedigits-*.whl (carries the default model)
	rm -rf dist build
	$(PYTHON) -m pip wheel -q --no-deps -w dist .

check-wheel: wheel  ## install the wheel with [runtime,benchmarks] in a fresh venv; run it from /tmp
	rm -rf $(WHEEL_VENV)
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/pip install -q "$$(ls dist/edgedigits-*.whl)[runtime,benchmarks]"
	$(WHEEL_VENV)/bin/python scripts/smoke_installed.py --checkout . --camera --golden --benchmark

check-aarch64:  ## install .[runtime] on Debian 12 arm64 under qemu and read pages there (root)
	.ci/check-aarch64
