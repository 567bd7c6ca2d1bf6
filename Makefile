# Two entry points for a fresh checkout (Debian, python3 >= 3.11):
#   make sample   install, then resolve and score the bundled sample corpus
#   make test     install, then run the tests
# Installing is done once; it is redone only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: sample test lint install

sample: $(INSTALLED)
	$(BIN)/timeline dates data/corpus
	$(BIN)/timeline evaluate data/gold

test: $(INSTALLED)
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

install: $(INSTALLED)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): on Debian, apt install python3-venv" >&2; exit 1; }

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@
