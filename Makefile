# The two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
PREVIEW_PORT ?= 8010
export NO_MKDOCS_2_WARNING := 1
export PYTHON

.PHONY: run test lint bench site preview clean

$(STAMP): pyproject.toml
	@scripts/prereqs.sh base
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/mkdocs build --quiet

# Live preview of content/ for marketing (reloads on every save; forms need `make run`).
# RENEWDESK_AS_OF=YYYY-MM-DD make preview shows the site as of another day.
preview: $(STAMP)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:$(PREVIEW_PORT)

run: $(STAMP) site
	@scripts/prereqs.sh run
	exec $(BIN)/renewdesk serve --port $(PORT)

# Static checks, each failing the build on a finding: lint (ruff), security patterns (bandit,
# accepted findings listed in pyproject.toml or marked `# nosec` with their reason), and known
# vulnerabilities in the installed packages (pip-audit, which says so when it could not check).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/bandit -q -c pyproject.toml -r functions site bench scripts
	$(BIN)/python scripts/audit_dependencies.py

test: $(STAMP) lint
	@scripts/prereqs.sh test
	$(BIN)/pytest

bench: $(STAMP)
	@scripts/prereqs.sh run
	$(BIN)/python -m bench

clean:
	rm -rf build .pytest_cache
