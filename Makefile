# Two entry points for a fresh checkout (Debian, python3 >= 3.11):
#   make sample   install what running needs, then publish the bundled sample corpus
#                 to public/ (timeline page, calendar feeds, event table) and print
#                 its chronology
#   make test     install that and the test tools, then run the tests
# Installing is done once; it is redone only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.installed-test

.PHONY: sample test lint install system-packages

# The browser tests (tests/test_browser.py) drive Debian's Chromium and need a CJK
# font to draw Chinese; the Word chronology's test (tests/test_docx.py) converts it
# to PDF with LibreOffice Writer and renders a page with poppler's pdftoppm.
# Installed once, only when missing (sudo when not root).
CHROMIUM := /usr/bin/chromium
NOTO_CJK := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
SOFFICE := /usr/bin/soffice
PDFTOPPM := /usr/bin/pdftoppm
# benchmarks/pathological.py --instructions counts instructions with cachegrind.
VALGRIND := /usr/bin/valgrind
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

sample: $(INSTALLED)
	$(BIN)/timeline build data/corpus -o public
	$(BIN)/timeline chronology data/corpus --quiet
	$(BIN)/timeline evaluate data/gold

# axe-core (npm, pinned in package-lock.json) checks the page's accessibility in the tests.
AXE := node_modules/axe-core/axe.min.js

test: $(TEST_INSTALLED) system-packages $(AXE)
	$(BIN)/pytest

$(AXE): package.json package-lock.json | system-packages
	npm ci --no-audit --no-fund
	touch $@

lint: $(TEST_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

install: $(INSTALLED)

system-packages:
	@missing=""; \
	[ -x $(CHROMIUM) ] || missing="$$missing chromium"; \
	[ -e $(NOTO_CJK) ] || missing="$$missing fonts-noto-cjk"; \
	[ -x $(SOFFICE) ] || missing="$$missing libreoffice-writer"; \
	[ -x $(PDFTOPPM) ] || missing="$$missing poppler-utils"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	[ -x $(VALGRIND) ] || missing="$$missing valgrind"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian's$$missing for the tests and benchmarks"; \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends $$missing; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): on Debian, apt install python3-venv" >&2; exit 1; }

# Running needs only the project's own dependencies; the test tools (a browser
# driver, a CalDAV server, strict iCalendar parsers) come with `make test`.
# uv (fetched into the venv with pip) installs the same packages several times
# faster than pip: parallel downloads, no byte-compiling of every module. When
# it cannot be had (no PyPI, only a local mirror pip is configured for), or with
# `make PIP=1 …`, pip does the install itself.
PIP ?=
define pip_install
	@if [ -z "$(PIP)" ] && $(BIN)/python -m pip install --quiet uv 2>/dev/null; then \
		$(BIN)/python -m uv pip install --quiet --python $(BIN)/python -e '$(1)' \
		|| $(BIN)/python -m pip install --quiet -e '$(1)'; \
	else \
		$(BIN)/python -m pip install --quiet -e '$(1)'; \
	fi
endef

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(call pip_install,.)
	touch $@

$(TEST_INSTALLED): pyproject.toml $(INSTALLED)
	$(call pip_install,.[test])
	touch $@
