# Model Advisor: every target sets up what it needs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed
PORTKEY_VERSION := 1.15.2
PORTKEY_STAMP := $(VENV)/.portkey-$(PORTKEY_VERSION)-installed
GUIDELLM_VERSION := 0.8.1
PEER_TORCH_VERSION := 2.13.0
GUIDELLM_STAMP := $(VENV)/.guidellm-$(GUIDELLM_VERSION)-torch-$(PEER_TORCH_VERSION)-installed

# The gateway consumers in tests/export stay offline: litellm uses its bundled price map,
# TensorZero sends no usage analytics.
export LITELLM_LOCAL_MODEL_COST_MAP := True
export TENSORZERO_DISABLE_PSEUDONYMOUS_USAGE_ANALYTICS := 1

.PHONY: run test lint bench snapshot-update clean

run: $(RUN_STAMP)  ## Open the TUI on the example workloads, as `advisor FILE` does
	$(BIN)/advisor examples/workloads.yaml

test: $(TEST_STAMP) $(PORTKEY_STAMP)  ## Lint, type-check and run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n 2 -q

lint: $(TEST_STAMP)  ## Lint and type-check only
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(TEST_STAMP) $(GUIDELLM_STAMP)  ## Run bench/ and write docs/benchmarks.md
	$(BIN)/python -m bench

snapshot-update: $(TEST_STAMP)  ## Re-record TUI snapshots (review the report first)
	$(BIN)/pytest tests/tui --snapshot-update -q

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	@touch $@ $(RUN_STAMP)

# The Portkey gateway (npm) that tests/export runs on loopback; .venv/portkey is git-ignored.
$(PORTKEY_STAMP):
	@command -v npm >/dev/null || { echo "npm (Node 20+) is needed for the Portkey gateway tests"; exit 1; }
	npm install --prefix $(VENV)/portkey @portkey-ai/gateway@$(PORTKEY_VERSION) \
		--no-audit --no-fund --ignore-scripts
	@touch $@

# guidellm, the peer bench/ measures the probe harness against, in its own environment
# (.venv/peer): it imports torch and pins click, neither of which belongs in ours. torch comes
# first, pinned to the CPU build this machine's package index carries (1.5 GB in all, against
# about 6 GB for the CUDA build an unpinned install pulls in); guidellm then keeps it.
$(GUIDELLM_STAMP): | $(BIN)/python
	rm -rf $(VENV)/peer
	$(BIN)/python -m venv $(VENV)/peer
	$(VENV)/peer/bin/python -m pip install -q torch==$(PEER_TORCH_VERSION)
	$(VENV)/peer/bin/python -m pip install -q guidellm==$(GUIDELLM_VERSION)
	@touch $@

clean:  ## Remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache
