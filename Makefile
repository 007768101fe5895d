# Event Hubs Onboarding. `make run` to use it, `make test` to check it.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8765
WEB_PORT ?= 8000

.PHONY: run test emulator serve check lint screenshots bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.testing: requirements.txt requirements-test.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@ $(VENV)/.runtime

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

.env: scripts/dev_env.py | $(PY)
	$(PY) scripts/dev_env.py

## run: install, write .env, migrate, start the emulator, the task worker and the web server (Ctrl-C stops all); DEBUG is off unless `make run DEBUG=true`
run: $(VENV)/.runtime .env
	$(PY) scripts/run_dev.py --port $(WEB_PORT) --emulator-port $(PORT) $(if $(filter true 1 yes,$(DEBUG)),--debug)

## test: the whole suite (lint, types, unit, HTTP, browser) on the configured database
test: $(VENV)/.testing node_modules/axe-core/axe.min.js
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

## emulator: only the Flow Service emulator, on PORT (default 8765)
emulator: $(VENV)/.runtime
	$(PY) -m connections.flowservice_emulator --port $(PORT)

## serve: run as in production (gunicorn, whitenoise, DEBUG off, the task worker beside it; Ctrl-C stops both)
serve: $(VENV)/.runtime
	DEBUG=false $(PY) manage.py collectstatic --noinput --verbosity 0
	DEBUG=false $(PY) manage.py migrate --noinput
	trap 'kill 0' EXIT; \
	DEBUG=false $(PY) manage.py run_tasks & \
	DEBUG=false $(VENV)/bin/gunicorn onboarding.wsgi:application --bind $${BIND:-127.0.0.1:$(WEB_PORT)} \
		--access-logfile - --error-logfile -

## screenshots: drive the real app in Chromium and write docs/screenshots/*.png
screenshots: $(VENV)/.testing
	$(PY) scripts/screenshots.py

## bench: every performance budget measured, with its budget and met/missed (docs/benchmark.md): pages, steps,
## burst and memory under load (bench_load.py), PostgreSQL with Redis vs SQLite and 8 onboardings on RQ
## (bench_cluster.py, if Redis and PostgreSQL answer), then the lists at 1,000 vs 100,000 onboardings (bench_lists.py).
## `make bench QUICK=1`: a short run that checks the bench works (its numbers mean little)
bench: $(VENV)/.testing
	$(PY) scripts/bench_load.py $(if $(QUICK),--quick)
	$(PY) scripts/bench_cluster.py $(if $(QUICK),--quick)
	$(PY) scripts/bench_lists.py $(if $(QUICK),--quick)

clean:
	rm -rf $(VENV) node_modules staticfiles .emulator
