# The README's two commands live here: `make briefings` and `make test`.
# Set-up installs the exact versions in requirements.lock with uv; all it needs is Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
UV := $(BIN)/uv
STAMP := $(VENV)/.installed-stamp
JOBS ?=
ARGS ?=
# The editions make briefings builds: English into site/, French into site/fr/ (each with its index).
LANGS ?= en fr
# Named parameter sets of any notebook: notebooks/params/<notebook>/<name>.yaml builds <notebook>--<name>
# (the flat notebooks/params/*.yaml are the briefing's).
NAMED_SETS := $(patsubst notebooks/params/%/,%,$(sort $(dir $(wildcard notebooks/params/*/*.yaml))))
define newline


endef

.PHONY: all setup lock catalog briefings test lint lab figures outputs boundaries gazetteer conflict bench clean

all: briefings

# uv comes from pip into the project's own venv, so nothing is installed outside the checkout.
$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Re-install when the lock or the package metadata changes; the package itself is editable.
# Compiled at install: where PYTHONDONTWRITEBYTECODE is set (as on CI), nothing is cached later, and
# every interpreter and kernel would compile pandas, matplotlib and the rest again (make test: 82 s
# instead of 120 s in a fresh clone).
$(STAMP): requirements.lock pyproject.toml | $(UV)
	VIRTUAL_ENV=$(VENV) $(UV) pip sync --quiet --compile-bytecode requirements.lock
	VIRTUAL_ENV=$(VENV) $(UV) pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The message catalogues, compiled from the committed .po files (the wheel's build hook does the same).
PO := $(wildcard src/sahel_analysis/locale/*/LC_MESSAGES/sahel_analysis.po)
MO := $(PO:.po=.mo)
%.mo: %.po | $(STAMP)
	$(BIN)/pybabel compile --statistics -l $(word 4,$(subst /, ,$<)) -i $< -o $@.tmp && mv $@.tmp $@

setup: $(STAMP) $(MO)

# Every extra, for every platform and Python >= 3.11, with hashes and no index URL.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --all-extras --universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" --quiet -o requirements.lock

LANG_FLAGS = $(foreach l,$(LANGS),--lang $(l))

briefings: setup
	$(BIN)/sahel-analysis build $(filter-out $(NAMED_SETS),$(basename $(notdir $(wildcard notebooks/*.ipynb)))) $(LANG_FLAGS) $(if $(JOBS),-j $(JOBS))
	$(if $(wildcard notebooks/params/*.yaml),$(BIN)/sahel-analysis build 06_briefing $(LANG_FLAGS) $(if $(JOBS),-j $(JOBS)) $(foreach f,$(wildcard notebooks/params/*.yaml),-f $(f)))
	$(foreach d,$(NAMED_SETS),$(BIN)/sahel-analysis build $(d) $(LANG_FLAGS) $(if $(JOBS),-j $(JOBS)) $(foreach f,$(wildcard notebooks/params/$(d)/*.yaml),-f $(f))$(newline))
	@echo "Open site/index.html$(if $(filter fr,$(LANGS)), (French: site/fr/index.html))"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/frictionless validate data/datapackage.json

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval-lax tests notebooks

lab: setup
	$(BIN)/jupyter lab notebooks/ $(ARGS)

figures: setup
	$(BIN)/python scripts/make_figures.py

# After a data change: store the notebooks' fresh key figures, the outputs nbval compares.
outputs: setup
	$(BIN)/python scripts/refresh_kept_outputs.py

boundaries: setup
	$(BIN)/python scripts/derive_boundaries.py

gazetteer: setup
	$(BIN)/python scripts/derive_gazetteer.py

# The shipped UCDP GED events (data/conflict/) from the two exports kept in data/conflict/raw/.
conflict: setup
	$(BIN)/python scripts/derive_conflict.py

# After changing a string a reader sees: new messages arrive untranslated in each .po file.
catalog: setup
	$(BIN)/python scripts/update_catalog.py

bench: setup
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_eventdata.py

clean:
	rm -rf site build
