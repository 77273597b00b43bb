# Quick start:  make run   (install and serve the demo on http://127.0.0.1:5000)
#               make test  (install the test tools and run lint + the whole suite)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint install install-test

run: install
	$(BIN)/python app.py

# The suite runs on SQLite first; with XIANFENG_TEST_POSTGRES_URL / XIANFENG_TEST_REDIS_URL set
# it runs a second time on PostgreSQL with access tokens in Redis.
test: install-test lint
	env -u XIANFENG_TEST_POSTGRES_URL -u XIANFENG_TEST_REDIS_URL $(BIN)/pytest
	@if [ -n "$$XIANFENG_TEST_POSTGRES_URL$$XIANFENG_TEST_REDIS_URL" ]; then \
		echo "== the suite again on PostgreSQL + Redis =="; \
		$(BIN)/pytest; \
	fi

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@
