# Tousu: `make run` starts everything, `make test` runs the suite. Needs only Python 3.11+.
#
# Dependencies come from the locks, never from pyproject's ranges, each version pinned with its
# hashes: requirements.lock (what the service needs, the tracing extra included: the
# Dockerfile), requirements-run.lock (that plus the embedded PostgreSQL and Redis: `make run`)
# and requirements-dev.lock (that plus the test and lint tools: `make test`, CI). `make lock`
# makes all three from pyproject.toml. They are installed with uv when it is on PATH; otherwise
# uv (pinned) is installed into .venv first, and pip installs them when even that fails.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
# for make run's banner: how long from here (before any install) to the first answer
STARTED := $(shell date +%s.%N)
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --quiet \
	--custom-compile-command "make lock"

.PHONY: install install-dev run test browser lint schema bench migrations lock clean

# $(1): the lock to install. uv on PATH, else uv in .venv, else pip; then the project itself.
define install_lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if command -v uv >/dev/null 2>&1; then uv=uv; \
	elif test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"; then \
	  uv=$(BIN)/uv; else uv=""; fi; \
	if [ -n "$$uv" ]; then \
	  echo "installing $(1) with $$uv"; \
	  $$uv pip install --quiet --python $(BIN)/python --require-hashes -r $(1) && \
	  $$uv pip install --quiet --python $(BIN)/python --no-deps -e .; \
	else \
	  echo "installing $(1) with pip"; \
	  $(BIN)/python -m pip install --quiet --require-hashes -r $(1) && \
	  $(BIN)/python -m pip install --quiet --no-deps -e .; \
	fi
endef

$(RUN_STAMP): requirements-run.lock
	$(call install_lock,requirements-run.lock)
	touch $(RUN_STAMP)

# the dev lock pins every runtime package at the runtime lock's version: it covers `make run` too
$(DEV_STAMP): requirements-dev.lock requirements-run.lock
	$(call install_lock,requirements-dev.lock)
	touch $(DEV_STAMP) $(RUN_STAMP)

install: $(RUN_STAMP)

install-dev: $(DEV_STAMP)

run: $(RUN_STAMP)
	@TOUSU_MAKE_STARTED=$(STARTED) $(BIN)/python scripts/run.py

test: $(DEV_STAMP) browser
	$(BIN)/python -m pytest

# The console's browser tests drive Debian's chromium (Playwright's own download is not used).
# Missing and not installable: with CI=true make stops here; otherwise those tests fail, saying so.
browser:
	@command -v chromium >/dev/null 2>&1 || \
	  (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null 2>&1 || \
	  { echo "make: chromium is not installed and could not be installed" \
	    "(apt-get install -y chromium): the browser tests fail without it" >&2; \
	    [ "$$CI" != "true" ]; }

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy services graphql_schema workers admin_ui

schema: $(RUN_STAMP)
	ENV=dev $(BIN)/python -m graphql_schema.export

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

migrations: $(DEV_STAMP)
	ENV=dev $(BIN)/tortoise makemigrations

# Both locks again from pyproject.toml (after a dependency changed there); the newest versions
# its ranges allow. The other two are constrained by the dev lock: one version of everything.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@command -v uv >/dev/null 2>&1 || test -x $(BIN)/uv || \
	  $(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$$(command -v uv || echo $(BIN)/uv) pip compile pyproject.toml --extra dev --extra tracing \
	  $(LOCK_FLAGS) -o requirements-dev.lock
	$$(command -v uv || echo $(BIN)/uv) pip compile pyproject.toml --extra local --extra tracing $(LOCK_FLAGS) \
	  -c requirements-dev.lock -o requirements-run.lock
	$$(command -v uv || echo $(BIN)/uv) pip compile pyproject.toml --extra tracing $(LOCK_FLAGS) \
	  -c requirements-dev.lock -o requirements.lock

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
