# Two entry points for a fresh checkout (Debian, python3 >= 3.11):
#   make sample   install, then publish the bundled sample corpus to public/
#                 (timeline page, calendar feeds, event table) and print its chronology
#   make test     install, then run the tests
# Installing is done once; it is redone only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: sample test lint install system-packages

# The browser tests (tests/test_browser.py) drive Debian's Chromium and need a CJK
# font to draw Chinese; installed once, only when missing (sudo when not root).
CHROMIUM := /usr/bin/chromium
NOTO_CJK := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

sample: $(INSTALLED)
	$(BIN)/timeline build data/corpus --out public
	$(BIN)/timeline chronology data/corpus --quiet
	$(BIN)/timeline evaluate data/gold

test: $(INSTALLED) system-packages
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

install: $(INSTALLED)

system-packages:
	@if [ ! -x $(CHROMIUM) ] || [ ! -e $(NOTO_CJK) ]; then \
		echo "Installing Debian's chromium and fonts-noto-cjk for the browser tests"; \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends chromium fonts-noto-cjk; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): on Debian, apt install python3-venv" >&2; exit 1; }

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@
