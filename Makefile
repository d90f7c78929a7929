# Tousu: `make run` starts everything, `make test` runs the suite. Needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test browser lint schema bench migrations clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python scripts/run.py

test: $(STAMP) browser
	$(BIN)/python -m pytest

# The console's browser tests drive Debian's chromium (Playwright's own download is not used).
# Missing and not installable: with CI=true make stops here; otherwise those tests fail, saying so.
browser:
	@command -v chromium >/dev/null 2>&1 || \
	  (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null 2>&1 || \
	  { echo "make: chromium is not installed and could not be installed" \
	    "(apt-get install -y chromium): the browser tests fail without it" >&2; \
	    [ "$$CI" != "true" ]; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy services graphql_schema workers admin_ui

schema: $(STAMP)
	$(BIN)/python -m graphql_schema.export

bench: $(STAMP)
	$(BIN)/python -m bench

migrations: $(STAMP)
	ENV=dev $(BIN)/tortoise makemigrations

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
