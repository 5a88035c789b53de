# LAPOR! Federation. `make run` serves hub + pilot; `make test` runs the test suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint check-migrations messages bench bench-smoke bench-intake bench-onboarding bench-sync bench-portal bench-dashboard bench-channels bench-load db-start db-stop clean

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
	$(VENV)/bin/mypy platform tenants national_hub sync deploy
	PYTHONPATH=platform:. $(VENV)/bin/lint-imports

# Extract every translatable string into the English catalogue and compile it (needs GNU gettext).
messages: $(STAMP)
	$(PY) manage.py makemessages -l en --no-location --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=deploy
	msgfmt --check -o platform/locale/en/LC_MESSAGES/django.mo platform/locale/en/LC_MESSAGES/django.po

check-migrations: $(STAMP)
	$(PY) -m deploy.local manage makemigrations --check --dry-run

# Fails when a migration the database (DATABASE_URL) has yet to apply would break the release that
# keeps running during the upgrade (contract steps: deploy/README.md, Upgrades). Migration files
# under review instead: make upgrade-check UPGRADE_ARGS="path/to/0042_x.py".
.PHONY: upgrade-check
upgrade-check: $(STAMP)
	$(PY) -m deploy.local manage upgrade_check $(UPGRADE_ARGS)

# Every bench-<name> target in this file, one after another (bench-smoke is not one: see below).
bench: $(STAMP)
	@for target in $$(grep -oE '^bench-[a-z0-9-]+:' Makefile | tr -d ':' | grep -vx bench-smoke); do \
		$(MAKE) --no-print-directory $$target || exit 1; done

# Every benchmark in a small size, so that CI notices one that no longer runs. Its figures
# measure nothing; the targets are judged on the full sizes (make bench).
bench-smoke: $(STAMP)
	$(MAKE) --no-print-directory bench-onboarding BENCH_ARGS="--tenants 12 --baseline 2"
	$(MAKE) --no-print-directory bench-intake BENCH_ARGS="--rounds 2 --seconds 1"
	$(MAKE) --no-print-directory bench-sync BENCH_ARGS="--same-db 40 --http 8 --latency-referrals 12"
	$(MAKE) --no-print-directory bench-portal BENCH_ARGS="--reports 20000 --requests 30"
	$(MAKE) --no-print-directory bench-dashboard BENCH_ARGS="--reports 20000 --national 50000 --pemda 12 --requests 30 --rounds 1"
	$(MAKE) --no-print-directory bench-channels BENCH_ARGS="--reports 20000 --rounds 2 --seconds 1 --messages 20 --requests 30"
	$(MAKE) --no-print-directory bench-load BENCH_ARGS="--seconds 10 --measure-seconds 2 --users 12"

# Onboarding of all 552 Pemda, one new migration to all, web worker RSS (own database lapor_bench).
bench-onboarding: $(STAMP)
	$(PY) tests/bench/bench_onboarding.py $(BENCH_ARGS)

# Report intake through gunicorn against a bare DRF insert (own database lapor_bench_intake).
bench-intake: $(STAMP)
	$(PY) -m deploy.local bench intake $(BENCH_ARGS)

bench-sync: $(STAMP)
	$(PY) -m deploy.local bench sync $(BENCH_ARGS)

# The portal and the officer queue over 1,000,000 reports of one Pemda (own database lapor_bench_portal).
bench-portal: $(STAMP)
	$(PY) -m deploy.local bench portal $(BENCH_ARGS)

# The pimpinan's SKPD ranking over 1,000,000 reports, the hub's league of 552 Pemda (2,200,000
# reports), freshness through worker and sync, against the naive scan (own database lapor_bench_dashboard).
bench-dashboard: $(STAMP)
	$(PY) -m deploy.local bench dashboard $(BENCH_ARGS)

# SMS over Kannel's webhook vs the JSON API, SMS reply latency through a real Kannel, Open311 over
# 1,000,000 reports of one Pemda (own database lapor_bench_channels).
bench-channels: $(STAMP)
	$(PY) -m deploy.local bench channels $(BENCH_ARGS)

# Mixed roles through gunicorn for 5 minutes, in Locust, at 3x the intake rate measured in the same run:
# no errors but the repeat filer's intended 429s, every filing a row, p99 per route (own database lapor_bench_load).
bench-load: $(STAMP)
	$(PY) -m deploy.local bench load $(BENCH_ARGS)

db-start: $(STAMP)
	$(PY) -m deploy.local db-start

db-stop: $(STAMP)
	$(PY) -m deploy.local db-stop

clean:
	rm -rf $(VENV)
