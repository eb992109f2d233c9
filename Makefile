# Scenarist: `make run` sets up and runs the main job; `make serve` starts the web app; `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
DSTAMP := $(VENV)/.installed-docs

.PHONY: run serve test lint typecheck bench clean docs docs-update

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installing also compiles the numba kernels into their on-disk cache, so the first command is fast.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[charts,frames,web]'
	$(BIN)/python -m scenarist.engines.warm
	touch $@

$(TSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m scenarist.engines.warm
	touch $@ $(STAMP)

run: $(STAMP)
	$(BIN)/scenarist run --out reports

# The web app on http://127.0.0.1:8000 (read-only; set SCENARIST_TOKEN to allow changes).
serve: $(STAMP)
	$(BIN)/scenarist serve

lint: $(TSTAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# pytest exits 5 when it collects nothing: an empty suite is a failure, not a pass.
test: lint
	$(BIN)/python -m pytest -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$status

$(DSTAMP): pyproject.toml | $(BIN)/python
	@$(BIN)/pip install --quiet -e '.[docs]'
	@touch $@

# The documentation site (MkDocs Material) in site/; --strict: a broken link or reference fails.
docs: $(DSTAMP)
	@NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict > $(VENV)/mkdocs.log 2>&1 \
		|| { cat $(VENV)/mkdocs.log; exit 1; }

# Regenerate every generated part of the docs: terminal transcripts (cog), CLI and model-format references.
docs-update: $(TSTAMP)
	$(BIN)/python tools/docs.py update

bench: $(STAMP)
	$(BIN)/python bench/frontier.py
	$(BIN)/python bench/multistart_recall.py
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) reports site .pytest_cache .mypy_cache .ruff_cache
