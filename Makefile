# coursepack: `make build` and `make test` are all a fresh machine needs.
# Both create (or refresh) the virtual environment in .venv/ first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    ?= build

.PHONY: all venv build check test bench probe clean distclean docs

all: build

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

build: $(STAMP)
	$(BIN)/coursepack build --out $(OUT) --moodle all

check: $(STAMP)
	$(BIN)/coursepack check

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

probe: $(STAMP)
	$(BIN)/python bench/probe.py

docs: $(STAMP)
	$(BIN)/coursepack codes --format markdown > docs/diagnostics.md

clean:
	rm -rf $(OUT)

distclean: clean
	rm -rf $(VENV)
