# LAPOR! Federation. `make run` serves hub + pilot; `make test` runs the test suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint check-migrations bench bench-intake bench-sync db-start db-stop clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m deploy.local run

test: $(STAMP)
	$(PY) -m deploy.local test $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy platform tenants national_hub registry sync deploy

check-migrations: $(STAMP)
	$(PY) -m deploy.local manage makemigrations --check --dry-run

bench: bench-intake bench-sync

bench-intake: $(STAMP)
	$(PY) -m deploy.local bench intake $(BENCH_ARGS)

bench-sync: $(STAMP)
	$(PY) -m deploy.local bench sync $(BENCH_ARGS)

db-start: $(STAMP)
	$(PY) -m deploy.local db-start

db-stop: $(STAMP)
	$(PY) -m deploy.local db-stop

clean:
	rm -rf $(VENV)
