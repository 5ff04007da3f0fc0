# The two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
PREVIEW_PORT ?= 8010
export NO_MKDOCS_2_WARNING := 1
export PYTHON

.PHONY: run test bench site preview clean

$(STAMP): pyproject.toml
	@scripts/prereqs.sh base
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# `renewdesk site build`: generate pages from content/ into build/generated, then mkdocs build.
site: $(STAMP)
	$(BIN)/renewdesk site build

# Live preview of content/ for marketing: rebuilds on every save, shows content mistakes in
# the page (forms need `make run`). RENEWDESK_AS_OF=YYYY-MM-DD make preview: another day.
preview: $(STAMP)
	$(BIN)/renewdesk site preview --port $(PREVIEW_PORT)

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
