# fairlane: `make run` serves the demo, `make test` runs every check. Both set themselves up.
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/fairlane

.PHONY: help install system-deps messages run test check pytest bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements.lock
	$(VENV)/bin/pip install -q --no-deps -e .
	touch $@

install: $(VENV)/.installed ## Create .venv and install the locked dependencies

system-deps: ## Debian packages: gettext, a CJK font, chromium for browser tests
	@scripts/system-deps

messages: install ## Compile the translations
	@$(PY) manage.py compilemessages --ignore '.venv/*' -v 0

run: install system-deps messages ## Migrate, load the demo world if empty, serve on 127.0.0.1:$(PORT)
	@mkdir -p var
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py load_catalogue
	$(PY) manage.py load_calendar
	$(PY) manage.py load_violation_codes
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

check: install ## Lint, format, types and migrations
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy fairlane bench
	$(PY) manage.py makemigrations --check --dry-run -v 0

pytest: install system-deps messages ## The test suite (PostgreSQL part when reachable)
	@PG_URL=$(PG_URL) scripts/run-tests

test: check pytest ## Everything CI runs

bench: install ## Benchmarks, each as a ratio against a baseline measured in the same run
	$(PY) -m bench
	BENCH_PG_URL=$(PG_URL:/fairlane=/postgres) $(PY) bench/crowd.py

clean: ## Remove the environment and local data
	rm -rf $(VENV) var
