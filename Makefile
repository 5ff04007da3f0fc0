# The two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
export NO_MKDOCS_2_WARNING := 1
export PYTHON

.PHONY: run test bench site clean

$(STAMP): pyproject.toml
	@scripts/prereqs.sh base
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/mkdocs build --quiet

run: $(STAMP) site
	@scripts/prereqs.sh run
	exec $(BIN)/renewdesk serve --port $(PORT)

test: $(STAMP)
	@scripts/prereqs.sh test
	$(BIN)/pytest

bench: $(STAMP)
	@scripts/prereqs.sh run
	$(BIN)/python -m bench

clean:
	rm -rf build .pytest_cache
