# Two commands do all set-up on a fresh machine:
#   make run    create the environment if needed, then run the app
#   make test   create the environment (and install chromium) if needed, then run every test
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint bench checkpoints browser clean serve

run: $(VENV)/.runtime
	$(PY) -m streamlit run app.py

# Several replicas behind nginx with cookie session affinity (README, "Serving a class").
REPLICAS ?= 2
PORT ?= 8501
serve: $(VENV)/.runtime
	bash scripts/serve.sh $(REPLICAS) $(PORT)

test: $(VENV)/.dev browser
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(PY) -m ruff check .

bench: $(VENV)/.dev browser
	$(PY) -m bench

browser:
	bash scripts/install_browser.sh

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/e2e/screenshots
