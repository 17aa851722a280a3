# The README's two commands live here: `make briefings` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
JOBS ?=
# Named parameter sets of any notebook: notebooks/params/<notebook>/<name>.yaml builds <notebook>--<name>
# (the flat notebooks/params/*.yaml are the briefing's).
NAMED_SETS := $(patsubst notebooks/params/%/,%,$(sort $(dir $(wildcard notebooks/params/*/*.yaml))))
define newline


endef

.PHONY: all setup briefings test lint lab figures boundaries gazetteer bench clean

all: briefings

# Re-install when the dependency list changes; the package itself is editable.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

briefings: setup
	$(BIN)/sahel-analysis build $(if $(JOBS),-j $(JOBS))
	$(if $(wildcard notebooks/params/*.yaml),$(BIN)/sahel-analysis build 06_briefing $(if $(JOBS),-j $(JOBS)) $(foreach f,$(wildcard notebooks/params/*.yaml),-f $(f)))
	$(foreach d,$(NAMED_SETS),$(BIN)/sahel-analysis build $(d) $(if $(JOBS),-j $(JOBS)) $(foreach f,$(wildcard notebooks/params/$(d)/*.yaml),-f $(f))$(newline))
	@echo "Open build/index.html"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/frictionless validate data/datapackage.json

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval-lax tests notebooks

lab: setup
	$(BIN)/jupyter lab notebooks/

figures: setup
	$(BIN)/python scripts/make_figures.py

boundaries: setup
	$(BIN)/python scripts/derive_boundaries.py

gazetteer: setup
	$(BIN)/python scripts/derive_gazetteer.py

bench: setup
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_eventdata.py

clean:
	rm -rf build
