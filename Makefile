# Everything builds from nothing: `make demo` and `make test` create .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
STAMP := $(VENV)/.installed
CONFORMANCE_VENV := .venv-conformance

.PHONY: venv engines demo test test-quick docs pyright lint typecheck check-generated conformance generate dist publish api-diff spec-diff bench clean

venv: $(STAMP)

# One line per step, and the time it took: on a fresh machine this is the first minute.
$(STAMP): pyproject.toml requirements-dev.txt
	@set -e; started=$$(date +%s); \
	echo "==> [1/4] creating $(VENV) with $(PYTHON)"; \
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); \
	echo "==> [2/4] installing the development requirements (requirements-dev.txt)"; \
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip; \
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt; \
	echo "==> [3/4] installing faraday-webhooks[sandbox] from this checkout (editable)"; \
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-build-isolation -e '.[sandbox]'; \
	echo "==> [4/4] filling .wheelhouse/ with the runtime wheels the release test installs"; \
	$(BIN)/python scripts/runtime_wheelhouse.py; \
	touch $(STAMP); \
	echo "==> $(VENV) ready in $$(( $$(date +%s) - started )) s"

## The main job: the whole webhook flow, offline, against the bundled sandbox. It needs
## only the package and its sandbox extra, in a small environment of its own.
DEMO_VENV := .venv-demo
$(DEMO_VENV)/.installed: pyproject.toml
	@test -x $(DEMO_VENV)/bin/python || $(PYTHON) -m venv $(DEMO_VENV)
	@echo "==> installing faraday-webhooks[sandbox] into $(DEMO_VENV) (the package and its sandbox extra only)"
	@$(DEMO_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[sandbox]'
	@touch $@

demo: $(DEMO_VENV)/.installed
	@$(DEMO_VENV)/bin/faraday-webhooks demo

## The database servers the dedupe stores are tested against (Debian's packages); the
## tests start and stop their own instances on 127.0.0.1.
engines:
	@command -v redis-server >/dev/null && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "==> installing redis-server and postgresql (Debian's packages)"; \
			apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends redis-server postgresql >/dev/null; \
		else \
			echo "make engines: install Debian's redis-server and postgresql (as root: make engines)" >&2; \
			exit 1; \
		fi; }

## Everything CI runs: generated/ is fresh, lint, types, the sandbox's conformance, then the
## tests on every Python the package claims (nox; one: make test PYTHONS=3.11).
test: venv engines check-generated lint typecheck pyright conformance docs
	@$(BIN)/nox $(if $(PYTHONS),-s $(foreach v,$(PYTHONS),tests-$(v)),-s tests) -- $(PYTEST_ARGS)

## The tests on .venv's Python alone, fastest to iterate on.
test-quick: venv engines
	@$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; \
	exit $$status

$(CONFORMANCE_VENV)/.installed: requirements-conformance.txt
	@test -x $(CONFORMANCE_VENV)/bin/python || $(PYTHON) -m venv $(CONFORMANCE_VENV)
	@echo "==> installing schemathesis into $(CONFORMANCE_VENV)"
	@$(CONFORMANCE_VENV)/bin/python -m pip install --quiet -r requirements-conformance.txt
	@touch $@

## schemathesis, every check and the stateful phase, against a fresh sandbox (bounded: seconds).
## No check is excluded: the sandbox must pass them all.
conformance: venv $(CONFORMANCE_VENV)/.installed
	@SCHEMATHESIS=$(CONFORMANCE_VENV)/bin/st $(BIN)/python scripts/conformance.py \
		--output-truncate true > .conformance.log 2>&1 \
		&& tail -n 3 .conformance.log || { cat .conformance.log; exit 1; }

check-generated: venv
	@./generate.sh --check

generate: venv
	@./generate.sh

lint: venv
	@$(BIN)/ruff check overrides tests bench scripts noxfile.py
	@$(BIN)/ruff format --check overrides tests bench scripts noxfile.py

typecheck: venv
	@$(BIN)/mypy

# pyright from the npm registry, pinned (its PyPI wrapper downloads it at run time anyway).
PYRIGHT_VERSION := 1.1.409
PYRIGHT := .pyright/node_modules/.bin/pyright
$(PYRIGHT):
	@npm install --silent --no-audit --no-fund --prefix .pyright pyright@$(PYRIGHT_VERSION) >/dev/null

## pyright on the installed package: --verifytypes at least 95%, the typed user program strict.
pyright: venv $(PYRIGHT)
	@$(BIN)/python scripts/pyright_check.py $(abspath $(PYRIGHT))

## Build sdist and wheel, run twine check, and inspect the wheel's contents.
dist: venv check-generated
	@rm -rf dist
	@$(BIN)/python -m build --no-isolation --outdir dist . >/dev/null 2>.build.log \
		|| { cat .build.log; exit 1; }
	@$(BIN)/twine --no-color check --strict dist/*
	@$(BIN)/python scripts/check_dist.py dist

## Build dist/ and upload it to $$FARADAY_INDEX_URL. Refuses a dirty tree, a version without a
## CHANGELOG section and a version already there (before building), a stale generated/, and
## a breaking public-API change without the major (0.x: minor) version bump; names each one.
publish: venv
	@$(BIN)/python scripts/publish.py dist

## The public Python API's breaking changes (griffe) since the newest version on
## $$FARADAY_INDEX_URL, or since a git tag: make api-diff BASE=v0.1.0
api-diff: venv
	@$(BIN)/python scripts/api_diff.py $(if $(BASE),--base $(BASE))

## What Faraday's published document has that openapi.yaml lacks (the webhook part):
## make spec-diff UPSTREAM=path-or-url [ALLOW=1]
spec-diff: venv
	@test -n "$(UPSTREAM)" || { echo "make spec-diff UPSTREAM=<path or URL of Faraday's api.json>" >&2; exit 2; }
	@$(BIN)/python scripts/spec_diff.py "$(UPSTREAM)" $(if $(ALLOW),--allow)

## Benchmarks, on demand (not part of `make test`).
bench: venv
	@$(BIN)/python bench/run.py

## The documentation site, built strictly into site/ (a broken link or reference fails).
docs: venv
	@NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	@echo "docs: open $(CURDIR)/site/index.html"

clean:
	rm -rf $(VENV) $(DEMO_VENV) $(CONFORMANCE_VENV) .nox site .pyright dist build .mypy_cache .ruff_cache
