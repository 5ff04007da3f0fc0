# The two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
PREVIEW_PORT ?= 8010
export NO_MKDOCS_2_WARNING := 1
export PYTHON

CHECKS := site/checks/node_modules/.installed
ZENSICAL := .local/zensical/.installed

.PHONY: run test lint bench site preview clean

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

# Lighthouse and axe-core for the site's checks (npm; they drive Debian's Chromium).
$(CHECKS): site/checks/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm is needed for the site's Lighthouse and axe checks: install Node.js and npm." >&2; exit 1; }
	cd site/checks && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Zensical, mkdocs-material's successor, in its own venv: a test builds the generated tree with
# it. Where pip finds no version for this Python, the reason is kept and the test says so.
$(ZENSICAL):
	rm -rf .local/zensical && mkdir -p .local
	$(PYTHON) -m venv .local/zensical
	.local/zensical/bin/pip install --quiet 'zensical>=0.0.73,<0.2' > .local/zensical/install.log 2>&1 \
	  || echo "pip found no zensical for $$($(PYTHON) --version) (see .local/zensical/install.log)" > .local/zensical/unavailable
	touch $@

run: $(STAMP) site
	@scripts/prereqs.sh run
	exec $(BIN)/renewdesk serve --port $(PORT)

# Static checks, each failing the build on a finding: lint and format (ruff), types (mypy,
# strict on services/ and store/), the layers (import-linter contracts in pyproject.toml),
# security patterns (bandit,
# accepted findings listed in pyproject.toml or marked `# nosec` with their reason), and known
# vulnerabilities in the installed packages (pip-audit, which says so when it could not check).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/bandit -q -c pyproject.toml -r functions site bench scripts
	$(BIN)/python scripts/audit_dependencies.py

test: $(STAMP) lint
	@scripts/prereqs.sh test
	@$(MAKE) --no-print-directory $(CHECKS) $(ZENSICAL)
	$(BIN)/pytest

bench: $(STAMP)
	@scripts/prereqs.sh run
	$(BIN)/python -m bench

clean:
	rm -rf build .pytest_cache
